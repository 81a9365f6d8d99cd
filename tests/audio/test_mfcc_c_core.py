"""The C core compiled alone with the system compiler: no Python.h, no numpy."""
import pathlib
import subprocess

import numpy as np
import pytest

from sgt_lite.audio import SAMPLE_WAV, Frontend, FrontendConfig, read_wav

CSRC = pathlib.Path(__file__).resolve().parents[2] / "sgt_lite" / "audio" / "csrc"
HARNESS = pathlib.Path(__file__).with_name("c") / "mfcc_golden.c"


@pytest.fixture(scope="module")
def golden_binary(tmp_path_factory, build_c):
    return build_c(tmp_path_factory.mktemp("c") / "mfcc_golden", [CSRC / "sgt_mfcc.c", HARNESS], CSRC)


def test_core_has_no_python_dependency():
    text = (CSRC / "sgt_mfcc.c").read_text() + (CSRC / "sgt_mfcc.h").read_text()
    includes = [line for line in text.splitlines() if line.startswith("#include")]
    assert includes and all(("Python" not in i and "numpy" not in i) for i in includes), includes


@pytest.mark.parametrize("chunk", [1, 7, 160, 4096])
def test_standalone_core_matches_numpy_reference(golden_binary, chunk):
    rng = np.random.default_rng(7)
    t = np.arange(2400) / 16000.0
    x = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    res = subprocess.run([str(golden_binary), str(chunk)], input=x.tobytes(), capture_output=True,
                         check=True)
    got = np.array([[float(v) for v in line.split()] for line in res.stdout.decode().splitlines()])
    ref = Frontend(FrontendConfig(), backend="numpy").process(x)
    assert got.shape == ref.shape == (13, 14)
    np.testing.assert_allclose(got, ref, atol=1e-4)


RAW = pathlib.Path(__file__).resolve().parents[1] / "platform" / "c" / "mfcc_raw.c"


def test_libm_free_decibels_match_log10(tmp_path, build_c):
    """The vectorised 10*log10 of the core stays within a few ulp of libm's log10."""
    exe = build_c(tmp_path / "mfcc_db", [pathlib.Path(__file__).with_name("c") / "mfcc_db.c"], CSRC)
    res = subprocess.run([str(exe)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def _avx2_clone_built(exe):
    nm = subprocess.run(["nm", str(exe)], capture_output=True, text=True)
    return nm.returncode == 0 and "ComputeFrameAvx2" in nm.stdout


def test_avx2_and_baseline_builds_give_identical_bytes(tmp_path, build_c):
    """On x86-64 the frame computation is built twice (AVX2 with 4-wide vectors, SSE2 with
    2-wide ones) and picked from the CPU; the two must agree bit for bit, as the aarch64 build
    must (tests/platform)."""
    import platform

    cpuinfo = pathlib.Path("/proc/cpuinfo")
    has_avx2 = cpuinfo.exists() and " avx2" in cpuinfo.read_text()
    if platform.machine() != "x86_64" or not has_avx2:
        pytest.skip("needs an x86-64 CPU with AVX2")
    cloned = build_c(tmp_path / "raw_cloned", [CSRC / "sgt_mfcc.c", RAW], CSRC)
    if not _avx2_clone_built(cloned):
        pytest.skip("this compiler builds no AVX2 version")
    single = build_c(tmp_path / "raw_single", [CSRC / "sgt_mfcc.c", RAW], CSRC, extra=("-DSGT_MFCC_NO_CLONES",))
    assert not _avx2_clone_built(single)
    rng = np.random.default_rng(3)
    x, _ = read_wav(SAMPLE_WAV)
    x = np.concatenate([x, 0.3 * rng.standard_normal(8000), np.zeros(2000), rng.uniform(-3, 3, 3000),
                        1e-7 * rng.standard_normal(3000), np.full(1000, 1e9)]).astype(np.float32)
    outs = [subprocess.run([str(exe), "37"], input=x.tobytes(), capture_output=True, check=True).stdout
            for exe in (cloned, single)]
    assert len(outs[0]) == 14 * 4 * ((x.size - 400) // 160 + 1)
    assert outs[0] == outs[1]
