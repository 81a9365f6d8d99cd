"""The C core compiled alone with the system compiler: no Python.h, no numpy."""
import pathlib
import subprocess

import numpy as np
import pytest

from sgt_lite.audio import Frontend, FrontendConfig

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
