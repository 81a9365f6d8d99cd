"""Runs generators over held-out clips and writes a Markdown table and a figure.

    sgt-lite eval [--generators static,sway,procedural] [--heldout SPEAKER] [-o docs/eval]
"""
import dataclasses
import logging
import pathlib

import numpy as np

from ..generators import make_generator
from ..motion.dataset import load_tracks, speaker_folds
from . import metrics as M

log = logging.getLogger(__name__)

EVAL_FPS = 25.0
OTHER_REAL = "other real speaker"
REAL = "real (held-out)"


def _other_speaker_track(clip, train):
    """Real motion of a different speaker, tiled/cropped to the held-out clip's length."""
    donor = max(train, key=lambda t: t.duration)
    m = donor.resampled(EVAL_FPS).motion
    reps = int(np.ceil(len(clip) / len(m)))
    motion = np.concatenate([m] * reps)[:len(clip)]
    return dataclasses.replace(clip, motion=motion, valid=np.ones(motion.shape, bool),
                               source=f"real:{donor.source}")


def evaluate(generator_names, tracks=None, heldout=None, seed=0, progress=print, checkpoint=None):
    """Returns {row name: {metric: value}}, the per-clip generated tracks, and the real tracks."""
    tracks = tracks if tracks is not None else load_tracks()
    rows = {}
    gens = {name: make_generator(name, fps=30.0, checkpoint=checkpoint) for name in generator_names}
    per = {name: {"real": [], "gen": [], "audio": []} for name in list(gens) + [OTHER_REAL]}
    styles = {name: {} for name in gens if gens[name].styles}
    for speaker, train, test in speaker_folds(tracks, heldout):
        for clip in test:
            audio = clip.load_audio(16000)
            real = clip.resampled(EVAL_FPS)
            progress(f"  {speaker}: {clip.source.split()[0]} ({clip.duration:.0f} s)")
            for name, gen in gens.items():
                out = gen.generate(audio, 16000, seed=seed).resampled(EVAL_FPS)
                per[name]["real"].append(real)
                per[name]["gen"].append(_trim(out, len(real)))
                per[name]["audio"].append(audio)
                for style in gen.styles:
                    t = gen.generate(audio, 16000, seed=seed + 1, style=style)
                    if name == "model":   # the model's own style encoder judges its output
                        styles[name].setdefault(style, []).append(t.motion)
                    else:
                        styles[name].setdefault(style, []).append(M.style_features(t.resampled(EVAL_FPS)))
            per[OTHER_REAL]["real"].append(real)
            per[OTHER_REAL]["gen"].append(_other_speaker_track(real, train))
            per[OTHER_REAL]["audio"].append(audio)
    for name, d in per.items():
        rows[name] = summarise(d["real"], d["gen"], d["audio"])
        if name == "model":
            from ..model.style_encoder import NumpyStyleEncoder, retrieval_accuracy

            ck = gens[name].ck
            rows[name]["style retrieval (%)"] = retrieval_accuracy(NumpyStyleEncoder.from_checkpoint(ck), styles[name], ck.styles)
            rows[name]["style chance (%)"] = 100.0 / len(styles[name])
        elif name in styles:
            feats = {s: np.concatenate(f) for s, f in styles[name].items()}
            rows[name]["style retrieval (%)"] = 100.0 * M.nearest_centroid_accuracy(feats)
            rows[name]["style chance (%)"] = 100.0 / len(feats)
    reals = per[OTHER_REAL]["real"]
    rows = {REAL: summarise(reals, reals, per[OTHER_REAL]["audio"]), **rows}
    return rows, per, reals


def _trim(track, n):
    if len(track) >= n:
        return dataclasses.replace(track, motion=track.motion[:n], valid=track.valid[:n])
    pad = n - len(track)
    return dataclasses.replace(track, motion=np.pad(track.motion, ((0, pad), (0, 0)), mode="edge"),
                               valid=np.pad(track.valid, ((0, pad), (0, 0)), mode="edge"))


