import numpy as np
import pytest

from sgt_lite.errors import DataFormatError, ModelFileError
from sgt_lite.motion import CHANNELS, MotionTrack, load_generic_csv, load_track


def test_npz_round_trip(tmp_path, obama_track):
    p = tmp_path / "t.npz"
    obama_track.save(p)
    back = MotionTrack.load(p)
    np.testing.assert_array_equal(back.motion, obama_track.motion)
    np.testing.assert_array_equal(back.valid, obama_track.valid)
    assert (back.fps, back.speaker, back.source, back.audio_path) == (
        obama_track.fps, obama_track.speaker, obama_track.source, obama_track.audio_path)


def test_npz_keeps_in_memory_audio(tmp_path):
    t = MotionTrack.from_channels(25, head_yaw=np.ones(50), audio=np.zeros(32000), audio_rate=16000)
    t.save(tmp_path / "a.npz")
    back = MotionTrack.load(tmp_path / "a.npz")
    assert back.audio.shape == (32000,) and back.audio_rate == 16000


def test_csv_export_loads_back(tmp_path, obama_track):
    p = tmp_path / "t.csv"
    obama_track.to_csv(p)
    back = load_track(p)
    assert back.fps == pytest.approx(30.0)
    np.testing.assert_allclose(back.motion, obama_track.motion, atol=1e-4)
    np.testing.assert_array_equal(back.valid, obama_track.valid)


def test_resample_keeps_a_slow_signal():
    t = np.arange(300) / 30
    tr = MotionTrack.from_channels(30, head_yaw=10 * np.sin(2 * np.pi * 0.5 * t))
    r = tr.resampled(25)
    assert r.fps == 25 and len(r) == 250
    np.testing.assert_allclose(r.head_yaw, 10 * np.sin(2 * np.pi * 0.5 * np.arange(250) / 25), atol=0.05)


def test_validation_errors(tmp_path):
    with pytest.raises(DataFormatError, match=r"\(T, 6\)"):
        MotionTrack(fps=30, motion=np.zeros((10, 5)), valid=np.ones(10, bool))
    with pytest.raises(DataFormatError, match="NaN"):
        MotionTrack(fps=30, motion=np.full((3, 6), np.nan), valid=np.ones(3, bool))
    with pytest.raises(DataFormatError, match="unknown channels"):
        MotionTrack.from_channels(30, nod=np.zeros(3))
    with pytest.raises(ModelFileError):
        MotionTrack.load(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(DataFormatError, match="not a MotionTrack"):
        MotionTrack.load(tmp_path / "bad.npz")


def test_generic_csv_aliases_radians_and_missing_channels(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("time,yaw,pitch,eyelid\n0.00,0.1,0.0,0\n0.02,0.2,-0.1,1\n0.04,0.3,-0.2,0\n")
    tr = load_generic_csv(p, angles_in="radians")
    assert tr.fps == 50.0
    np.testing.assert_allclose(tr.head_yaw, np.degrees([0.1, 0.2, 0.3]), atol=1e-5)
    assert tr.blink.tolist() == [0, 1, 0]
    assert not tr.valid[:, CHANNELS.index("gaze_yaw")].any()
    p.write_text("frame,nothing\n1,2\n")
    with pytest.raises(DataFormatError, match="no known channel columns"):
        load_generic_csv(p, fps=30)
