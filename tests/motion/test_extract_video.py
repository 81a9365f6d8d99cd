"""MediaPipe extraction on the shared videos (needs the extract extra)."""
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("mediapipe")

from sgt_lite.motion import MotionTrack, load_3dmm  # noqa: E402
from sgt_lite.motion.extract_video import landmarks_from_video, track_from_landmarks  # noqa: E402


@pytest.fixture(scope="module")
def feifeili(styletalk):
    lm, fps = landmarks_from_video(styletalk / "video" / "feifeili_clip1.mp4", progress=False)
    pose = load_3dmm(styletalk / "pose" / "feifeili_clip1.mat")
    off = lm.shape[0] - len(pose)
    return lm[off:off + len(pose)], fps, pose


def test_pose_agrees_with_the_3dmm_fit(styletalk):
    lm, fps = landmarks_from_video(styletalk / "video" / "Obama_clip2.mp4", progress=False)
    pose = load_3dmm(styletalk / "pose" / "Obama_clip2.mat")
    off = lm.shape[0] - len(pose)
    assert off == 2
    tr = track_from_landmarks(lm[off:off + len(pose)], fps)
    r = [np.corrcoef(tr.motion[:, i], pose.motion[:, i])[0, 1] for i in range(3)]
    # README of the shared data: about 0.98 (yaw), 0.85 (pitch), 0.99 (roll)
    assert r[0] > 0.95 and r[1] > 0.80 and r[2] > 0.97, r
    rmse = np.sqrt(np.mean((tr.motion[:, :3] - pose.motion[:, :3]) ** 2, axis=0))
    assert (rmse[[0, 2]] < 2.5).all(), rmse


def test_signs_match_what_the_video_shows(feifeili):
    """Independent of any rotation maths: the nose tip sits right of the eye-corner midpoint
    in the image when the speaker turns to her own left, and the eye line tilts."""
    lm, fps, pose = feifeili
    tr = track_from_landmarks(lm, fps)
    eyes_mid_x = (lm[:, 33, 0] + lm[:, 263, 0]) / 2
    nose_right = (lm[:, 1, 0] - eyes_mid_x) / (lm[:, 263, 0] - lm[:, 33, 0])
    k = int(np.argmax(pose.head_yaw))            # the clearest turn
    assert pose.head_yaw[k] > 15 and tr.head_yaw[k] > 15
    assert nose_right[k] > 0.1                   # nose visibly to the image's right
    tilt = -np.degrees(np.arctan2(lm[:, 263, 1] - lm[:, 33, 1], lm[:, 263, 0] - lm[:, 33, 0]))
    assert np.corrcoef(tilt, pose.head_roll)[0, 1] > 0.9    # right ear down = positive roll
    assert np.corrcoef(tilt, tr.head_roll)[0, 1] > 0.9


def test_gaze_and_blinks_are_plausible(feifeili):
    lm, fps, _ = feifeili
    tr = track_from_landmarks(lm, fps)
    blinks = np.sum(np.diff((tr.blink > 0.5).astype(int)) == 1)
    assert 1 <= blinks <= 20                     # 10 s clip; humans blink 6-47/min here
    assert not tr.valid[tr.blink > 0.5, 3].any()  # gaze masked during blinks
    assert 0.3 < np.std(tr.gaze_yaw) < 15


def test_cli_extract_writes_a_track_with_a_progress_bar(styletalk, tmp_path):
    out = tmp_path / "t.npz"
    res = subprocess.run([sys.executable, "-m", "sgt_lite", "extract",
                          str(styletalk / "video" / "feifeili_clip3.mp4"),
                          "--audio", str(styletalk / "wav" / "feifeili_clip3.wav"), "-o", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "212/212 frames" in res.stderr
    assert "audio lag" in res.stdout and "gaze confidence" in res.stdout
    tr = MotionTrack.load(out)
    assert len(tr) == 212 and tr.audio_path.endswith("feifeili_clip3.wav")
    assert tr.lag is not None and "pitch_reversals" in tr.meta
    assert MotionTrack.load(out, raw=True).motion.shape == tr.motion.shape


def test_extract_finds_the_edtalk_obama_lag_from_the_video_sound(talking):
    """End to end on a real clip with its own sound track: MediaPipe, ffmpeg, lag, smoothing."""
    from sgt_lite.motion.corpus import extract
    from sgt_lite.motion.media import have_ffmpeg

    if not have_ffmpeg():
        pytest.skip("ffmpeg is not installed")
    tr, arrays = extract(talking / "video" / "edtalk_obama.mp4", speaker="Obama", progress=False)
    assert len(tr) == 500 and tr.fps == 25.0 and tr.audio_path.endswith("edtalk_obama.mp4")
    assert 0.20 <= tr.lag <= 0.30 and tr.meta["lag_applied"] and tr.audio_offset == pytest.approx(tr.lag)
    assert tr.meta["pitch_reversals"] < 0.5 * tr.meta["pitch_reversals_raw"]
    assert tr.gaze_confidence == 1.0 and tr.meta["face_rate"] == 1.0
    assert arrays["motion_raw"].shape == tr.motion.shape and arrays["mouth"].shape == (500,)
