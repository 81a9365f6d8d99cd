"""int8 against fp32 over minutes of streaming held-out audio, per output, in degrees."""
import time

import numpy as np

from sgt_lite.audio import Frontend
from sgt_lite.model.features import stack_frames
from sgt_lite.model.generator import decode
from sgt_lite.model.numpy_step import NumpyStep
from sgt_lite.motion import CHANNELS


def stream(step_fn, feats, style, noise, layers, hidden):
    h = np.zeros((layers, hidden), np.float32)
    c = np.zeros((layers, hidden), np.float32)
    raw = np.zeros((len(feats), 10), np.float32)
    times = np.zeros(len(feats))
    for t in range(len(feats)):
        x = np.concatenate([feats[t], noise[t]]).astype(np.float32)
        t0 = time.perf_counter()
        raw[t], h, c = step_fn(x, style, h, c)
        times[t] = time.perf_counter() - t0
    return raw, times


def compare(ck, backends: dict, audio: np.ndarray, style: np.ndarray, seed=0):
    """Returns {backend: {"mean": [...6], "max": [...6], "step_us_p50": .., "step_us_p99": ..}} and seconds."""
    m = ck.model
    feats = stack_frames(Frontend(ck.frontend).process(audio), m["stack"])
    feats = ((feats - ck.norm["feat_mean"]) / ck.norm["feat_std"]).astype(np.float32)
    noise = np.random.default_rng(seed).standard_normal((len(feats), m["noise_dim"])).astype(np.float32)
    fp32 = NumpyStep(ck.generator_weights(), m["layers"], m["cell_clip"])
    ref_raw, _ = stream(fp32, feats, style, noise, m["layers"], m["hidden"])
    ref = decode(ref_raw[:, :6], ck.norm)
    report = {}
    for name, fn in backends.items():
        raw, times = stream(fn, feats, style, noise, m["layers"], m["hidden"])
        err = np.abs(decode(raw[:, :6], ck.norm) - ref)
        report[name] = {"mean": err.mean(0).round(4).tolist(), "max": err.max(0).round(4).tolist(),
                        "step_us_p50": round(float(np.median(times)) * 1e6, 1),
                        "step_us_p99": round(float(np.percentile(times, 99)) * 1e6, 1)}
    return report, len(audio) / ck.frontend.sample_rate


def markdown(report, seconds, sizes):
    lines = [f"int8 vs fp32 checkpoint, {seconds / 60:.1f} min of held-out speech streamed frame by frame "
             "(same features, same noise). Errors in degrees (blink in 0..1 units).", "",
             "| backend | statistic | " + " | ".join(CHANNELS) + " | step p50 (µs) | step p99 (µs) |",
             "|---|---|" + "---:|" * (len(CHANNELS) + 2)]
    for name, r in report.items():
        for stat in ("mean", "max"):
            extra = f" {r['step_us_p50']} | {r['step_us_p99']} |" if stat == "mean" else " | |"
            lines.append(f"| {name} | {stat} abs error | " + " | ".join(f"{v:.3f}" for v in r[stat]) + " |" + extra)
    lines += ["", "| file | bytes |", "|---|---:|"] + [f"| {k} | {v:,} |" for k, v in sizes.items()]
    return "\n".join(lines) + "\n"
