"""Runtime cost of Animator.step per backend, measured side by side in one run.

    python benchmarks/bench_runtime.py [--seconds 60] [--bundle DIR] [--cores 1]
                                       [--litert-python PYTHON ...]

Each backend runs in a fresh interpreter (so import + load time and peak RSS are its
own): it streams 20 ms chunks of real speech through the whole pipeline (ring-buffer-
sized chunks -> C frontend -> int8 generator step -> decode). For comparison the same
run measures the sway baseline (numpy) and librosa's MFCC alone on the same audio.

The litert row names the TFLite runtime it loaded through (ai_edge_litert or
tflite_runtime). ``--litert-python`` adds a litert row run by another interpreter, e.g. a
venv with tflite-runtime 2.14 and numpy < 2, so both runtimes appear side by side.
``--cores N`` pins every measured process to N cores (like ``taskset``), as on a busy robot.
On a Pi or Jetson: `pip install '.[litert,onnx,test]'` then run the same command.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

T_START = time.perf_counter()


def pin(cores):
    """Restricts this process to its first ``cores`` allowed CPUs; returns them."""
    allowed = sorted(os.sched_getaffinity(0))
    chosen = set(allowed[:max(1, cores)])
    os.sched_setaffinity(0, chosen)
    return sorted(chosen)


def worker(backend, seconds, bundle):
    import numpy as np  # noqa: F401  (counted in import + load, as on the robot)

    from sgt_lite import Animator

    anim = Animator(model=bundle, backend=backend)
    load_s = time.perf_counter() - T_START
    from sgt_lite.model.backends import probe

    runtime = "no runtime"
    if backend != "numpy":
        module = probe(anim.bundle)[backend][1].replace("via ", "").split(".")[0]
        try:
            from importlib.metadata import version

            runtime = f"{module} {version(module.replace('_', '-'))}"
        except Exception:
            runtime = f"{module} {getattr(sys.modules.get(module), '__version__', '')}".strip()
    from _common import speech

    x = speech(seconds)
    chunk = int(0.02 * anim.sample_rate)
    for i in range(0, int(2 * anim.sample_rate), chunk):     # warm-up, then reset
        anim.step(x[i:i + chunk])
    anim.reset()
    lat = []
    c0 = time.process_time()
    for i in range(0, len(x), chunk):
        t0 = time.perf_counter()
        anim.step(x[i:i + chunk])
        lat.append(time.perf_counter() - t0)
    cpu = time.process_time() - c0
    lat.sort()
    return {"backend": anim.backend, "runtime": runtime, "numpy": np.__version__, "cpu_ms_per_s": 1000 * cpu / (len(x) / anim.sample_rate),
            "p50_ms": 1000 * lat[len(lat) // 2], "p99_ms": 1000 * lat[int(0.99 * len(lat))],
            "import_load_s": load_s, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--bundle", default=None)
    ap.add_argument("--cores", type=int, help="pin each measured process to this many cores")
    ap.add_argument("--litert-python", action="append", default=[],
                    help="another interpreter to run the litert backend in (e.g. a tflite-runtime venv)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    pinned = pin(args.cores) if args.cores else None
    if args.worker:
        print(json.dumps(worker(args.worker, args.seconds, args.bundle)))
        return
    from _common import cpu_time, machine, speech  # sets one BLAS thread

    from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

    bundle_dir = args.bundle or DEFAULT_BUNDLE
    bundle = Bundle.load(bundle_dir)
    rows = []
    jobs = [(sys.executable, b) for b in ("litert", "onnx", "numpy")] + [(py, "litert") for py in args.litert_python]
    for python, backend in jobs:
        runs = []
        for _ in range(3):
            res = subprocess.run([python, os.path.abspath(__file__), "--worker", backend, "--seconds", str(args.seconds)]
                                 + (["--bundle", args.bundle] if args.bundle else [])
                                 + (["--cores", str(args.cores)] if args.cores else []),
                                 capture_output=True, text=True, env=dict(os.environ))
            if res.returncode != 0:
                why = (res.stderr.strip().splitlines() or ["no output"])[-1]
                print(f"{backend} ({python}): not available ({why})", file=sys.stderr)
                break
            runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
        if runs:
            rows.append({k: (statistics.median(r[k] for r in runs) if isinstance(runs[0][k], float) else runs[0][k])
                         for k in runs[0]})
    x = speech(args.seconds)
    dur = len(x) / 16000
    extra = []
    from sgt_lite.generators import SwayGenerator

    extra.append(("sway baseline (numpy, whole clip)", 1000 * cpu_time(lambda: SwayGenerator().generate(x), 3) / dur))
    try:
        import librosa

        extra.append(("librosa MFCC alone (whole clip, same parameters as ours)", 1000 * cpu_time(
            lambda: librosa.feature.mfcc(y=x, sr=16000, n_mfcc=13, n_fft=512, hop_length=160, win_length=400,
                                         n_mels=40, fmin=20.0, fmax=8000.0, center=False), 3) / dur))
    except ImportError:
        pass
    size = sum(info["bytes"] for info in bundle.files.values())
    print(f"Machine: {machine()}")
    print(f"Audio: {dur:.0f} s of speech in 20 ms chunks; medians of 3 fresh processes per backend"
          + (f"; each pinned to CPU {pinned}" if pinned else "") + "\n")
    print("| backend | runtime | numpy | CPU ms per s of audio | step p50 (ms) | step p99 (ms) | import + load (s) | "
          "peak RSS (MB) |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['backend']} | {r['runtime']} | {r['numpy']} | {r['cpu_ms_per_s']:.2f} | {r['p50_ms']:.3f} | "
              f"{r['p99_ms']:.3f} | {r['import_load_s']:.2f} | {r['rss_mb']:.0f} |")
    for name, ms in extra:
        print(f"| {name} | | | {ms:.2f} | | | | |")
    if any(r["runtime"].startswith("tflite_runtime") for r in rows):
        try:
            from quantize.tflite_ops import check_tflite_runtime

            for problem in check_tflite_runtime(bundle.data("tflite")):
                print(f"\nwarning: the tflite_runtime row does not compute this bundle right: {problem}")
        except ImportError as exc:
            print(f"\n(could not check the model against tflite-runtime 2.14: {exc})")
    parts = ", ".join("%s %d KiB" % (k, v["bytes"] // 1024) for k, v in bundle.files.items())
    print(f"\nint8 bundle model files: {size / 1024:.0f} KiB ({parts})")
    if rows:
        best = min(rows, key=lambda r: r["cpu_ms_per_s"])
        print(f"best backend: {best['backend']}, {best['cpu_ms_per_s']:.2f} ms CPU per s of audio "
              f"(target <= 3), p99 step {best['p99_ms']:.3f} ms (target <= 1)")


if __name__ == "__main__":
    main()
