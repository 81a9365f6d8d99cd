"""Fits the voice-activity detector's logistic model and writes ``vad_weights.py`` next to this file.

    python -m sgt_lite.audio.fit_vad [--shared PATH] [--out FILE] [--check-only]

Positives and pauses come from real speech (the StyleTalk wavs and the package's sample), labelled
by an energy threshold on the clean clip (frames within 35 dB of the clip's loud frames and 15 dB
above its quiet ones, gaps under 0.2 s closed). The clips are also used at other gains and mixed
with every kind of synthetic noise at 10-30 dB SNR, keeping the clean labels (music in a pause is
not speech). Negatives are synthetic white noise, room tone, music-like tones and clapping
(:mod:`sgt_lite.audio.synthetic`) at -60 to -15 dBFS, alone and after digital silence.

The model is a logistic regression on the standardised features, their squares and products,
fitted by Newton's method with a small L2 penalty and balanced classes. The script prints
leave-one-speaker-out and held-out-noise figures; ``--check-only`` prints them without writing.
"""
import argparse
import datetime
import os
import pathlib
import pprint
import sys

import numpy as np

from ..errors import BadAudioError
from . import synthetic
from .frontend import Frontend
from .frontend_config import FrontendConfig
from .vad import FEATURE_NAMES, N_TERMS, VadConfig, VoiceActivity, design, fixed_offset

WEIGHTS_FILE = pathlib.Path(__file__).with_name("vad_weights.py")
SHARED_ENV = "SGT_LITE_SHARED"
LEVELS = (-60.0, -45.0, -35.0, -25.0, -15.0)
L2 = 1e-3


def default_shared() -> pathlib.Path:
    return pathlib.Path(os.environ.get(SHARED_ENV) or pathlib.Path(__file__).resolve().parents[3] / "shared")


def reference_speech(frames: np.ndarray, fps: float = 100.0, bridge_s: float = 0.5) -> np.ndarray:
    """Energy-threshold speech labels for a clean clip's frontend frames (the reference): frames
    loud enough, with pauses shorter than ``bridge_s`` bridged (one utterance)."""
    e = frames[:, -1].astype(np.float64)
    k = np.convolve(e, np.ones(5) / 5, mode="same")
    quiet, loud = np.percentile(k, 10), np.percentile(k, 95)
    lab = k > max(quiet + 15.0, loud - 35.0)
    gap = int(round(bridge_s * fps))
    idx = np.flatnonzero(lab)
    for a, b in zip(idx[:-1], idx[1:]):
        if 1 < b - a <= gap:
            lab[a:b] = True
    return lab


class Extractor:
    """Frontend + VAD features of whole signals, each streamed from a reset."""

    def __init__(self):
        self.fe = Frontend()
        self.vad = VoiceActivity(weights=_neutral_weights())

    def frames(self, x):
        self.fe.reset()
        return self.fe.process(x)

    def features(self, frames):
        self.vad.reset()
        return self.vad.features(frames)


def _neutral_weights(mean=None, scale=None, coef=None, intercept=0.0) -> dict:
    n = len(FEATURE_NAMES)
    return {"frontend": FrontendConfig().to_dict(),
            "feature_mean": list(mean) if mean is not None else [0.0] * n,
            "feature_scale": list(scale) if scale is not None else [1.0] * n,
            "coef": list(coef) if coef is not None else [0.0] * N_TERMS, "intercept": float(intercept)}


def speech_clips(shared: pathlib.Path):
    """[(speaker, name, samples)] of the real speech used for fitting."""
    from ..resources import SAMPLE_WAV
    from .wav_io import read_wav

    wav = shared / "data" / "styletalk" / "wav"
    if not wav.is_dir():
        raise BadAudioError(f"StyleTalk wavs not found under {wav}; pass --shared or set {SHARED_ENV}")
    out = []
    for p in sorted(wav.glob("*.wav")) + [pathlib.Path(SAMPLE_WAV)]:
        x, rate = read_wav(p)
        if rate != 16000:
            raise BadAudioError(f"{p} is at {rate} Hz; expected 16000")
        speaker = p.stem.split("_")[0] if "_" in p.stem else p.stem
        out.append((speaker, p.stem, x))
    return out


