"""Frontend speed: C vs numpy streaming, C whole-clip vs librosa and python_speech_features.

    python benchmarks/bench_frontend.py [--seconds 60] [--rounds 5] [--repeats 3] [--json FILE]

Every row runs in a fresh interpreter, once per round; rounds are interleaved (the row order
rotates from round to round, so no row always runs first or after the same neighbour). A row's
figure in one round is the median CPU time of ``--repeats`` passes over the audio (after one
warm-up pass); the table gives min / median / max over the rounds, in CPU ms per second of
audio, with the load average before and after. The ratios use the per-round figures of the
same round (numerator and denominator measured back to back), min / median / max.

What each row does (one thread; BLAS pinned to one thread by _common):

- C / numpy streaming: ``Frontend(backend=...).process()`` on consecutive 20 ms chunks
  (320 samples, two 10 ms hops each; the issue's target), and hop by hop (160 samples).
- C whole clip: one ``Frontend(backend="c").process(x)`` call (the C core runs every hop of
  the clip in one call), tables built inside the timing.
- librosa, matching parameters: ``librosa.feature.mfcc`` with the same sample rate (16 kHz),
  n_fft 512, hop 160, win_length 400, periodic Hann window, power 2, 40 slaney-normalised
  slaney-scale mel bands from 20 to 8000 Hz, 10*log10 with amin 1e-10 (ours: log_floor 1e-10),
  orthonormal DCT-II, 13 coefficients, no centring (our frames are causal). Differences,
  all of them extra work on our side or librosa's defaults: we also pre-emphasise (0.97) and
  compute a log-energy column; librosa also clips at top_db=80 (its default inside mfcc)
  and places the 400-sample window in the middle of the 512-sample frame (same power
  spectrum up to a phase). librosa's own FFT runs in double precision (numpy's pocketfft),
  the mel product in float32; ours is double throughout.
- python_speech_features: its mfcc with the same frame sizes, 40 filters, 20-8000 Hz.
"""
import argparse
import json
import statistics
import subprocess
import sys

import numpy as np

from _common import cpu_time, loadavg, machine, speech, spread

from sgt_lite.audio import Frontend, FrontendConfig

IMPORT_PROBE = (
    "import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); "
    "import sgt_lite; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
)
C_STREAM, NP_STREAM = "C, streaming 20 ms chunks", "numpy reference, streaming 20 ms chunks"
C_HOP, NP_HOP = "C, streaming hop by hop (10 ms)", "numpy reference, streaming hop by hop (10 ms)"
C_WHOLE, NP_WHOLE = "C, whole clip in one call", "numpy reference, whole clip"
LIBROSA = "librosa feature.mfcc, matching parameters"
LIBROSA_DEFAULT = "librosa feature.mfcc, its default fmin/fmax/center"
PSF = "python_speech_features mfcc"


def import_overhead(runs: int = 9):
    numpy_s, extra_s = [], []
    for _ in range(runs):
        a, b = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True,
                              check=True).stdout.split()
        numpy_s.append(float(a))
        extra_s.append(float(b))
    return statistics.median(numpy_s), statistics.median(extra_s)


def stream(backend, x, chunk):
    fe = Frontend(backend=backend)
    chunks = [x[i:i + chunk] for i in range(0, x.size, chunk)]

    def run():
        fe.reset()
        for c in chunks:
            fe.process(c)
    return run


def _rows(x, cfg):
    """name -> zero-argument callable doing one full pass over ``x``."""
    rows = {
        C_STREAM: stream("c", x, 2 * cfg.hop_length),
        NP_STREAM: stream("numpy", x, 2 * cfg.hop_length),
        C_HOP: stream("c", x, cfg.hop_length),
        NP_HOP: stream("numpy", x, cfg.hop_length),
        C_WHOLE: lambda: Frontend(backend="c").process(x),
        NP_WHOLE: lambda: Frontend(backend="numpy").process(x),
    }
    try:
        import librosa

        rows[LIBROSA] = lambda: librosa.feature.mfcc(
            y=x, sr=cfg.sample_rate, n_mfcc=cfg.n_mfcc, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
            win_length=cfg.win_length, window="hann", power=2.0, n_mels=cfg.n_mels, fmin=cfg.fmin,
            fmax=cfg.fmax, htk=False, center=False, dct_type=2, norm="ortho")  # mel norm: slaney, its default
        rows[LIBROSA_DEFAULT] = lambda: librosa.feature.mfcc(
            y=x, sr=cfg.sample_rate, n_mfcc=cfg.n_mfcc, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
            win_length=cfg.win_length, n_mels=cfg.n_mels)
    except ImportError:
        print("librosa not installed: pip install '.[test]'", file=sys.stderr)
    try:
        from python_speech_features import mfcc as psf_mfcc

        rows[PSF] = lambda: psf_mfcc(
            x, samplerate=cfg.sample_rate, winlen=cfg.win_length / cfg.sample_rate,
            winstep=cfg.hop_length / cfg.sample_rate, numcep=cfg.n_mfcc, nfilt=cfg.n_mels, nfft=cfg.n_fft,
            lowfreq=cfg.fmin, highfreq=cfg.fmax, preemph=cfg.preemph, winfunc=np.hanning)
    except ImportError:
        print("python_speech_features not installed: pip install '.[test]'", file=sys.stderr)
    return rows


