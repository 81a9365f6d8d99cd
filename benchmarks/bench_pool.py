"""CPU of serving N streams: one AnimatorPool against N independent Animators, side by side.

    python benchmarks/bench_pool.py [--streams 100] [--seconds 4] [--rounds 3] [--chunk-ms 20]
                                    [--backends numpy,onnx,litert] [--cores N] [--json PATH]

Each stream gets its own slice of real speech in 20 ms chunks. Rounds are interleaved (per round
and backend: N Animators, then the pool, on fresh objects); every figure is min/median/max over
the rounds of process CPU time per second of audio per stream, and the real-time factor is wall
seconds per second of audio for all N streams together (< 1: faster than real time).
``--cores N`` pins the process to its first N usable CPUs; ``--json PATH`` also writes the figures.
Each pooled stream gives exactly a lone Animator's frames (tests/test_pool.py), so the two do the
same work.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import loadavg, machine, machine_info, speech, spread  # noqa: E402  (one BLAS thread)


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
    ap.add_argument("--backends", default=",".join(_installed()), help="comma-separated (default: installed)")
    ap.add_argument("--cores", type=int, help="pin this process to its first N usable CPUs")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    args = ap.parse_args(argv)
    if args.cores:
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(allowed[:max(1, args.cores)]))
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
    load_before = loadavg()
    print(f"# load average before: {load_before}")
    res = {(b, k): [] for b in backends for k in ("animators", "pool")}
    for _ in range(args.rounds):
        for b in backends:
            for kind in ("animators", "pool"):
                res[b, kind].append(_run(kind, b, streams, chunks))
    load_after = loadavg()
    print(f"# load average after: {load_after}")
    print("backend | what | CPU ms per s of audio per stream (min / median / max) | real-time factor, all streams "
          "(min / median / max) | pool / animators CPU (median of per-round ratios)")
    report = {"command": "python benchmarks/bench_pool.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": machine_info(), "load_before": load_before, "load_after": load_after,
              "streams": args.streams, "audio_s_per_stream": audio_s, "chunk_ms": args.chunk_ms,
              "rounds": args.rounds, "pinned": sorted(os.sched_getaffinity(0)) if args.cores else None, "backends": {}}
    for b in backends:
        ratios = [p[0] / a[0] for a, p in zip(res[b, "animators"], res[b, "pool"])]
        entry = report["backends"][b] = {"pool_over_animators": spread(ratios)}
        for kind in ("animators", "pool"):
            cpu = [c / audio_s / args.streams * 1e3 for c, _ in res[b, kind]]
            rtf = [w / audio_s for _, w in res[b, kind]]
            entry[kind] = {"cpu_ms_per_audio_s_per_stream": spread(cpu), "real_time_factor": spread(rtf)}
            extra = f"{statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})" if kind == "pool" else ""
            print(f"{b} | {args.streams} {kind} | {_fmt(cpu)} | {_fmt(rtf)} | {extra}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