def to_blocks(labels: np.ndarray, block: int) -> np.ndarray:
    """Per-frame labels -> per-block labels (a block is speech when most of its frames are)."""
    n = len(labels) // block
    return labels[: n * block].reshape(n, block).mean(1) >= 0.5


def speech_set(ex, clips, rng, augment=True):
    """{speaker: [(features, labels, weights)]} per block: clean clips, other gains and noisy mixtures.

    Labels bridge only short gaps (0.2 s), so the model learns sound, not hangover; in mixtures,
    speech frames that the noise drowns (clean energy < noise energy + 3 dB) get no weight."""
    out = {}
    block = ex.vad.config.block
    for speaker, name, x in clips:
        fr = ex.frames(x)
        lab = reference_speech(fr, bridge_s=0.2)
        lab_b = to_blocks(lab, block)
        rows = [(ex.features(fr), lab_b, np.ones(len(lab_b)))]
        if augment:
            per_sample = np.repeat(lab, 160)
            per_sample = np.concatenate([per_sample, np.zeros(max(0, len(x) - len(per_sample)), bool)])[: len(x)]
            for _ in range(2):
                y = synthetic.at_dbfs(x, rng.uniform(-42.0, -12.0))
                rows.append((ex.features(ex.frames(y)), lab_b, np.ones(len(lab_b))))
            clean_e = fr[:, -1]
            for kind, make in synthetic.KINDS.items():
                noise = _scaled_noise(x, make(len(x) / 16000.0, -30.0, seed=rng), rng.uniform(10.0, 30.0), per_sample)
                y = np.clip(x + noise, -1.0, 1.0).astype(np.float32)
                noise_e = ex.frames(noise)[:, -1]
                m = min(len(clean_e), len(noise_e))
                drowned = np.zeros(len(lab), bool)
                drowned[:m] = lab[:m] & (clean_e[:m] < noise_e[:m] + 3.0)
                weight = 1.0 - to_blocks(drowned, block).astype(float)
                rows.append((ex.features(ex.frames(y)), lab_b, weight))
        out.setdefault(speaker, []).extend(rows)
    return out


def _scaled_noise(speech, noise, snr_db, lab_samples):
    s_rms = np.sqrt(np.mean(speech[lab_samples].astype(np.float64) ** 2)) if lab_samples.any() else 1e-3
    n_rms = np.sqrt(np.mean(noise.astype(np.float64) ** 2)) + 1e-12
    return (noise * (s_rms / n_rms / 10 ** (snr_db / 20))).astype(np.float32)


def noise_set(ex, seeds, seconds=10.0):
    """{kind: [(features, labels=0, weights=1)]} of synthetic negatives, alone and after 2 s of digital silence."""
    out = {}
    for kind, make in synthetic.KINDS.items():
        for seed in seeds:
            for lvl in LEVELS:
                x = make(seconds, lvl, seed=seed * 1000 + int(-lvl))
                if (seed + int(-lvl)) % 2:
                    x = np.concatenate([np.zeros(32000, np.float32), x])
                f = ex.features(ex.frames(x))
                out.setdefault(kind, []).append((f, np.zeros(len(f), bool), np.ones(len(f))))
    f = ex.features(ex.frames(np.zeros(80000, np.float32)))
    out["digital_silence"] = [(f, np.zeros(len(f), bool), np.ones(len(f)))]
    return out


def fit_logistic(X, y, weight=None, l2=L2, iters=30):
    """(mean, scale, coef, intercept) of a class-balanced quadratic logistic regression (Newton)."""
    weight = np.ones(len(y)) if weight is None else weight
    mean, scale = X.mean(0), X.std(0) + 1e-9
    D = np.hstack([np.ones((len(X), 1)), design((X - mean) / scale)])
    pos = np.sum(weight * y)
    neg = np.sum(weight * (1 - y))
    sw = weight * np.where(y > 0.5, 0.5 / max(pos / weight.sum(), 1e-9), 0.5 / max(neg / weight.sum(), 1e-9))
    beta = np.zeros(D.shape[1])
    reg = l2 * len(X) * np.eye(D.shape[1])
    reg[0, 0] = 0.0
    offset = fixed_offset(X)
    for _ in range(iters):
        z = np.clip(D @ beta + offset, -30, 30)
        p = 1 / (1 + np.exp(-z))
        g = D.T @ (sw * (p - y)) + reg @ beta
        H = (D * (sw * p * (1 - p))[:, None]).T @ D + reg
        step = np.linalg.solve(H, g)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, beta[1:], beta[0]


