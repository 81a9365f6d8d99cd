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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    cfg = FrontendConfig()
    x = speech(args.seconds)
    dur = x.size / cfg.sample_rate
    rows = []
    rows.append(("C, streaming hop by hop (160 samples)", cpu_time(stream("c", x, cfg.hop_length), args.repeats)))
    rows.append(("numpy reference, streaming hop by hop", cpu_time(stream("numpy", x, cfg.hop_length), args.repeats)))
    rows.append(("C, whole array at once", cpu_time(lambda: Frontend(backend="c").process(x), args.repeats)))
    rows.append(("numpy reference, whole array at once", cpu_time(lambda: Frontend(backend="numpy").process(x), args.repeats)))
    try:
        import librosa

        def lib():
            librosa.feature.mfcc(y=x, sr=16000, n_mfcc=13, n_fft=512, hop_length=160, win_length=400,
                                 n_mels=40, fmin=20.0, fmax=8000.0, center=False)
        rows.append(("librosa feature.mfcc, whole array", cpu_time(lib, args.repeats)))

        def lib_defaults():
            librosa.feature.mfcc(y=x, sr=16000, n_mfcc=13, n_fft=512, hop_length=160, win_length=400, n_mels=40)
        rows.append(("librosa feature.mfcc, its default fmin/fmax/center", cpu_time(lib_defaults, args.repeats)))
    except ImportError:
        print("librosa not installed: pip install '.[test]'", file=sys.stderr)
    try:
        from python_speech_features import mfcc as psf_mfcc

        def psf():
            psf_mfcc(x, samplerate=16000, winlen=0.025, winstep=0.01, numcep=13, nfilt=40, nfft=512,
                     lowfreq=20, highfreq=8000, preemph=0.97, winfunc=np.hanning)
        rows.append(("python_speech_features mfcc, whole array", cpu_time(psf, args.repeats)))
    except ImportError:
        print("python_speech_features not installed: pip install '.[test]'", file=sys.stderr)

    per_s = {name: 1000.0 * t / dur for name, t in rows}
    print(f"Machine: {machine()}")
    print(f"Audio: {dur:.0f} s of 16 kHz speech; CPU time, median of {args.repeats} runs\n")
    print("| frontend | CPU ms per s of audio | x real time |")
    print("|---|---:|---:|")
    for name, ms in per_s.items():
        print(f"| {name} | {ms:.3f} | {1000.0 / ms:,.0f}x |")
    c_stream, np_stream = per_s[rows[0][0]], per_s[rows[1][0]]
    c_whole = per_s[rows[2][0]]
    print()
    print(f"- C streaming vs numpy streaming: {np_stream / c_stream:.1f}x faster (target >= 10x)")
    lib_row = [v for k, v in per_s.items() if k.startswith("librosa")]
    if lib_row:
        print(f"- C whole-array vs librosa with matching parameters: {lib_row[0] / c_whole:.1f}x faster "
              f"(target >= 2x); vs librosa's defaults: {lib_row[1] / c_whole:.1f}x")
    numpy_s, extra_s = import_overhead()
    print(f"- `import sgt_lite` beyond numpy: {1000 * extra_s:.1f} ms (numpy itself: {1000 * numpy_s:.0f} ms; "
          "target <= 150 ms), median of 9 fresh interpreters")


if __name__ == "__main__":
    main()
