"""The evaluation's figures (matplotlib, Agg backend, written as PNG).

- ``eval.png``: one held-out clip, real against generated, with the power spectra of all clips;
- ``saccades.png``: gaze traces with the detected saccades shaded, and eye speed against the threshold;
- ``blinks.png``: every detected blink's lid waveform aligned at its peak, with the median shape;
- ``silence.png``: motion over speech, then digital silence, then white noise.
"""
import logging

import numpy as np

from . import eyes as E
from . import lids as L
from . import robustness as R

log = logging.getLogger(__name__)

DPI = 80


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _colors(plt):
    return plt.rcParams["axes.prop_cycle"].by_key()["color"]


def write_all(ev, out_dir):
    paths = [out_dir / "eval.png", out_dir / "saccades.png", out_dir / "blinks.png", out_dir / "silence.png"]
    overview(ev, paths[0])
    saccade_traces(ev, paths[1])
    blink_shapes(ev, paths[2])
    silence(ev, paths[3])
    return paths


def _sources(ev):
    from .report import OTHER_REAL

    return [("real", {i: ev.clips[i].real for i in ev.heldout})] + [(n, ev.per[n]) for n in ev.names + [OTHER_REAL]]


def overview(ev, path):
    plt = _plt()
    i0 = max(ev.heldout, key=lambda i: ev.clips[i].real.duration)
    sources = _sources(ev)
    fig, axes = plt.subplots(5, 2, figsize=(13, 11), gridspec_kw={"width_ratios": [3, 1.2]})
    labels = ["head yaw (°)", "head pitch (°)", "head roll (°)", "gaze yaw (°)", "blink"]
    cols = [0, 1, 2, 3, 5]
    colors = ["black"] + _colors(plt)
    for row, (label, c) in enumerate(zip(labels, cols)):
        ax = axes[row, 0]
        for k, (name, tracks) in enumerate(sources):
            t = tracks[i0]
            ax.plot(t.times, t.motion[:, c], lw=1.6 if k == 0 else 0.9, color=colors[k % len(colors)], label=name,
                    alpha=1.0 if k == 0 else 0.85)
        ax.set_ylabel(label)
        if row == 0:
            ax.set_title(f"{ev.clips[i0].name} ({ev.clips[i0].speaker}): real vs generated")
            ax.legend(loc="upper right", fontsize=7, ncol=len(sources))
        sax = axes[row, 1]
        if c < 5:
            for k, (name, tracks) in enumerate(sources):
                f, p = _spectrum([tracks[i].motion[:, c] for i in ev.heldout], ev.clips[i0].real.fps)
                sax.semilogy(f, p, color=colors[k % len(colors)], lw=1.6 if k == 0 else 0.9)
            sax.set_xlim(0, 6)
            sax.set_ylim(bottom=1e-2)
            if row == 0:
                sax.set_title("power spectrum (all held-out clips)")
        else:
            sax.axis("off")
    axes[-1, 0].set_xlabel("time (s)")
    axes[-2, 1].set_xlabel("Hz")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
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