def _stack(groups):
    X = np.concatenate([f for f, _, _ in groups])
    y = np.concatenate([lab for _, lab, _ in groups]).astype(float)
    w = np.concatenate([wt for _, _, wt in groups])
    return X, y, w


def settled_pauses(lab: np.ndarray, rate: float, after_s: float = 0.6) -> np.ndarray:
    """Blocks of reference pauses, ``after_s`` or more after the pause began (the hangover is over)."""
    out = np.zeros(len(lab), bool)
    k = int(round(after_s * rate))
    run = 0
    for i, v in enumerate(lab):
        run = 0 if v else run + 1
        out[i] = run > k
    return out


def run_state(weights, frames_list):
    """Speaking state per frame for each frames array, each streamed from a reset."""
    vad = VoiceActivity(weights=weights)
    out = []
    for fr in frames_list:
        vad.reset()
        out.append(vad.process(fr).speaking)
    return out


def evaluate(weights, ex, clips, noise_seeds, talking=None):
    """Figures: frame accuracy of `speaking` vs the reference on clean speech, speaking share on noise."""
    res = {}
    block = VadConfig().block
    for speaker, name, x in clips:
        fr = ex.frames(x)
        lab = to_blocks(reference_speech(fr), block)
        (sp,) = run_state(weights, [fr])
        settled = settled_pauses(lab, 100.0 / block)
        res[name] = {"accuracy": float(np.mean(sp == lab)), "speech_recall": float(sp[lab].mean()),
                     "pause_as_speech": float(sp[~lab].mean()) if (~lab).any() else 0.0,
                     "settled_pause_as_speech": float(sp[settled].mean()) if settled.any() else float("nan"),
                     "settled_pause_blocks": int(settled.sum())}
    noise = {}
    for kind, make in synthetic.KINDS.items() if noise_seeds else ():
        shares = []
        for seed in noise_seeds:
            for lvl in LEVELS:
                x = make(20.0, lvl, seed=seed)
                if seed % 2:
                    x = np.concatenate([np.zeros(32000, np.float32), x])
                (sp,) = run_state(weights, [ex.frames(x)])
                shares.append(sp.mean())
        noise[kind] = {"speaking_share_mean": float(np.mean(shares)), "speaking_share_max": float(np.max(shares))}
    if noise_seeds:
        (sp,) = run_state(weights, [ex.frames(synthetic.white_noise(20.0, -40.0, seed=123))])
        noise["white_noise_-40dBFS"] = {"speaking_share_mean": float(sp.mean()), "speaking_share_max": float(sp.mean())}
    out = {"speech": res, "noise": noise}
    if talking:
        tk = {}
        for name, x in talking.items():
            fr = ex.frames(x)
            lab = to_blocks(reference_speech(fr), block)
            (sp,) = run_state(weights, [fr])
            k = fr[:, -1][fr[:, -1] > -90.0]
            usable = bool(k.size and np.percentile(k, 95) - np.percentile(k, 5) >= 20.0)
            tk[name] = {"accuracy": float(np.mean(sp == lab)), "speech_recall": float(sp[lab].mean()),
                        "speaking_share": float(sp.mean()), "reference_usable": usable}
        out["talking"] = tk
    return out


def _talking_audio(shared):
    folder = shared / "data" / "talking" / "video"
    if not folder.is_dir():
        return None
    from ..motion.media import decode_audio, have_ffmpeg

    if not have_ffmpeg():
        return None
    return {p.stem: decode_audio(p, 16000).astype(np.float32) for p in sorted(folder.glob("*.mp4"))}


