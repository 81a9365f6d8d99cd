import pathlib
import shutil
import subprocess

import numpy as np
import pytest

from sgt_lite.audio import SAMPLE_WAV, Frontend, read_wav

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_mfcc_stdin_example_builds_and_matches_the_python_frontend(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    csrc = REPO / "sgt_lite" / "audio" / "csrc"
    exe = tmp_path / "mfcc_stdin"
    subprocess.run([cc, "-O2", "-Wall", "-Werror", "-ffp-contract=off", "-I", str(csrc),
                    str(csrc / "sgt_mfcc.c"), str(REPO / "firmware_examples/mfcc_stdin/main.c"),
                    "-lm", "-o", str(exe)], check=True)
    x, _ = read_wav(SAMPLE_WAV)
    pcm = np.round(x[:16000] * 32768).astype("<i2")
    out = subprocess.run([str(exe)], input=pcm.tobytes(), capture_output=True, check=True).stdout
    got = np.loadtxt(out.decode().splitlines())
    ref = Frontend().process(pcm)
    assert got.shape == ref.shape == (98, 14)
    np.testing.assert_allclose(got, ref, atol=2e-3)  # printed with 3 decimals