def saccade_traces(ev, path, seconds=20.0):
    """Gaze of one held-out clip (the one with the most real saccades) with saccades shaded."""
    from .summary import gaze_trusted

    plt = _plt()
    trusted = [i for i in ev.heldout if gaze_trusted(ev.clips[i].track)] or ev.heldout
    i0 = max(trusted, key=lambda i: len(E.detect_saccades(E.gaze_of(ev.clips[i].real), ev.clips[i].real.fps)))
    sources = [s for s in _sources(ev) if s[0] not in ("static", "sway")]
    fig, axes = plt.subplots(len(sources) + 1, 1, figsize=(13, 2.2 * (len(sources) + 1)), sharex=True)
    colors = ["black"] + _colors(plt)
    for k, (name, tracks) in enumerate(sources):
        t = tracks[i0]
        n = min(len(t), int(seconds * t.fps))
        g = E.gaze_of(t)
        s = E.detect_saccades(g, t.fps)
        ax = axes[k]
        tt = t.times[:n]
        ax.plot(tt, g[:n, 0], color=colors[k % len(colors)], lw=1.1, label="yaw")
        ax.plot(tt, g[:n, 1], color=colors[k % len(colors)], lw=0.9, ls="--", label="pitch")
        for a, b in zip(s.start, s.end):
            if a < n:
                ax.axvspan(a / t.fps, b / t.fps, color="tab:red", alpha=0.35, lw=0)
        on = s.start[s.start < n] / t.fps
        ax.plot(on, np.full(on.size, np.max(g[:n]) + 1.0), "v", color="tab:red", ms=5, ls="none")
        ax.set_ylabel("gaze (°)")
        ax.set_title(f"{name}: {len(s)} saccades in {t.duration:.0f} s ({len(s) / t.duration * 60:.0f}/min), "
                     f"{100 * s.path_share():.0f}% of the gaze path in saccades", fontsize=9, loc="left")
        if k == 0:
            ax.legend(loc="upper right", fontsize=7)
        axes[-1].plot(tt[1:], s.speed[:n - 1], color=colors[k % len(colors)], lw=0.9, label=name)
    axes[-1].axhline(E.SACCADE_MIN_DEG_PER_S, color="tab:red", ls=":", lw=1)
    axes[-1].set_ylabel("eye speed (°/s)")
    axes[-1].set_xlabel(f"time (s), {ev.clips[i0].name} ({ev.clips[i0].speaker}); shaded: detected saccades "
                        f"(≥ {E.SACCADE_MIN_DEG:g}° at ≥ {E.SACCADE_MIN_DEG_PER_S:g}°/s within 1–2 frames)")
    axes[-1].legend(loc="upper right", fontsize=7, ncol=len(sources))
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def blink_shapes(ev, path, half_s=0.4):
    plt = _plt()
    sources = [s for s in _sources(ev) if s[0] not in ("static", "sway")]
    fig, axes = plt.subplots(1, len(sources), figsize=(3.2 * len(sources), 3.4), sharey=True, squeeze=False)
    for ax, (name, tracks) in zip(axes[0], sources):
        shapes = []
        close, reopen, full = [], [], []
        for i in ev.heldout:
            t = tracks[i]
            b = L.detect_blinks(t.blink, t.fps)
            w = int(round(half_s * t.fps))
            x = np.pad(t.blink.astype(np.float64), w, mode="edge")
            shapes += [x[p:p + 2 * w + 1] for p in b.peak]
            close.append(b.close_s)
            reopen.append(b.reopen_s)
            full.append(b.closure >= L.FULL_CLOSURE)
        fps = tracks[ev.heldout[0]].fps
        w = int(round(half_s * fps))
        lag = (np.arange(2 * w + 1) - w) / fps * 1000
        for s in shapes:
            ax.plot(lag[:len(s)], s, color="grey", lw=0.6, alpha=0.25)
        if shapes:
            ax.plot(lag, np.median(np.array(shapes), axis=0), color="black", lw=2)
            c, r, f = np.concatenate(close), np.concatenate(reopen), np.concatenate(full)
            ax.set_title(f"{name}: {len(shapes)} blinks\n{100 * f.mean():.0f}% ≥ 0.9, "
                         f"close {1000 * np.median(c):.0f} ms, "
                         f"reopen {1000 * np.median(r):.0f} ms", fontsize=8)
        else:
            ax.set_title(f"{name}: no blinks", fontsize=8)
        ax.axhline(L.FULL_CLOSURE, color="tab:red", ls=":", lw=1)
        ax.set_xlabel("ms from peak")
    axes[0, 0].set_ylabel("lid (0 open, 1 closed)")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def silence(ev, path):
    plt = _plt()
    names = [n for n in ev.names if n != "static"]
    if not names:
        names = list(ev.names)
    audio, parts = R.silence_stream(ev.sentences[0], seed=ev.seed)
    fig, axes = plt.subplots(4, len(names), figsize=(4.4 * len(names), 8), sharex=True, squeeze=False)
    ta = np.arange(len(audio)) / R.RATE
    shade = {"silence": "tab:blue", "white noise": "tab:orange"}
    for col, name in enumerate(names):
        out, _ = ev.robust[name][0]["stream"]
        ax = axes[0, col]
        ax.plot(ta[::8], audio[::8], color="grey", lw=0.4)
        ax.set_title(name)
        for c, lab in enumerate(("yaw", "pitch", "roll")):
            axes[1, col].plot(out.times, out.motion[:, c], lw=0.9, label=lab)
        for c, lab in ((3, "yaw"), (4, "pitch")):
            axes[2, col].plot(out.times, out.motion[:, c], lw=0.9, label=lab)
        axes[3, col].plot(out.times, out.blink, color="black", lw=0.9)
        for ax in axes[:, col]:
            for label, a, b in parts:
                if label in shade:
                    ax.axvspan(a, b, color=shade[label], alpha=0.12, lw=0)
        axes[3, col].set_xlabel("time (s): speech | digital silence | white noise −40 dBFS")
    axes[0, 0].set_ylabel("audio")
    axes[1, 0].set_ylabel("head (°)")
    axes[2, 0].set_ylabel("gaze (°)")
    axes[3, 0].set_ylabel("lid")
    axes[1, 0].legend(fontsize=7, loc="upper right")
    axes[2, 0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
