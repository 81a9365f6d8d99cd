"""The shipped corpus (data/tracks) and the pieces that build it, without MediaPipe."""
import pathlib

import numpy as np
import pytest

from sgt_lite.audio import write_wav
from sgt_lite.motion import CHANNELS, MotionTrack
from sgt_lite.motion.corpus import is_variable_rate, uniform_landmarks
from sgt_lite.motion.dataset import speaker_folds
from sgt_lite.motion.extract_video import (MIN_EYE_PX, canonical_face, eye_width_px, gaze_confidence,
                                           track_from_landmarks)

REPO = pathlib.Path(__file__).resolve().parents[2]
TRACKS = REPO / "data" / "tracks"


@pytest.fixture(scope="module")
def corpus():
    return [MotionTrack.load(f) for f in sorted(TRACKS.glob("*.npz"))]


def _face(eye_px, n=60, seed=0):
    """(n, 478, 3) landmarks of the canonical face scaled so an eye spans ``eye_px`` pixels,
    with the irises wandering a little."""
    rng = np.random.default_rng(seed)
    v = canonical_face()
    v = v * eye_px / np.linalg.norm(v[33, :2] - v[133, :2]) + np.array([300.0, 300.0, 0.0])
    lm = np.zeros((n, 478, 3))
    lm[:, :468] = v
    for k, (a, b) in ((468, (33, 133)), (473, (263, 362))):
        centre = (v[a] + v[b]) / 2
        lm[:, k:k + 5] = centre + np.concatenate([0.05 * eye_px * rng.standard_normal((n, 1, 2)),
                                                  np.zeros((n, 1, 1))], axis=2)
    return lm


def test_gaze_from_small_eyes_is_invalid_and_low_confidence():
    big, small = _face(40.0), _face(MIN_EYE_PX - 3)
    assert np.allclose(eye_width_px(big), 40.0, rtol=0.1)
    tb, ts = track_from_landmarks(big, 25.0), track_from_landmarks(small, 25.0)
    assert tb.valid[:, 3:5].all() and tb.gaze_confidence == 1.0
    assert not ts.valid[:, 3:5].any() and ts.gaze_confidence < 0.1
    assert ts.valid[:, :3].all() and ts.valid[:, 5].all()              # head and lids still count
    assert gaze_confidence(24.0) == 0.5 and gaze_confidence(float("nan")) == 0.0


def test_variable_frame_rate_landmarks_are_put_on_a_uniform_grid():
    times = np.cumsum(np.r_[0.033, np.tile([1 / 30, 1 / 30, 2 / 30], 30)])   # every third frame dropped
    assert is_variable_rate(times, 30.0) and not is_variable_rate(np.arange(50) / 25.0, 25.0)
    lm = np.zeros((times.size, 478, 3))
    lm[:, 0, 0] = 100 * times                                                # moves 100 px/s
    out, start = uniform_landmarks(lm, times, 25.0)
    assert start == pytest.approx(0.033)
    np.testing.assert_allclose(np.diff(out[:, 0, 0]), 4.0, atol=1e-9)        # 100 px/s at 25 fps


def test_load_audio_skips_or_pads_the_audio_offset(tmp_path):
    x = np.zeros(16000, np.float32)
    x[8000] = 0.5                                                            # a click at 0.5 s
    write_wav(tmp_path / "a.wav", x, 16000)
    t = MotionTrack.from_channels(25, head_yaw=np.zeros(25), audio_path=str(tmp_path / "a.wav"))
    for offset, at in ((0.0, 8000), (0.2, 4800), (-0.1, 9600)):
        t.audio_offset = offset
        assert int(np.argmax(t.load_audio(16000))) == at
    t.audio_offset = 0.2
    assert int(np.argmax(t.cropped(0.1, 0.9).audio)) == 4800 - 1600


