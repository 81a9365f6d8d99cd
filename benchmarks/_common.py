"""Helpers shared by the benchmark scripts: CPU timing, speech loading, the machine and its load."""
import os

# The environment as the user started us, before the tweak below: cold-start figures run in it.
ORIGINAL_ENV = dict(os.environ)
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")

# One BLAS/OpenMP thread, as on the robot (the CLI sets the same); idle BLAS threads otherwise
# spin and inflate the process CPU time that these benchmarks report.
for _var in BLAS_VARS:
    os.environ.setdefault(_var, "1")

import pathlib  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import wave  # noqa: E402

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED_WAV = pathlib.Path(os.environ.get("SGT_LITE_SHARED", REPO.parent / "shared")) / "data/styletalk/wav"
RUNTIME_DISTS = ("sgt-lite", "numpy", "ai-edge-litert", "tflite-runtime", "onnxruntime", "librosa")


def _cpuinfo(*keys):
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name.strip() in keys and value.strip():
                    return value.strip()
    except OSError:
        pass
    return None


def _board():
    """The board's name where the kernel knows it (Raspberry Pi, Jetson), else None."""
    try:
        with open("/proc/device-tree/model", "rb") as f:
            return f.read().rstrip(b"\0").decode(errors="replace").strip() or None
    except OSError:
        return _cpuinfo("Model")


# /proc/cpuinfo on aarch64 has no model name, only the core's part number
_ARM_PARTS = {"0xd03": "Cortex-A53", "0xd04": "Cortex-A35", "0xd05": "Cortex-A55", "0xd07": "Cortex-A57",
              "0xd08": "Cortex-A72", "0xd09": "Cortex-A73", "0xd0a": "Cortex-A75", "0xd0b": "Cortex-A76",
              "0xd0c": "Neoverse-N1", "0xd0d": "Cortex-A77", "0xd41": "Cortex-A78", "0xd42": "Cortex-A78AE",
              "0xd4b": "Cortex-A78C", "0xd40": "Neoverse-V1", "0xd49": "Neoverse-N2"}


def _lscpu_model():
    import subprocess

    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "Model name" and value.strip() and value.strip() != "-":
            return value.strip()
    return None


def _arm_core():
    part = _cpuinfo("CPU part")
    return f"ARM {_ARM_PARTS.get(part, 'core part ' + part)}" if part else None


def versions(dists=RUNTIME_DISTS) -> dict:
    """``{distribution: version}`` of the installed ones, read from metadata (nothing is imported)."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in dists:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    out["numpy"] = np.__version__       # the one this interpreter runs, whatever the metadata says
    return out


def machine_info() -> dict:
    """The machine as plain data: CPU model, board, cores (all and usable by this process), OS, versions."""
    cpu = _cpuinfo("model name", "Processor", "cpu model") or _lscpu_model() or _arm_core() or platform.machine()
    info = {
        "cpu": cpu,
        "board": _board(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "arch": platform.machine(),
        "versions": versions(),
        "sgt_lite_from": _package_dir("sgt_lite"),
    }
    return info


def _package_dir(name):
    """Where ``import name`` would load from (the package is not imported)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return os.path.dirname(spec.origin) if spec and spec.origin else None


def machine() -> str:
    """One line: CPU, cores, OS and arch, Python and numpy."""
    m = machine_info()
    board = f" ({m['board']})" if m["board"] else ""
    return (f"{m['cpu']}{board}, {m['cores']} cores, {platform.system()} {m['arch']}, "
            f"Python {m['versions']['python']}, numpy {m['versions']['numpy']}")


def loadavg():
    """The 1, 5 and 15 minute load averages (None where /proc/loadavg is missing)."""
    try:
        with open("/proc/loadavg") as f:
            return [float(v) for v in f.read().split()[:3]]
    except (OSError, ValueError):
        return None


def rss_mb():
    """``(current, peak)`` resident set size of this process in MB (VmRSS, VmHWM)."""
    now = peak = None
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return now, peak


def speech_files():
    return sorted(SHARED_WAV.glob("*.wav")) if SHARED_WAV.is_dir() else []


def speech(seconds: float) -> np.ndarray:
    """`seconds` of real 16 kHz speech: the shared StyleTalk clips, else the bundled sample, tiled."""
    from sgt_lite.audio import SAMPLE_WAV, read_wav

    files = speech_files() or [pathlib.Path(SAMPLE_WAV)]
    parts, total = [], 0
    while total < seconds * 16000:
        for f in files:
            x, _ = read_wav(f, sample_rate=16000)
            parts.append(x)
            total += x.size
    return np.concatenate(parts)[: int(seconds * 16000)]


def speech_blocks(seconds: float, block: int = 16000):
    """The same samples as :func:`speech`, read from the files ``block`` samples at a time, so the
    whole clip is never held in memory (16-bit mono 16 kHz WAVs are streamed; any other file is
    read whole through ``read_wav`` and cut into blocks)."""
    from sgt_lite.audio import SAMPLE_WAV, read_wav

    files = speech_files() or [pathlib.Path(SAMPLE_WAV)]
    left = int(seconds * 16000)
    while left > 0:
        for f in files:
            for x in _file_blocks(f, block, read_wav):
                x = x[:left]
                left -= x.size
                yield x
                if left <= 0:
                    return


def _file_blocks(path, block, read_wav):
    try:
        w = wave.open(str(path), "rb")
    except (wave.Error, EOFError):
        w = None
    if w is not None and (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000):
        with w:
            while True:
                raw = w.readframes(block)
                if not raw:
                    return
                yield np.frombuffer(raw, "<i2").astype(np.float32) / float(2 ** 15)
    else:
        if w is not None:
            w.close()
        x, _ = read_wav(path, sample_rate=16000)
        for i in range(0, x.size, block):
            yield x[i:i + block]


def cpu_time(fn, repeats: int = 5) -> float:
    """Median CPU seconds of `fn()` over `repeats` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def spread(values) -> dict:
    """``{"min", "median", "max", "n"}`` of a list of numbers (``None`` for an empty one)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def percentile(sorted_values, q: float):
    """The ``q`` quantile (0..1) of an already sorted list, nearest rank; None when empty."""
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def child_place():
    """``(cwd, env, where)`` for the children: a neutral folder (``python -c`` puts its cwd first on
    sys.path, which would shadow the sgt_lite under test), the environment as started, and the
    sgt_lite they import. Only when none is importable there is the repository added to PYTHONPATH."""
    import subprocess
    import sys
    import tempfile

    cwd = tempfile.mkdtemp(prefix="sgt-bench-")
    env = dict(ORIGINAL_ENV)
    probe = [sys.executable, "-c", "import os, sgt_lite; print(os.path.dirname(sgt_lite.__file__))"]
    res = subprocess.run(probe, cwd=cwd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
        res = subprocess.run(probe, cwd=cwd, env=env, capture_output=True, text=True)
    return cwd, env, res.stdout.strip() or "?"


def write_json(report: dict, where: str):
    """A benchmark's JSON report to ``where``: a path, or ``-`` for standard output."""
    import json

    text = json.dumps(report, indent=1)
    if where == "-":
        print(text)
    else:
        with open(where, "w") as f:
            f.write(text + "\n")
