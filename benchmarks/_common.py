"""Helpers shared by the benchmark scripts: CPU timing, speech loading, machine name."""
import os

# One BLAS/OpenMP thread, as on the robot; idle BLAS threads otherwise spin and
# inflate the process CPU time that these benchmarks report.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pathlib  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED_WAV = pathlib.Path(os.environ.get("SGT_LITE_SHARED", REPO.parent / "shared")) / "data/styletalk/wav"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") or line.startswith("Model"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}"


def speech(seconds: float) -> np.ndarray:
    """`seconds` of real 16 kHz speech: the shared StyleTalk clips, else the bundled sample, tiled."""
    from sgt_lite.audio import SAMPLE_WAV, read_wav

    files = sorted(SHARED_WAV.glob("*.wav")) if SHARED_WAV.is_dir() else [pathlib.Path(SAMPLE_WAV)]
    parts, total = [], 0
    while total < seconds * 16000:
        for f in files:
            x, _ = read_wav(f, sample_rate=16000)
            parts.append(x)
            total += x.size
    return np.concatenate(parts)[: int(seconds * 16000)]


def cpu_time(fn, repeats: int = 5) -> float:
    """Median CPU seconds of `fn()` over `repeats` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)
