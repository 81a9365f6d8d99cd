"""Native libraries' notices stay off the terminal: LiteRT's XNNPACK line on every command
that loads the model, mediapipe's absl/glog lines during `extract`; `-v` shows them as debug
log lines, and a native line that is not a notice still reaches the user as a warning."""
import logging
import os
import shutil
import subprocess
import sys

import pytest

from sgt_lite.native_logs import native_stderr_to_log

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHORT_VIDEO = os.path.join(REPO, "..", "shared", "data", "talking", "video", "retalking_face4.mp4")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sgt_lite", *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def test_native_lines_go_to_logging_and_python_stderr_still_shows(capfd, caplog):
    caplog.set_level(logging.DEBUG, logger="sgt_lite.native_logs")
    with native_stderr_to_log():
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"W0000 00:00:1.0 12 inference_feedback_manager.cc:114] Feedback manager ...\n")
        os.write(2, b"E0000 00:00:1.0 12 calculator.cc:1] the graph failed\n")
        sys.stderr.write("progress 3/10\n")
        sys.stderr.flush()
    err = capfd.readouterr().err
    assert "progress 3/10" in err and "XNNPACK" not in err and "Feedback manager" not in err
    levels = {r.getMessage()[:5]: r.levelno for r in caplog.records}
    assert levels["INFO:"] == logging.DEBUG and levels["W0000"] == logging.DEBUG
    assert levels["E0000"] == logging.WARNING
    os.write(2, b"after\n")                                  # fd 2 is back
    assert "after" in capfd.readouterr().err


def test_nested_capture_replays_once(caplog):
    caplog.set_level(logging.DEBUG, logger="sgt_lite.native_logs")
    with native_stderr_to_log():
        with native_stderr_to_log():
            os.write(2, b"INFO: inner\n")
    assert [r.getMessage() for r in caplog.records] == ["INFO: inner"]


def test_animate_prints_no_xnnpack_line():
    pytest.importorskip("ai_edge_litert")
    res = _cli("animate", "--backend", "litert")
    assert res.returncode == 0, res.stderr
    assert "XNNPACK" not in res.stderr + res.stdout
    verbose = _cli("-v", "animate", "--backend", "litert")
    assert "DEBUG sgt_lite.model.backends: INFO: Created TensorFlow Lite XNNPACK delegate" in verbose.stderr


def test_extract_prints_no_mediapipe_lines(tmp_path):
    pytest.importorskip("mediapipe")
    if shutil.which("ffmpeg") is None or not os.path.isfile(SHORT_VIDEO):
        pytest.skip("needs ffmpeg and the shared talking videos")
    clip = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", SHORT_VIDEO, "-t", "0.5", "-an", str(clip)],
                   check=True)
    code = ("import sys; from sgt_lite.motion.extract_video import landmarks_from_video; "
            "lm, fps = landmarks_from_video(sys.argv[1]); print(lm.shape)")
    res = subprocess.run([sys.executable, "-c", code, str(clip)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "478, 3)" in res.stdout
    for noise in ("XNNPACK", "absl::InitializeLog", "W0000", "I0000"):
        assert noise not in res.stderr, res.stderr
    assert "frames" in res.stderr                              # the progress bar still shows
