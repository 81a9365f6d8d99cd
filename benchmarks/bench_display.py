"""CPU cost of the display eyes (`--head display`) per second of audio, at the servo rate.

    python benchmarks/bench_display.py [--seconds 20] [--rounds 5] [--size 480]

Headless (SDL_VIDEODRIVER=dummy): real speech goes through the Animator and the shaper
(profile display_eyes, 50 Hz) once; then each round opens a DisplayEyes window of
``--size`` pixels and times (process CPU) writing every command to it: event pump, drawing,
blit and flip. Prints the median over rounds in CPU seconds per second of audio, with the
machine; real time needs well under 1.
"""
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import argparse  # noqa: E402
import inspect  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from _common import machine, speech  # noqa: E402


def commands(seconds):
    from sgt_lite import Animator
    from sgt_lite.shaping import MotionShaper

    anim, shaper = Animator(), MotionShaper("display_eyes")
    x = speech(seconds)
    out = []
    hop = anim.sample_rate // 50
    for i in range(0, len(x), hop):
        for f in anim.step(x[i:i + hop]):
            shaper.push(f)
        while shaper.t + shaper.dt <= (i + hop) / anim.sample_rate - anim.latency_s:
            out.append(shaper.tick())
    return out, shaper.profile.servo_rate_hz


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size", type=int, default=480, help="window side in pixels (DisplayEyes' default 480)")
    ap.add_argument("--supersample", type=int, default=2, help="DisplayEyes' supersample (default 2)")
    args = ap.parse_args()
    from sgt_lite.heads.display import DisplayEyes

    cmds, rate = commands(args.seconds)
    audio_s = len(cmds) / rate
    per_round, drawn = [], None
    # an older DisplayEyes (before the renderer took supersample) benches as it is, for before/after
    kw = {"supersample": args.supersample} if "supersample" in inspect.signature(DisplayEyes).parameters else {}
    for _ in range(args.rounds):
        with DisplayEyes(size=(args.size, args.size), **kw) as head:
            t0 = time.process_time()
            for c in cmds:
                head.write(c)
            per_round.append((time.process_time() - t0) / audio_s)
            drawn = getattr(head, "redraws", None)
    print(f"machine: {machine()}")
    extra = f", {drawn} of {len(cmds)} commands redrawn" if drawn is not None else ""
    how = f"supersample {args.supersample}" if kw else "the renderer before supersample/skip"
    print(f"display eyes {args.size}x{args.size} ({how}) at {rate:g} Hz, {audio_s:.1f} s of speech: "
          f"{statistics.median(per_round):.3f} CPU s per s of audio (median of {args.rounds} rounds; "
          f"min {min(per_round):.3f}, max {max(per_round):.3f}{extra})")


if __name__ == "__main__":
    main()
