"""Cold start: import, Animator construction and time to first frame, each in a fresh process.

Every figure comes from a new interpreter started in the environment this script was started
with (no BLAS or other tweaks). Each round starts one child per backend (numpy, onnx, litert
where installed) and one ``sgt-lite --help``, in a shuffled order, so load drifts hit every
backend alike. Per child: (a) ``import numpy``; (b) ``from sgt_lite import Animator`` beyond
numpy; (c) ``Animator(backend=...)``; (d) the first frame: 20 ms chunks of the bundled speech
until a step returns frames, timed from the moment the parent started the process (so it
includes the interpreter's own start). (e) is ``sgt-lite --help``, wall time seen by the parent.
Bytecode is compiled first (as pip does on install); one unmeasured child warms the disk cache.

    python benchmarks/bench_startup.py              # 15 rounds, markdown table
    python benchmarks/bench_startup.py -n 5 --json startup.json
"""
import argparse
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import time

from _common import ORIGINAL_ENV, child_place, loadavg, machine, spread, write_json

CHILD = r"""
import time
clock = lambda: time.clock_gettime(time.CLOCK_MONOTONIC)
t_py = clock()
import numpy as np
t_np = clock()
from sgt_lite import Animator
t_imp = clock()
import sys
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("scipy", "torch", "matplotlib", "difflib", "tempfile")
               or m.startswith(("sgt_lite.motion", "sgt_lite.generators", "sgt_lite.evaluation")))
anim = Animator(backend=sys.argv[1])
t_new = clock()
import wave
with wave.open(sys.argv[2], "rb") as w:
    pcm = np.frombuffer(w.readframes(w.getframerate()), "<i2")
chunk = anim.sample_rate // 50
steps, t_steps = 0, 0.0
for i in range(0, pcm.size, chunk):
    t0 = clock()
    frames = anim.step(pcm[i:i + chunk])
    t_steps += clock() - t0
    steps += 1
    if frames:
        break
t_frame = clock()
import json
print(json.dumps({"t_py": t_py, "numpy": t_np - t_py, "import": t_imp - t_np, "construct": t_new - t_imp,
                  "t_frame": t_frame, "steps": steps, "step_s": t_steps, "backend": anim.backend,
                  "sgt_modules": sum(m.startswith("sgt_lite") for m in sys.modules), "heavy": heavy}))
"""


def backends_installed():
    found = ["numpy"]
    if importlib.util.find_spec("onnxruntime"):
        found.append("onnx")
    if importlib.util.find_spec("ai_edge_litert") or importlib.util.find_spec("tflite_runtime"):
        found.append("litert")
    return found


def clock():
    return time.clock_gettime(time.CLOCK_MONOTONIC)



PLACE = None


def run_child(backend, wav):
    global PLACE
    PLACE = PLACE or child_place()
    t_spawn = clock()
    res = subprocess.run([sys.executable, "-c", CHILD, backend, wav], capture_output=True, text=True,
                         cwd=PLACE[0], env=PLACE[1], timeout=300)
    if res.returncode != 0:
        raise SystemExit(f"child ({backend}) failed:\n{res.stderr}")
    r = json.loads(res.stdout.strip().splitlines()[-1])
    r["interpreter"] = r["t_py"] - t_spawn
    r["first_frame"] = r["t_frame"] - t_spawn
    return r


def cli_help():
    exe = os.path.join(os.path.dirname(sys.executable), "sgt-lite")
    if not os.access(exe, os.X_OK):
        exe = shutil.which("sgt-lite")
    cmd = [exe, "--help"] if exe else [sys.executable, "-m", "sgt_lite", "--help"]
    t0 = clock()
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=PLACE[0], env=PLACE[1], timeout=120)
    wall = clock() - t0
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr}")
    return wall, " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--rounds", type=int, default=15, help="fresh processes per measurement (default 15)")
    ap.add_argument("--backends", nargs="+", help="default: every installed one of numpy, onnx, litert")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH ('-': print them)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the per-round order shuffle")
    args = ap.parse_args(argv)

    from sgt_lite.resources import SAMPLE_WAV

    backends = args.backends or backends_installed()
    run_child("numpy", SAMPLE_WAV)                                            # warm the disk cache
    subprocess.run([sys.executable, "-m", "compileall", "-q", PLACE[2]], capture_output=True)  # as pip install does
    rng = random.Random(args.seed)
    load_before = loadavg()
    runs = {b: [] for b in backends}
    helps, help_cmd = [], None
    for _ in range(args.rounds):
        jobs = list(backends) + ["--help"]
        rng.shuffle(jobs)
        for job in jobs:
            if job == "--help":
                wall, help_cmd = cli_help()
                helps.append(wall)
            else:
                runs[job].append(run_child(job, SAMPLE_WAV))
    load_after = loadavg()

    every = [r for b in backends for r in runs[b]]
    ms = lambda values: spread([1000 * v for v in values])      # noqa: E731
    rows = [("interpreter start (spawn to first line)", "all", ms(r["interpreter"] for r in every)),
            ("(a) import numpy", "all", ms(r["numpy"] for r in every)),
            ("(b) from sgt_lite import Animator, beyond numpy", "all", ms(r["import"] for r in every))]
    for b in backends:
        rows.append(("(c) Animator() construction", b, ms(r["construct"] for r in runs[b])))
    for b in backends:
        rows.append(("(d) first frame, from process start", b, ms(r["first_frame"] for r in runs[b])))
    for b in backends:
        rows.append(("    of which step() calls until it", b, ms(r["step_s"] for r in runs[b])))
    rows.append((f"(e) {help_cmd} (wall)", "-", ms(helps)))

    print(f"machine: {machine()}")
    print(f"load average (1/5/15 min): before {load_before}, after {load_after}")
    print(f"command: python benchmarks/{os.path.basename(__file__)} {' '.join(argv or sys.argv[1:])}".rstrip())
    print(f"{args.rounds} fresh processes per row, backends interleaved in shuffled order per round; "
          f"environment as started (OPENBLAS_NUM_THREADS={ORIGINAL_ENV.get('OPENBLAS_NUM_THREADS', 'unset')}); "
          f"first frame after {runs[backends[0]][0]['steps']} steps of 20 ms")
    print(f"sgt_lite in the children: {PLACE[2]}")
    heavy = sorted({m for r in every for m in r["heavy"]})
    print(f"sgt_lite modules after the import: {every[0]['sgt_modules']}; heavy modules on that path: "
          f"{', '.join(heavy) or 'none'}")
    print()
    print("| measurement | backend | min ms | median ms | max ms |")
    print("|---|---|---|---|---|")
    for name, b, s in rows:
        print(f"| {name} | {b} | {s['min']:.1f} | {s['median']:.1f} | {s['max']:.1f} |")
    if args.json:
        write_json({"machine": machine(), "loadavg": [load_before, load_after], "rounds": args.rounds,
                   "rows": [{"name": n, "backend": b, **s} for n, b, s in rows],
                   "heavy_modules": heavy}, args.json)


if __name__ == "__main__":
    main()