def summarise(reals, gens, audios):
    out = {}
    dur = np.array([r.duration for r in reals])
    w = dur / dur.sum()
    for i, axis in enumerate(M.AXES):
        r_std = np.array([r.motion[:, i].std() for r in reals])
        g_std = np.array([g.motion[:, i].std() for g in gens])
        r_vel = np.array([np.abs(M.velocity(r.motion[:, i], r.fps)).mean() for r in reals])
        g_vel = np.array([np.abs(M.velocity(g.motion[:, i], g.fps)).mean() for g in gens])
        out[f"amplitude ratio {axis}"] = float(np.sum(w * g_std) / np.sum(w * r_std))
        out[f"velocity ratio {axis}"] = float(np.sum(w * g_vel) / np.sum(w * r_vel))
    real_w = np.concatenate([M.window_stats(r) for r in reals])
    gen_w = np.concatenate([M.window_stats(g) for g in gens])
    mu, sd = real_w.mean(0), real_w.std(0) + 1e-9
    out["Fréchet distance (2 s windows)"] = M.frechet_distance((real_w - mu) / sd, (gen_w - mu) / sd)
    out["coupling"] = float(np.sum(w * [M.coupling(a, g) for a, g in zip(audios, gens)]))
    ba = [M.beat_alignment(a, g) for a, g in zip(audios, gens)]
    out["beat alignment"] = float(np.nanmean(ba))
    out["jerk ratio (head)"] = float(np.sum(w * [M.jerk(g) for g in gens]) / np.sum(w * [M.jerk(r) for r in reals]))
    amps, rate, fix = [], [], []
    for g in gens:
        a, t = M.saccades(g)
        amps.append(a)
        rate.append(len(a) / g.duration * 60)
        if len(t) > 1:
            fix.append(np.diff(t))
    amps = np.concatenate(amps) if amps else np.zeros(0)
    out["saccades per min"] = float(np.sum(w * rate))
    out["saccade amplitude median (deg)"] = float(np.median(amps)) if amps.size else 0.0
    out["fixation median (s)"] = float(np.median(np.concatenate(fix))) if fix else float("nan")
    out["blinks per min"] = float(np.sum(w * [M.blink_rate(g) for g in gens]))
    out["frames over 200°/s or 2000°/s² (%)"] = float(np.sum(w * [M.over_limits(g) for g in gens]))
    return out


def markdown_table(rows) -> str:
    names = list(rows)
    metrics = list(next(iter(rows.values())))
    for r in rows.values():
        for m in r:
            if m not in metrics:
                metrics.append(m)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for m in metrics:
        vals = [rows[n].get(m, float("nan")) for n in names]
        cells = ["–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3g}" for v in vals]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(per, path, clip_index=0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in per if n != OTHER_REAL] + [OTHER_REAL]
    real = per[names[0]]["real"][clip_index]
    fig, axes = plt.subplots(5, 2, figsize=(13, 11), gridspec_kw={"width_ratios": [3, 1.2]})
    labels = ["head yaw (°)", "head pitch (°)", "head roll (°)", "gaze yaw (°)", "blink"]
    cols = [0, 1, 2, 3, 5]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for row, (label, c) in enumerate(zip(labels, cols)):
        ax = axes[row, 0]
        ax.plot(real.times, real.motion[:, c], color="black", lw=1.6, label="real")
        for k, n in enumerate(names):
            g = per[n]["gen"][clip_index]
            ax.plot(g.times, g.motion[:, c], lw=0.9, color=colors[k % len(colors)], label=n, alpha=0.85)
        ax.set_ylabel(label)
        if row == 0:
            ax.set_title(f"{real.source.split()[0]}: real vs generated")
            ax.legend(loc="upper right", fontsize=7, ncol=len(names) + 1)
        sax = axes[row, 1]
        if c < 5:
            for k, (n, tracks, color) in enumerate([("real", per[names[0]]["real"], "black")] +
                                                   [(n, per[n]["gen"], colors[i % len(colors)]) for i, n in enumerate(names)]):
                f, p = _spectrum([t.motion[:, c] for t in tracks], EVAL_FPS)
                sax.semilogy(f, p, color=color, lw=1.6 if n == "real" else 0.9)
            sax.set_xlim(0, 6)
            sax.set_ylim(bottom=1e-2)
            if row == 0:
                sax.set_title("power spectrum (all held-out clips)")
        else:
            sax.axis("off")
    axes[-1, 0].set_xlabel("time (s)")
    axes[-2, 1].set_xlabel("Hz")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _spectrum(signals, fps, nper=64):
    acc, count = np.zeros(nper // 2 + 1), 0
    win = np.hanning(nper)
    for x in signals:
        x = x - x.mean()
        for a in range(0, len(x) - nper + 1, nper // 2):
            acc += np.abs(np.fft.rfft(x[a:a + nper] * win)) ** 2
            count += 1
    return np.fft.rfftfreq(nper, 1 / fps), acc / max(count, 1) + 1e-9


def run(generator_names, out_dir, heldout=None, seed=0, tracks_dir=None, audio_root=None, checkpoint=None):
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracks = load_tracks(tracks_dir, audio_root)
    rows, per, reals = evaluate(generator_names, tracks, heldout, seed, checkpoint=checkpoint)
    table = markdown_table(rows)
    (out_dir / "eval.md").write_text(table + "\n")
    plot(per, out_dir / "eval.png")
    return table, out_dir / "eval.md", out_dir / "eval.png"
