"""sgt-lite demo, render and devices, end to end on the bundled model and sample."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest


def _cli(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "sgt_lite", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kw)


def test_demo_on_the_bundled_sample_to_csv(tmp_path):
    out = tmp_path / "cmds.csv"
    res = _cli("demo", "--fast", "--head", f"csv:{out}", "--profile", "neck3_eyes2_lids")
    assert res.returncode == 0, res.stderr
    assert "playing the bundled sample" in res.stderr or "listening" in res.stderr
    assert "ms CPU per s of audio" in res.stderr and "overflows" in res.stderr
    rows = np.loadtxt(out, delimiter=",", skiprows=1)
    assert rows.shape[1] == 7 and len(rows) > 500           # ~12 s at 50 Hz, plus neutral
    np.testing.assert_allclose(rows[-1, 1:], 0.0)           # back to neutral on exit
    assert np.isfinite(rows).all() and rows[:-1, 1:].std(0).max() > 0.5


def test_render_gif(tmp_path):
    res = _cli("render", "sgt_lite/data/sample.wav", "-o", str(tmp_path / "face.gif"), "--size", "120")
    assert res.returncode == 0, res.stderr
    from PIL import Image

    im = Image.open(tmp_path / "face.gif")
    assert im.n_frames > 100 and im.size == (120, 120)


def test_render_mp4_with_speech(tmp_path):
    if shutil.which("ffmpeg") is None:
        res = _cli("render", "sgt_lite/data/sample.wav", "-o", str(tmp_path / "face.mp4"))
        assert res.returncode == 1 and "needs ffmpeg" in res.stderr
        return
    res = _cli("render", "sgt_lite/data/sample.wav", "-o", str(tmp_path / "face.mp4"), "--size", "160")
    assert res.returncode == 0 and "speech muxed in" in res.stdout
    probe = subprocess.run(["ffmpeg", "-i", str(tmp_path / "face.mp4")], capture_output=True, text=True).stderr
    assert "Video: h264" in probe and "Audio: aac" in probe


def test_devices_lists_three_kinds():
    res = _cli("devices")
    assert res.returncode == 0
    for heading in ("audio devices:", "serial ports:", "I2C buses:"):
        assert heading in res.stdout


def test_demo_bad_head_is_a_one_line_error():
    res = _cli("demo", "--fast", "--head", "laser")
    errors = [l for l in res.stderr.splitlines() if l.startswith("sgt-lite: error")]
    assert res.returncode == 1 and len(errors) == 1 and "choose one of" in errors[0]