def test_new_fields_round_trip_and_old_files_still_load(tmp_path):
    t = MotionTrack.from_channels(25, head_pitch=np.arange(50.0), lag=0.24, audio_offset=0.25,
                                  gaze_confidence=0.5, meta={"clip": "x", "lag_z": 7.0})
    raw = t.motion.copy()
    raw[:, 1] += 1
    t.save(tmp_path / "t.npz", motion_raw=raw, mouth=np.ones(50, np.float32))
    back = MotionTrack.load(tmp_path / "t.npz")
    assert (back.lag, back.audio_offset, back.gaze_confidence, back.meta) == (0.24, 0.25, 0.5, t.meta)
    np.testing.assert_array_equal(MotionTrack.load(tmp_path / "t.npz", raw=True).motion, raw)
    old = tmp_path / "old.npz"                                               # the layout before the corpus
    np.savez_compressed(old, motion=t.motion, valid=t.valid, fps=25.0, channels=np.array(CHANNELS),
                        speaker=np.array("s"), source=np.array("x"), audio_path=np.array(""))
    o = MotionTrack.load(old)
    assert o.lag is None and o.audio_offset == 0.0 and o.meta == {} and o.gaze_confidence is None


def test_the_shipped_corpus(corpus):
    assert len(corpus) >= 25
    speakers = {t.speaker for t in corpus}
    assert len(speakers) >= 15
    for t in corpus:
        m = t.meta
        assert t.lag is not None and np.isfinite(t.lag) and abs(t.lag) <= 0.5, m.get("clip")
        assert m["face_rate"] >= 0.94 and 0.0 <= t.gaze_confidence <= 1.0
        assert m["pitch_reversals"] < m["pitch_reversals_raw"]
        expected = m["container_offset"] + (t.lag if m["lag_applied"] else 0.0)
        assert t.audio_offset == pytest.approx(expected)
        assert m["licence"] in ("MIT", "Apache-2.0", "CC-BY-4.0")
    # Obama from StyleTalk and from EDTalk is one speaker
    assert {t.speaker for t in corpus if "obama" in t.source.lower()} == {"Obama"}


def test_raw_motion_is_kept_and_only_the_head_was_smoothed():
    t_raw = MotionTrack.load(TRACKS / "dfrf_cnn2.npz", raw=True)
    t = MotionTrack.load(TRACKS / "dfrf_cnn2.npz")
    assert not np.allclose(t.motion[:, :3], t_raw.motion[:, :3])
    np.testing.assert_array_equal(t.motion[:, 3:], t_raw.motion[:, 3:])
    assert np.corrcoef(t.head_pitch, t_raw.head_pitch)[0, 1] > 0.9


def test_folds_over_the_shipped_corpus(corpus):
    folds = speaker_folds(corpus)
    assert len(folds) >= 4
    held = [s for h, _, _ in folds for s in h]
    assert sorted(held) == sorted({t.speaker for t in corpus})
    for h, train, test in folds:
        assert len(h) >= 4 and not {t.speaker for t in train} & set(h)


def test_notice_licences_and_card_are_current(corpus):
    from sgt_lite.motion.build_corpus import SOURCES, TALKING, dataset_card

    notice = (TRACKS / "NOTICE").read_text()
    for clip in TALKING:
        assert clip in notice
    for src in SOURCES.values():
        assert (TRACKS / "licenses" / src.licence_file).is_file() and src.licence_file in notice
    card = (REPO / "docs" / "dataset_card.md").read_text()
    assert dataset_card(corpus) in card, "docs/dataset_card.md is stale: rerun python -m sgt_lite.motion.build_corpus"


def test_without_ffmpeg_video_audio_is_a_clear_error(tmp_path, monkeypatch):
    import shutil

    from sgt_lite.errors import BackendUnavailableError, ModelFileError
    from sgt_lite.motion import media

    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video")
    t = MotionTrack.from_channels(25, head_yaw=np.zeros(25), audio_path=str(video))
    monkeypatch.setattr(media.shutil, "which", lambda name: None)
    with pytest.raises(BackendUnavailableError, match="apt-get install ffmpeg"):
        t.load_audio()
    monkeypatch.setattr(media.shutil, "which", shutil.which)
    t.audio_path = str(tmp_path / "missing.mp4")
    with pytest.raises(ModelFileError, match="not found"):
        t.load_audio()
