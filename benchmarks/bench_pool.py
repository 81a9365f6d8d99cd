"""CPU of serving N streams: one AnimatorPool against N independent Animators, side by side.

    python benchmarks/bench_pool.py [--streams 100] [--seconds 4] [--rounds 3] [--chunk-ms 20]

Each stream gets its own slice of real speech in 20 ms chunks. Rounds are interleaved (per round
and backend: N Animators, then the pool, on fresh objects); every figure is min/median/max over
the rounds of process CPU time per second of audio per stream, and the real-time factor is wall
seconds per second of audio for all N streams together (< 1: faster than real time).
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import machine, speech  # noqa: E402  (sets one BLAS thread before numpy loads)


def _installed():
    import sgt_lite.model.backends as backends

    out = []
    for name in ("numpy", "onnx", "litert"):
        try:
            if name != "numpy":
                backends._import_runtime(name)
            out.append(name)
        except Exception:
            pass
    return out


def _run(kind, backend, streams, chunks_per_stream):
    from sgt_lite import Animator
    from sgt_lite.pool import AnimatorPool

    n = len(streams)
    if kind == "animators":
        anims = [Animator(backend=backend, seed=i) for i in range(n)]
        w0, c0 = time.perf_counter(), time.process_time()
        for k in range(chunks_per_stream):
            for a, s in zip(anims, streams):
                a.step(s[k])
    else:
        pool = AnimatorPool(n, backend=backend)
        w0, c0 = time.perf_counter(), time.process_time()
        for k in range(chunks_per_stream):
            pool.step([s[k] for s in streams])
    return time.process_time() - c0, time.perf_counter() - w0


def _fmt(v):
    return f"{min(v):.3f} / {statistics.median(v):.3f} / {max(v):.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--streams", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=4.0, help="audio per stream and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--chunk-ms", type=float, default=20.0)
    ap.add_argument("--backends", default=",".join(_installed()))
    args = ap.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    hop = int(16000 * args.chunk_ms / 1000)
    per = int(16000 * args.seconds)
    long = speech(args.seconds + args.streams * 0.37 + 1)
    streams = []
    for i in range(args.streams):         # each stream its own stretch of speech
        x = long[int(i * 0.37 * 16000):][:per]
        streams.append([x[k:k + hop] for k in range(0, per - hop + 1, hop)])
    chunks = len(streams[0])
    audio_s = chunks * hop / 16000
    print(f"# bench_pool: {args.streams} streams x {audio_s:.2f} s, {args.chunk_ms:g} ms chunks, "
          f"{args.rounds} interleaved rounds")
    print(f"# machine: {machine()}")
    print(f"# load average before: {open('/proc/loadavg').read().split()[:3]}")
    res = {(b, k): [] for b in backends for k in ("animators", "pool")}
    for _ in range(args.rounds):
        for b in backends:
            for kind in ("animators", "pool"):
                res[b, kind].append(_run(kind, b, streams, chunks))
    print(f"# load average after: {open('/proc/loadavg').read().split()[:3]}")
    print("backend | what | CPU ms per s of audio per stream (min / median / max) | real-time factor, all streams "
          "(min / median / max) | pool / animators CPU (median of per-round ratios)")
    for b in backends:
        ratios = [p[0] / a[0] for a, p in zip(res[b, "animators"], res[b, "pool"])]
        for kind in ("animators", "pool"):
            cpu = [c / audio_s / args.streams * 1e3 for c, _ in res[b, kind]]
            rtf = [w / audio_s for _, w in res[b, kind]]
            extra = f"{statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})" if kind == "pool" else ""
            print(f"{b} | {args.streams} {kind} | {_fmt(cpu)} | {_fmt(rtf)} | {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
