"""Frontend speed: C vs numpy streaming, C whole-array vs librosa and python_speech_features.

    python benchmarks/bench_frontend.py [--seconds 60] [--repeats 5]

Prints a Markdown table (CPU ms per second of audio, median of the repeats)
and the `import sgt_lite` overhead beyond numpy. Needs the test extra
(librosa, python_speech_features) for the comparison rows.
"""
import argparse
import statistics
import subprocess
import sys

import numpy as np

from _common import cpu_time, machine, speech

from sgt_lite.audio import Frontend, FrontendConfig

IMPORT_PROBE = (
    "import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); "
    "import sgt_lite; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
)


def import_overhead(runs: int = 9):
    numpy_s, extra_s = [], []
    for _ in range(runs):
        a, b = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True,
                              check=True).stdout.split()
        numpy_s.append(float(a))
        extra_s.append(float(b))
    return statistics.median(numpy_s), statistics.median(extra_s)


def stream(backend, x, hop):
    fe = Frontend(backend=backend)

    def run():
        fe.reset()
        for i in range(0, x.size, hop):
            fe.process(x[i:i + hop])
    return run


def _rows(x, cfg):
    """name -> zero-argument callable doing one full pass over ``x``."""
    rows = {
        "C, streaming hop by hop (160 samples)": stream("c", x, cfg.hop_length),
        "numpy reference, streaming hop by hop": stream("numpy", x, cfg.hop_length),
        "C, whole array at once": lambda: Frontend(backend="c").process(x),
        "numpy reference, whole array at once": lambda: Frontend(backend="numpy").process(x),
    }
    try:
        import librosa

        rows["librosa feature.mfcc, whole array"] = lambda: librosa.feature.mfcc(
            y=x, sr=16000, n_mfcc=13, n_fft=512, hop_length=160, win_length=400, n_mels=40, fmin=20.0,
            fmax=8000.0, center=False)
        rows["librosa feature.mfcc, its default fmin/fmax/center"] = lambda: librosa.feature.mfcc(
            y=x, sr=16000, n_mfcc=13, n_fft=512, hop_length=160, win_length=400, n_mels=40)
    except ImportError:
        print("librosa not installed: pip install '.[test]'", file=sys.stderr)
    try:
        from python_speech_features import mfcc as psf_mfcc

        rows["python_speech_features mfcc, whole array"] = lambda: psf_mfcc(
            x, samplerate=16000, winlen=0.025, winstep=0.01, numcep=13, nfilt=40, nfft=512, lowfreq=20,
            highfreq=8000, preemph=0.97, winfunc=np.hanning)
    except ImportError:
        print("python_speech_features not installed: pip install '.[test]'", file=sys.stderr)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--row", help=argparse.SUPPRESS)
    args = ap.parse_args()
    cfg = FrontendConfig()
    x = speech(args.seconds)
    dur = x.size / cfg.sample_rate
    if args.row:  # worker: one row, in a fresh interpreter so rows cannot disturb each other
        print(1000.0 * cpu_time(_rows(x, cfg)[args.row], args.repeats) / dur)
        return
    per_s = {}
    for name in _rows(x, cfg):
        res = subprocess.run([sys.executable, __file__, "--row", name, "--seconds", str(args.seconds),
                              "--repeats", str(args.repeats)], capture_output=True, text=True, check=True)
        per_s[name] = float(res.stdout.strip().splitlines()[-1])
    print(f"Machine: {machine()}")
    print(f"Audio: {dur:.0f} s of 16 kHz speech; CPU time, median of {args.repeats} runs, each row in a fresh process\n")
    print("| frontend | CPU ms per s of audio | x real time |")
    print("|---|---:|---:|")
    for name, ms in per_s.items():
        print(f"| {name} | {ms:.3f} | {1000.0 / ms:,.0f}x |")
    names = list(per_s)
    c_stream, np_stream, c_whole = per_s[names[0]], per_s[names[1]], per_s[names[2]]
    print()
    print(f"- C streaming vs numpy streaming: {np_stream / c_stream:.1f}x faster (target >= 10x)")
    lib = [v for k, v in per_s.items() if k.startswith("librosa")]
    if lib:
        print(f"- C whole-array vs librosa with matching parameters: {lib[0] / c_whole:.1f}x faster "
              f"(target >= 2x); vs librosa's defaults: {lib[1] / c_whole:.1f}x")
    numpy_s, extra_s = import_overhead()
    print(f"- `import sgt_lite` beyond numpy: {1000 * extra_s:.1f} ms (numpy itself: {1000 * numpy_s:.0f} ms; "
          "target <= 150 ms), median of 9 fresh interpreters")


if __name__ == "__main__":
    main()
