"""Soak: an hour of generated audio through Animator + MotionShaper + a checking driver.

    python benchmarks/soak.py [--minutes 60] [--profile neck3_eyes2_lids] [--backend auto]

The audio cycles through speech (the bundled sample, random gains), silence, music-like
tones, white noise, level jumps with clipping, and short NaN/Inf bursts, streamed in 20 ms
chunks as fast as the machine allows. It reports RSS growth after a one-minute warm-up,
NaN/Inf commands, commands outside the profile's range, velocity or acceleration limits,
the LSTM state norm over time and the p99 step latency per 10-minute block. Exit code 1
if a target is missed. CI runs `--minutes 2` (tests/test_soak_short.py).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import machine  # noqa: E402  (one BLAS thread)

from sgt_lite import Animator  # noqa: E402
from sgt_lite.audio import SAMPLE_WAV, read_wav  # noqa: E402
from sgt_lite.heads.base import HeadDriver  # noqa: E402
from sgt_lite.shaping import MotionShaper  # noqa: E402

RATE = 16000


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


class CheckingHead(HeadDriver):
    """A recording driver that keeps only what it needs to check every command."""

    def _open(self):
        self.prev = {n: (j.neutral, 0.0) for n, j in self.profile.joints.items()}
        self.nonfinite = self.out_of_range = self.over_velocity = self.over_acceleration = 0
        self.dt = 1.0 / self.profile.servo_rate_hz

    def _send(self, joints):
        for n, v in joints.items():
            j = self.profile.joints[n]
            if not math.isfinite(v):
                self.nonfinite += 1
                continue
            x0, v0 = self.prev[n]
            vel = (v - x0) / self.dt
            self.out_of_range += not (j.min - 1e-6 <= v <= j.max + 1e-6)
            self.over_velocity += abs(vel) > j.max_vel * (1 + 1e-6) + 1e-6
            self.over_acceleration += abs(vel - v0) / self.dt > j.max_acc * (1 + 1e-6) + 1e-3
            self.prev[n] = (v, vel)


def audio_segments(seconds, seed=0):
    """Yields 20 ms chunks of varied audio for ``seconds``."""
    rng = np.random.default_rng(seed)
    speech, _ = read_wav(SAMPLE_WAV)
    chunk, produced = RATE // 50, 0
    kinds = ["speech", "silence", "tones", "noise", "speech", "jumps", "nan_burst"]
    k = 0
    while produced < seconds * RATE:
        kind = kinds[k % len(kinds)]
        k += 1
        n = int(rng.uniform(5, 25) * RATE)
        t = np.arange(n) / RATE
        if kind == "speech":
            x = np.tile(speech, n // len(speech) + 1)[:n] * rng.uniform(0.05, 2.0)
        elif kind == "silence":
            x = np.zeros(n)
        elif kind == "tones":
            f0 = rng.uniform(110, 440)
            x = sum(0.3 / h * np.sin(2 * np.pi * h * f0 * t * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) for h in (1, 2, 3))
        elif kind == "noise":
            x = rng.normal(0, rng.uniform(0.01, 0.5), n)
        elif kind == "jumps":
            x = np.tile(speech, n // len(speech) + 1)[:n] * np.repeat(rng.choice([0.001, 0.1, 1.0, 8.0], n // RATE + 1), RATE)[:n]
            x = np.clip(x, -1, 1)
        else:
            x = np.tile(speech, n // len(speech) + 1)[:n] * 0.5
            for _ in range(5):
                a = rng.integers(0, n - 400)
                x[a:a + rng.integers(1, 400)] = rng.choice([np.nan, np.inf, -np.inf])
        x = x.astype(np.float32)
        for i in range(0, n, chunk):
            if produced >= seconds * RATE:
                return
            yield x[i:i + chunk]
            produced += len(x[i:i + chunk])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--profile", default="neck3_eyes2_lids")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--json", help="also write the report as JSON here")
    args = ap.parse_args(argv)
    anim = Animator(backend=args.backend)
    shaper = MotionShaper(args.profile)
    head = CheckingHead(shaper.profile)
    block_s, warmup_s = 600.0 if args.minutes >= 20 else 30.0, 60.0
    lat, blocks, norms = [], [], []
    rss_warm, audio_s, next_norm = None, 0.0, 0.0
    t0 = time.time()
    for chunk in audio_segments(args.minutes * 60):
        s = time.perf_counter()
        frames = anim.step(chunk)
        lat.append(time.perf_counter() - s)
        for f in frames:
            shaper.push(f)
        audio_s += len(chunk) / RATE
        while shaper.t + shaper.dt <= audio_s - anim.latency_s:
            head.write(shaper.tick())
        if audio_s >= next_norm:
            norms.append((round(audio_s), anim.state_norm()))
            next_norm += 10.0
        if rss_warm is None and audio_s >= min(warmup_s, args.minutes * 30):
            rss_warm = rss_mb()
        if audio_s >= (len(blocks) + 1) * block_s or audio_s >= args.minutes * 60 - 1e-9:
            ns = [v for t, v in norms if len(blocks) * block_s <= t < (len(blocks) + 1) * block_s] or [norms[-1][1]]
            blocks.append({"block": f"{len(blocks) * block_s / 60:.1f}-{min((len(blocks) + 1) * block_s, audio_s) / 60:.1f} min",
                           "p99_ms": round(1000 * float(np.percentile(lat, 99)), 3),
                           "p50_ms": round(1000 * float(np.median(lat)), 3),
                           "state_norm_min": round(min(ns), 2), "state_norm_max": round(max(ns), 2)})
            lat = []
    for cmd in shaper.park():          # ease to neutral within the limits, then close
        head.write(cmd)
    head.close()
    report = {
        "machine": machine(), "audio_minutes": round(audio_s / 60, 2), "wall_s": round(time.time() - t0, 1),
        "backend": anim.backend, "profile": args.profile, "commands": head.commands_sent,
        "rss_growth_mb": round(rss_mb() - rss_warm, 2), "nonfinite_commands": head.nonfinite,
        "out_of_range": head.out_of_range, "over_velocity": head.over_velocity,
        "over_acceleration": head.over_acceleration, "nonfinite_audio_samples": anim._frontend.nonfinite_count,
        "blocks": blocks,
    }
    print(json.dumps(report, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    ok = (report["rss_growth_mb"] < 2.0 and head.nonfinite == 0 and head.out_of_range == 0
          and head.over_velocity == 0 and head.over_acceleration == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