def _worker(name, seconds, repeats):
    cfg = FrontendConfig()
    x = speech(seconds)
    return 1000.0 * cpu_time(_rows(x, cfg)[name], repeats) / (x.size / cfg.sample_rate)


def _ratios(per_round, num, den):
    """min/median/max over rounds of per_round[num] / per_round[den] (same round)."""
    vals = [r[num] / r[den] for r in per_round if num in r and den in r]
    return spread(vals)


def _fmt(s, unit=""):
    return f"{s['min']:.3f} / {s['median']:.3f} / {s['max']:.3f}{unit}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--row", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.row:  # worker: one row, in a fresh interpreter so rows cannot disturb each other
        print(_worker(args.row, args.seconds, args.repeats))
        return
    names = list(_rows(np.zeros(16000, np.float32), FrontendConfig()))
    load_before = loadavg()
    per_round = []
    for r in range(args.rounds):
        k = r % len(names)
        figures = {}
        for name in names[k:] + names[:k]:
            res = subprocess.run([sys.executable, __file__, "--row", name, "--seconds", str(args.seconds),
                                  "--repeats", str(args.repeats)], capture_output=True, text=True, check=True)
            figures[name] = float(res.stdout.strip().splitlines()[-1])
        per_round.append(figures)
    load_after = loadavg()
    table = {name: spread([r[name] for r in per_round]) for name in names}
    print(f"Machine: {machine()}")
    print(f"Load average (1/5/15 min): before {load_before}, after {load_after}")
    print(f"Audio: {args.seconds:.0f} s of 16 kHz speech; CPU time; {args.rounds} interleaved rounds of fresh "
          f"processes, each the median of {args.repeats} passes\n")
    print("| frontend | CPU ms per s of audio, min / median / max | x real time (median) |")
    print("|---|---:|---:|")
    for name, s in table.items():
        print(f"| {name} | {_fmt(s)} | {1000.0 / s['median']:,.0f}x |")
    ratios = {
        "c_vs_numpy_streaming_20ms": _ratios(per_round, NP_STREAM, C_STREAM),
        "c_vs_numpy_streaming_hop": _ratios(per_round, NP_HOP, C_HOP),
        "c_whole_vs_numpy_whole": _ratios(per_round, NP_WHOLE, C_WHOLE),
    }
    print()
    print(f"- C streaming vs numpy streaming, 20 ms chunks: {_fmt(ratios['c_vs_numpy_streaming_20ms'], 'x')} "
          "faster (min / median / max of the rounds; target >= 10x)")
    print(f"- the same, hop by hop: {_fmt(ratios['c_vs_numpy_streaming_hop'], 'x')}")
    if LIBROSA in table:
        ratios["c_whole_vs_librosa"] = _ratios(per_round, LIBROSA, C_WHOLE)
        ratios["c_whole_vs_librosa_defaults"] = _ratios(per_round, LIBROSA_DEFAULT, C_WHOLE)
        print(f"- C whole clip vs librosa with matching parameters: {_fmt(ratios['c_whole_vs_librosa'], 'x')} "
              f"faster (target >= 2x); vs librosa's defaults: {_fmt(ratios['c_whole_vs_librosa_defaults'], 'x')}")
    numpy_s, extra_s = import_overhead()
    print(f"- `import sgt_lite` beyond numpy: {1000 * extra_s:.1f} ms (numpy itself: {1000 * numpy_s:.0f} ms), "
          "median of 9 fresh interpreters")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "load_before": load_before, "load_after": load_after,
                       "seconds": args.seconds, "rounds": per_round, "table": table, "ratios": ratios,
                       "import_ms": {"numpy": 1000 * numpy_s, "sgt_lite_beyond_numpy": 1000 * extra_s}},
                      f, indent=1)


if __name__ == "__main__":
    main()
