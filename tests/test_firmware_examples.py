import pathlib
import subprocess

import numpy as np

from sgt_lite.audio import SAMPLE_WAV, Frontend, read_wav

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_mfcc_stdin_example_builds_and_matches_the_python_frontend(tmp_path, build_c):
    csrc = REPO / "sgt_lite" / "audio" / "csrc"
    exe = build_c(tmp_path / "mfcc_stdin", [csrc / "sgt_mfcc.c", REPO / "firmware_examples/mfcc_stdin/main.c"], csrc)
    x, _ = read_wav(SAMPLE_WAV)
    pcm = np.round(x[:16000] * 32768).astype("<i2")
    out = subprocess.run([str(exe)], input=pcm.tobytes(), capture_output=True, check=True).stdout
    got = np.loadtxt(out.decode().splitlines())
    ref = Frontend().process(pcm)
    assert got.shape == ref.shape == (98, 14)
    np.testing.assert_allclose(got, ref, atol=2e-3)  # printed with 3 decimals
