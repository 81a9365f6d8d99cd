"""Two checkouts of sgt-lite side by side: end-to-end CPU of ``Animator.step`` per backend, in
interleaved rounds of fresh processes, so the host's drift between runs cancels out.

    git worktree add /tmp/sgt-old 0b49f1e && (cd /tmp/sgt-old && python setup.py build_ext --inplace)
    python benchmarks/bench_revisions.py /tmp/sgt-old .          # old first, then new
    python benchmarks/bench_revisions.py /tmp/sgt-old . --rounds 7 --backends litert,onnx,numpy

Each measurement is ``bench_runtime.py``'s own streaming worker (the README's runtime rows: the
same speech, 20 ms chunks, warm-up and CPU count) in a fresh interpreter with ``PYTHONPATH`` set
to one checkout, whose C extensions must be built in place, and one BLAS thread. Per round every
backend runs once per checkout, old and new back to back; the ratio new / old is taken per round
and its median reported.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from _common import ORIGINAL_ENV, loadavg, machine

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_runtime.py")


def measure(tree, backend, seconds, cwd):
    env = dict(ORIGINAL_ENV, PYTHONPATH=tree, OPENBLAS_NUM_THREADS="1")
    res = subprocess.run([sys.executable, WORKER, "--worker", backend, "--seconds", str(seconds)], cwd=cwd, env=env,
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{tree} ({backend}) failed:\n{res.stderr[-2000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    if not os.path.realpath(out["sgt_lite"]).startswith(os.path.realpath(tree)):
        raise SystemExit(f"the worker imported sgt_lite from {out['sgt_lite']}, not from {tree}; is sgt-lite "
                         "installed non-editable in this interpreter?")
    return out["cpu_ms_per_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old", help="the first checkout (its C extensions built in place)")
    ap.add_argument("new", help="the second checkout")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--backends", default="litert,onnx,numpy")
    args = ap.parse_args()
    trees = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    backends = [b for b in args.backends.split(",") if b]
    before = loadavg()
    cwd = tempfile.mkdtemp(prefix="sgt-bench-")      # no checkout on sys.path but the one given
    res = {}
    for _ in range(args.rounds):
        for backend in backends:
            for name, tree in trees.items():
                res.setdefault((backend, name), []).append(measure(tree, backend, args.seconds, cwd))
    print(f"# bench_revisions: old = {trees['old']}, new = {trees['new']}; {args.rounds} rounds, "
          f"{args.seconds:g} s of speech in 20 ms chunks (bench_runtime.py's worker)")
    print(f"# machine: {machine()}; load average before {before}, after {loadavg()}")
    print("backend | checkout | CPU ms per s of audio (min / median / max) | new / old (median of per-round ratios)")
    for backend in backends:
        for name in trees:
            v = res[(backend, name)]
            ratio = ""
            if name == "new":
                r = [n / o for n, o in zip(res[(backend, "new")], res[(backend, "old")])]
                ratio = f"{statistics.median(r):.3f} (min {min(r):.3f}, max {max(r):.3f})"
            print(f"{backend} | {name} | {min(v):.3f} / {statistics.median(v):.3f} / {max(v):.3f} | {ratio}")


if __name__ == "__main__":
    main()
