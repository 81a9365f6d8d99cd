"""Peak memory of ``sgt_lite.animate()`` on long files: it streams, so the peak must not grow with length.

Writes N-minute WAVs of real speech (the shared StyleTalk clips, else the bundled sample, tiled;
written block by block, never held here), then animates each in a fresh child process and reports
the child's peak RSS (``ru_maxrss``), its wall and CPU time, next to a baseline child that only
imports sgt_lite and builds an Animator. The child starts in the environment this script was
started with (no BLAS tweaks).

    python benchmarks/bench_memory.py                       # 10 and 60 min at 16 kHz int16
    python benchmarks/bench_memory.py --rates 16000 44100   # 44.1 kHz files are resampled on the fly
    python benchmarks/bench_memory.py --minutes 1 3 --json -   # CI-sized
    PYTHONPATH=/old/tree python benchmarks/bench_memory.py --minutes 60   # an older sgt_lite, for "before"
    python benchmarks/bench_memory.py --minutes 1 --render 1 4   # render's peak too (GIF and MP4, child's
                                                                 # RSS; ffmpeg's own process is not counted)
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

from _common import child_place, loadavg, machine, speech_blocks, write_json

CHILD = r"""
import json, resource, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import sgt_lite
path, backend = sys.argv[1], sys.argv[2]
if path == "-":
    anim = sgt_lite.Animator(backend=backend)
    n, name = 0, anim.backend
elif len(sys.argv) > 3:                     # render to this file
    from sgt_lite.render import render
    _, n, _, _ = render(path, sys.argv[3], size=120, backend=backend)
    name = backend
else:
    out = sgt_lite.animate(path, backend=backend)
    n, name = len(out), backend
print(json.dumps({"frames": n, "backend": name, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}))
"""


def write_wav(path, minutes: float, rate: int) -> int:
    """``minutes`` of speech as 16-bit mono PCM at ``rate``, block by block; returns the file's size."""
    import numpy as np

    blocks = speech_blocks(minutes * 60, block=16000)
    if rate != 16000:
        from sgt_lite.offline import resampled_blocks

        blocks = resampled_blocks(blocks, 16000, rate)
    with open(path, "wb") as f:
        f.write(b"\0" * 44)
        n = 0
        for x in blocks:
            pcm = np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
            f.write(pcm)
            n += len(pcm)
        f.seek(0)
        f.write(b"RIFF" + struct.pack("<I", 36 + n) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate,
                                                                                      2 * rate, 2, 16)
                + b"data" + struct.pack("<I", n))
    return 44 + n



PLACE = None


def run_child(path, backend, out=None):
    global PLACE
    PLACE = PLACE or child_place()
    res = subprocess.run([sys.executable, "-c", CHILD, path, backend] + ([out] if out else []), capture_output=True,
                         text=True,
                         cwd=PLACE[0], env=PLACE[1], timeout=3600)
    if res.returncode != 0:
        raise SystemExit(f"child failed on {path}:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[10.0, 60.0], help="lengths of audio (default 10 60)")
    ap.add_argument("--rates", type=int, nargs="+", default=[16000], help="file sample rates (default 16000)")
    ap.add_argument("--backend", default="auto", help="Animator backend (default auto)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH ('-': print them)")
    ap.add_argument("--render", type=float, nargs="*", metavar="MINUTES",
                    help="also run `sgt-lite render` (120 px GIF and MP4) on 16 kHz files of these lengths")
    ap.add_argument("--keep", metavar="DIR", help="write the WAVs here and keep them (default: a temp dir)")
    args = ap.parse_args(argv)

    load_before = loadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or tmp
        os.makedirs(folder, exist_ok=True)
        base = run_child("-", args.backend)
        for rate in args.rates:
            for minutes in args.minutes:
                path = os.path.join(folder, f"speech_{minutes:g}min_{rate}.wav")
                t0 = time.perf_counter()
                size = write_wav(path, minutes, rate)
                write_s = time.perf_counter() - t0
                r = run_child(path, args.backend)
                rows.append({"minutes": minutes, "rate": rate, "file_mb": size / 2 ** 20, "write_s": write_s, **r})
                if not args.keep:
                    os.remove(path)
        for minutes in args.render or []:
            path = os.path.join(folder, f"speech_{minutes:g}min_16000.wav")
            size = write_wav(path, minutes, 16000)
            for ext in (".gif", ".mp4"):
                out = os.path.join(folder, f"face_{minutes:g}min{ext}")
                r = run_child(path, args.backend, out)
                rows.append({"minutes": minutes, "rate": 16000, "file_mb": size / 2 ** 20, "render": ext,
                             "out_mb": os.path.getsize(out) / 2 ** 20, **r})
                if not args.keep:
                    os.remove(out)
            if not args.keep:
                os.remove(path)
    load_after = loadavg()

    print(f"machine: {machine()}")
    print(f"load average (1/5/15 min): before {load_before}, after {load_after}")
    print(f"command: python benchmarks/{os.path.basename(__file__)} {' '.join(argv or sys.argv[1:])}".rstrip())
    print()
    print(f"sgt_lite in the children: {PLACE[2]}")
    print(f"baseline child (import sgt_lite, Animator(backend={args.backend!r}) -> {base['backend']}): "
          f"peak RSS {base['peak_kb'] / 1024:.1f} MB")
    print()
    print("| run | audio | file rate | WAV size | frames | peak RSS | over baseline | wall | CPU |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        what = f"render {r['render']} ({r['out_mb']:.1f} MB)" if "render" in r else "animate()"
        print(f"| {what} | {r['minutes']:g} min | {r['rate']} Hz | {r['file_mb']:.0f} MB | {r['frames']} | "
              f"{r['peak_kb'] / 1024:.1f} MB | {(r['peak_kb'] - base['peak_kb']) / 1024:+.1f} MB | "
              f"{r['wall_s']:.1f} s | {r['cpu_s']:.1f} s |")
    if args.json:
        write_json({"machine": machine(), "loadavg": [load_before, load_after], "backend": args.backend,
                   "baseline": base, "runs": rows}, args.json)


if __name__ == "__main__":
    main()
