import numpy as np
import pytest

from sgt_lite.evaluation import eyes as E
from sgt_lite.motion import MotionTrack

FPS = 25.0


def _min_jerk(tau):
    tau = np.clip(tau, 0, 1)
    return tau ** 3 * (10 - 15 * tau + 6 * tau ** 2)


def _saccade_track(events, seconds=30.0, fps=FPS, sub=40):
    """Gaze rendered at ``sub`` x the frame rate with main-sequence saccades, then sampled at ``fps``.

    ``events``: [(onset s, yaw step deg, pitch step deg)].
    """
    t = np.arange(int(seconds * fps * sub)) / (fps * sub)
    g = np.zeros((t.size, 2))
    for t0, dy, dp in events:
        amp = np.hypot(dy, dp)
        s = _min_jerk((t - t0) / (0.021 + 0.0022 * amp))
        g[:, 0] += dy * s
        g[:, 1] += dp * s
    g = g[::sub]
    return MotionTrack.from_channels(fps, gaze_yaw=g[:, 0], gaze_pitch=g[:, 1])


def test_known_saccades_are_counted_with_their_amplitudes():
    rng = np.random.default_rng(3)
    onsets = np.sort(rng.uniform(1, 29, 12))
    onsets = onsets[np.concatenate([[True], np.diff(onsets) > 0.5])]     # at least 0.5 s apart
    amps = rng.uniform(4, 15, onsets.size)
    angle = rng.uniform(0, 2 * np.pi, onsets.size)
    signs = np.where(np.arange(onsets.size) % 2, -1, 1)                    # back and forth, stays near centre
    events = [(t0, s * a * np.cos(b), s * a * np.sin(b)) for t0, a, b, s in zip(onsets, amps, angle, signs)]
    track = _saccade_track(events)
    s = E.detect_saccades(E.gaze_of(track), FPS)
    assert len(s) == onsets.size
    np.testing.assert_allclose(s.onsets_s, onsets, atol=1.5 / FPS)
    np.testing.assert_allclose(np.sort(s.amplitude), np.sort(amps), rtol=0.02, atol=0.05)
    assert s.path_share() == pytest.approx(1.0, abs=1e-9)                  # gaze only moves in saccades
    assert (s.peak_speed >= 75).all()


def test_sub_frame_onsets_never_split_or_lose_a_saccade():
    # a 10 deg saccade lasts 43 ms: at 25 fps it lands in one or two frame steps, whatever its phase
    for phase in np.linspace(0, 1, 9, endpoint=False):
        track = _saccade_track([(2.0 + phase / FPS, 10.0, 0.0)], seconds=4.0)
        s = E.detect_saccades(E.gaze_of(track), FPS)
        assert len(s) == 1, phase
        assert s.amplitude[0] == pytest.approx(10.0, abs=0.01)


def test_slow_moves_small_steps_and_spikes_are_not_saccades():
    n = 500
    g = np.zeros((n, 2))
    g[50:100, 0] = np.linspace(0, 20, 50)            # smooth pursuit at 10 deg/s
    g[100:, 0] = 20.0
    g[150:154, 0] += np.linspace(0, 16, 4)           # 4 frames at 100 deg/s: too slow a "saccade"
    g[154:, 0] += 16.0
    g[200:, 1] = 1.5                                 # a 1.5 deg step: below 2 deg and 75 deg/s
    g[300, 0] += 12.0                                # a one-frame tracker spike: the median removes it
    track = MotionTrack.from_channels(FPS, gaze_yaw=g[:, 0], gaze_pitch=g[:, 1])
    s = E.detect_saccades(E.gaze_of(track), FPS)
    assert len(s) == 0
    assert s.path_share() == 0.0
    big = g.copy()
    big[400:, 0] += 5.0                              # one real 5 deg jump
    s = E.detect_saccades(E.gaze_of(MotionTrack.from_channels(FPS, gaze_yaw=big[:, 0], gaze_pitch=big[:, 1])), FPS)
    assert len(s) == 1 and s.start[0] == 399 and s.amplitude[0] == pytest.approx(5.0)


def test_gaze_shift_hidden_by_a_blink_shows_as_one_jump_on_reopening():
    n = 200
    yaw = np.zeros(n)
    yaw[100:] = 8.0
    yaw[96:104] = -30.0                              # garbage while the lid covers the iris
    valid = np.ones((n, 6), bool)
    valid[96:104, 3:5] = False
    track = MotionTrack(FPS, np.c_[np.zeros((n, 3)), yaw, np.zeros(n), np.zeros(n)], valid)
    s = E.detect_saccades(E.gaze_of(track), FPS)
    assert len(s) == 1
    assert s.end[0] == 104 and s.amplitude[0] == pytest.approx(8.0)


def test_fixations_are_the_intervals_between_saccades():
    track = _saccade_track([(1.0, 6, 0), (3.0, -6, 0), (3.5, 6, 0)], seconds=5.0)
    s = E.detect_saccades(E.gaze_of(track), FPS)
    assert len(s) == 3
    np.testing.assert_allclose(s.fixations_s(), [2.0, 0.5], atol=2.0 / FPS)


def test_off_centre_fraction_and_offsets_at_utterance_phases():
    n = 1000
    g = np.zeros((n, 2))
    g[:300, 0] = 10.0                                # 30% of the time 10 deg away
    assert E.off_centre_fraction(g) == pytest.approx(0.3)
    assert E.off_centre_fraction(g, deg=12.0) == 0.0
    g = np.zeros((n, 2))
    for a in (100, 500):                             # look away at each utterance's start
        g[a:a + 20, 0] = 9.0                         # 0.8 s, longer than the 0.5 s window
    start, mid, end = E.offsets_at_phases(g, FPS, [(100, 300), (500, 700), (900, 920)])
    assert len(start) == 2                           # the 0.8 s utterance is too short for three phases
    assert start == [9.0, 9.0] and mid == [0.0, 0.0] and end == [0.0, 0.0]


def test_hold_invalid_and_median3_edges():
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    np.testing.assert_array_equal(E.hold_invalid(x, [False, True, False, True])[:, 0], [2, 2, 2, 4])
    np.testing.assert_array_equal(E.hold_invalid(x, [False] * 4), np.zeros((4, 1)))
    np.testing.assert_array_equal(E.median3(np.array([0.0, 9.0, 0.0, 0.0, 5.0, 5.0])), [0, 0, 0, 0, 5, 5])
    assert len(E.detect_saccades(np.zeros((1, 2)), FPS)) == 0
