"""Two checkouts of sgt-lite side by side: end-to-end CPU of ``Animator.step`` per backend, in
interleaved rounds of fresh processes, so the host's drift between runs cancels out.

    git worktree add /tmp/sgt-old 0b49f1e && (cd /tmp/sgt-old && python setup.py build_ext --inplace)
    python benchmarks/bench_revisions.py /tmp/sgt-old .          # old first, then new
    python benchmarks/bench_revisions.py /tmp/sgt-old . --rounds 7 --backends litert,onnx,numpy

Each measurement is a fresh interpreter with ``PYTHONPATH`` set to one checkout (whose C
extensions must be built in place), one BLAS thread, 60 s of the bundled sample speech tiled and
fed in 20 ms chunks after a 1 s warm-up; the figure is process CPU per second of audio. Per
round every backend runs once per checkout, old and new back to back; the ratio new / old is
taken per round and its median reported.
"""
import argparse
import os
import statistics
import subprocess
import sys

from _common import loadavg, machine

CHILD = r'''
import sys, time
import numpy as np
import sgt_lite
from sgt_lite import Animator
from sgt_lite.audio import SAMPLE_WAV, read_wav
seconds = float(sys.argv[2])
x = read_wav(SAMPLE_WAV)[0]
x = np.tile(x, int(np.ceil(seconds * 16000 / len(x))))[:int(seconds * 16000)]
anim = Animator(backend=sys.argv[1])
anim.step(x[:16000]); anim.reset()
t = time.process_time()
for i in range(0, len(x), 320):
    anim.step(x[i:i + 320])
print(sgt_lite.__file__, 1e3 * (time.process_time() - t) / seconds)
'''


def measure(tree, backend, seconds):
    env = dict(os.environ, PYTHONPATH=tree, OPENBLAS_NUM_THREADS="1")
    res = subprocess.run([sys.executable, "-c", CHILD, backend, str(seconds)], cwd=tree, env=env,
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{tree} ({backend}) failed:\n{res.stderr[-2000:]}")
    where, ms = res.stdout.split()
    if not os.path.realpath(where).startswith(os.path.realpath(tree)):
        raise SystemExit(f"the child imported sgt_lite from {where}, not from {tree}; is sgt-lite "
                         "installed non-editable in this interpreter?")
    return float(ms)


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
    res = {}
    for _ in range(args.rounds):
        for backend in backends:
            for name, tree in trees.items():
                res.setdefault((backend, name), []).append(measure(tree, backend, args.seconds))
    print(f"# bench_revisions: old = {trees['old']}, new = {trees['new']}; {args.rounds} rounds, "
          f"{args.seconds:g} s of speech in 20 ms chunks")
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
