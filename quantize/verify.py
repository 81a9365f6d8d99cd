"""int8 against fp32 over minutes of streaming held-out audio.

Two views: the network's outputs step by step with the same features and noise (head angles in
degrees, hazards as probabilities), and the Animator's frames end to end with the same seed, where
the eye events are drawn from the hazards: the share of saccade and blink onsets that land on the
same frame in fp32 and int8 says whether the events are drawn identically.
"""
import time

import numpy as np

from sgt_lite.audio import Frontend
from sgt_lite.model.features import stack_frames
from sgt_lite.model.numpy_step import NumpyStep
from sgt_lite.model.outputs import OutputLayout
from sgt_lite.motion import CHANNELS


def stream(step_fn, feats, style, noise, layers, hidden, size):
    h = np.zeros((layers, hidden), np.float32)
    c = np.zeros((layers, hidden), np.float32)
    raw = np.zeros((len(feats), size), np.float32)
    times = np.zeros(len(feats))
    for t in range(len(feats)):
        x = np.concatenate([feats[t], noise[t]]).astype(np.float32)
        t0 = time.perf_counter()
        raw[t], h, c = step_fn(x, style, h, c)
        times[t] = time.perf_counter() - t0
    return raw, times


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def _onsets(blink, gaze):
    """Frames where a blink starts (lid rises through 0.5) and where gaze moves > 2 deg in a frame."""
    b = np.flatnonzero((blink[1:] >= 0.5) & (blink[:-1] < 0.5)) + 1
    s = np.flatnonzero(np.linalg.norm(np.diff(gaze, axis=0), axis=1) > 2.0) + 1
    return set(b.tolist()), set(s.tolist())


def _agreement(a: set, b: set) -> float:
    return 1.0 if not a and not b else len(a & b) / max(len(a | b), 1)


def compare(ck, bundle, backends: dict, audio: np.ndarray, style_name: str, seed=0):
    """{backend: {...}} and the seconds of audio compared."""
    from sgt_lite.animator import Animator
    from sgt_lite.model.style_table import style_code

    m = ck.model
    lay = OutputLayout(len(m["outputs"]) - 8)
    feats = stack_frames(Frontend(ck.frontend).process(audio), m["stack"])
    feats = ((feats - ck.norm["feat_mean"]) / ck.norm["feat_std"]).astype(np.float32)
    noise = np.random.default_rng(seed).standard_normal((len(feats), m["noise_dim"])).astype(np.float32)
    style = style_code(ck.styles, style_name, m["style_dim"])
    fp32 = NumpyStep(ck.generator_weights(), m["layers"], m["cell_clip"])
    ref_raw, _ = stream(fp32, feats, style, noise, m["layers"], m["hidden"], lay.size)
    hs = np.asarray(ck.norm["motion_std"][:3])

    ref_anim = Animator.from_checkpoint(ck, style=style_name, seed=seed)
    ref_frames = np.array([f[1:] for f in ref_anim.step(audio)])
    ref_blinks, ref_sacc = _onsets(ref_frames[:, 5], ref_frames[:, 3:5])
    report = {}
    for name, fn in backends.items():
        raw, times = stream(fn, feats, style, noise, m["layers"], m["hidden"], lay.size)
        head = np.abs(raw[:, lay.head] - ref_raw[:, lay.head]) * hs
        haz = np.abs(_sigmoid(raw[:, [lay.saccade, lay.blink]]) - _sigmoid(ref_raw[:, [lay.saccade, lay.blink]]))
        anim = Animator(bundle.path, style=style_name, backend=name, seed=seed)
        frames = np.array([f[1:] for f in anim.step(audio)])
        n = min(len(frames), len(ref_frames))
        err = np.abs(frames[:n] - ref_frames[:n])
        blinks, sacc = _onsets(frames[:n, 5], frames[:n, 3:5])
        report[name] = {
            "network head mean": head.mean(0).round(4).tolist(), "network head max": head.max(0).round(4).tolist(),
            "hazard prob mean abs diff": haz.mean(0).round(6).tolist(),
            "frames mean": err.mean(0).round(4).tolist(), "frames max": err.max(0).round(4).tolist(),
            "same saccade onsets": round(_agreement(ref_sacc, sacc), 4),
            "same blink onsets": round(_agreement(ref_blinks, blinks), 4),
            "step_us_p50": round(float(np.median(times)) * 1e6, 1),
            "step_us_p99": round(float(np.percentile(times, 99)) * 1e6, 1)}
    return report, len(audio) / ck.frontend.sample_rate


def markdown(report, seconds, sizes):
    lines = [f"int8 against the fp32 checkpoint, {seconds / 60:.1f} min of held-out speech streamed frame by frame.",
             "Network: same features and noise, head error in degrees, hazards as probabilities. Frames: the "
             "Animator end to end with the same seed (eye events drawn from each backend's hazards); blink in 0..1 units.",
             "", "| backend | statistic | " + " | ".join(CHANNELS) + " |", "|---|---|" + "---:|" * len(CHANNELS)]
    for name, r in report.items():
        for stat in ("frames mean", "frames max"):
            lines.append(f"| {name} | {stat} abs error | " + " | ".join(f"{v:.3f}" for v in r[stat]) + " |")
    lines += ["", "| backend | network head mean abs error (yaw, pitch, roll) | hazard prob diff (saccade, blink) | "
              "same saccade onsets | same blink onsets | step p50 (µs) | step p99 (µs) |", "|---|---|---|---:|---:|---:|---:|"]
    for name, r in report.items():
        lines.append(f"| {name} | {', '.join(f'{v:.3f}' for v in r['network head mean'])} | "
                     f"{', '.join(f'{v:.5f}' for v in r['hazard prob mean abs diff'])} | "
                     f"{100 * r['same saccade onsets']:.1f}% | {100 * r['same blink onsets']:.1f}% | "
                     f"{r['step_us_p50']} | {r['step_us_p99']} |")
    lines += ["", "| file | bytes |", "|---|---:|"] + [f"| {k} | {v:,} |" for k, v in sizes.items()]
    return "\n".join(lines) + "\n"