def _summary(ev):
    sp = ev["speech"]
    settled = [v["settled_pause_as_speech"] for v in sp.values() if v["settled_pause_blocks"]]
    lines = [f"  speech (energy reference): accuracy {np.mean([v['accuracy'] for v in sp.values()]):.3f}, "
             f"recall {np.mean([v['speech_recall'] for v in sp.values()]):.3f}, pauses called speech "
             f"{np.mean([v['pause_as_speech'] for v in sp.values()]):.3f}, of that after 0.6 s of pause "
             f"{np.mean(settled):.3f} ({sum(v['settled_pause_blocks'] for v in sp.values())} blocks) "
             f"(mean over {len(sp)} clips)"]
    for kind, v in ev["noise"].items():
        lines.append(f"  {kind}: speaking {v['speaking_share_mean']:.4f} of the time (worst file {v['speaking_share_max']:.4f})")
    if "talking" in ev:
        tk = ev["talking"]
        ok = [v for v in tk.values() if v["reference_usable"]]
        lines.append(f"  talking/ (held out, {len(tk)} clips): speaking share {min(v['speaking_share'] for v in tk.values()):.2f}"
                     f"-{max(v['speaking_share'] for v in tk.values()):.2f}; on the {len(ok)} clips whose energy "
                     f"reference is usable (>= 20 dB range): accuracy {np.mean([v['accuracy'] for v in ok]):.3f}, "
                     f"recall {np.mean([v['speech_recall'] for v in ok]):.3f} (worst {min(v['speech_recall'] for v in ok):.3f})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sgt_lite.audio.fit_vad", description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(default_shared()))
    ap.add_argument("--out", default=str(WEIGHTS_FILE))
    ap.add_argument("--check-only", action="store_true", help="print the figures, write nothing")
    ap.add_argument("--no-talking", action="store_true", help="skip the held-out talking/ clips (needs ffmpeg)")
    args = ap.parse_args(argv)
    shared = pathlib.Path(args.shared)
    rng = np.random.default_rng(0)
    ex = Extractor()
    clips = speech_clips(shared)
    print(f"features of {len(clips)} speech clips (+ gains and noisy mixtures) ...", flush=True)
    speech = speech_set(ex, clips, rng)
    print("features of synthetic noise ...", flush=True)
    noise = noise_set(ex, seeds=range(12))
    groups_noise = [g for v in noise.values() for g in v]
    # leave one speaker out: fit without them, score their clean clips
    loso = {}
    for held in sorted(speech):
        X, y, wt = _stack([g for s, v in speech.items() if s != held for g in v] + groups_noise)
        w = _rounded(_neutral_weights(*fit_logistic(X, y, wt)))
        ev = evaluate(w, ex, [c for c in clips if c[0] == held], noise_seeds=[])
        loso[held] = {k: round(float(np.nanmean([v[k] for v in ev["speech"].values()])), 4)
                      for k in ("accuracy", "speech_recall", "pause_as_speech", "settled_pause_as_speech")}
        print(f"  held out {held}: {loso[held]}", flush=True)
    X, y, wt = _stack([g for v in speech.values() for g in v] + groups_noise)
    weights = _rounded(_neutral_weights(*fit_logistic(X, y, wt)))
    talking = None if args.no_talking else _talking_audio(shared)
    ev = evaluate(weights, ex, clips, noise_seeds=range(100, 104), talking=talking)
    summary = _summary(ev)
    print("final model (noise scored on unseen seeds):\n" + summary)
    if args.check_only:
        return 0
    weights["provenance"] = {
        "script": "python -m sgt_lite.audio.fit_vad",
        "date": datetime.date.today().isoformat(),
        "speech": [name for _, name, _ in clips],
        "frames": int(len(X)), "speech_frames": int(y.sum()),
        "vad_config": VadConfig().to_dict(),
        "leave_one_speaker_out": loso,
    }
    text = ('"""Voice-activity weights, written by ``python -m sgt_lite.audio.fit_vad`` (do not edit).\n\n'
            "Figures at fitting time:\n" + summary.replace("\\", "/") + '\n"""\n\nWEIGHTS = ' +
            pprint.pformat(_rounded(weights), width=110, sort_dicts=False) + "\n")
    pathlib.Path(args.out).write_text(text)
    print(f"wrote {args.out}")
    return 0


def _rounded(obj):
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_rounded(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(f"{float(obj):.10g}")
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


if __name__ == "__main__":
    sys.exit(main())
