"""Saccades, blinks and fixations look like a person's: main sequence, lid waveform, steady fixations."""
import math

import numpy as np

from sgt_lite.events import EyeConfig, EyeRenderer, GazeGrid
from sgt_lite.events.blink import lid_closure
from sgt_lite.events.saccade import Movement, min_jerk

FPS = 25.0


def _peak_frame_speed(amplitude, duration, phase, fps=FPS):
    """Peak frame-to-frame speed of one saccade sampled at fps, starting ``phase`` frames after a frame."""
    m = Movement((0.0, 0.0), (amplitude, 0.0), t0=phase / fps, duration=duration)
    t = np.arange(-2, 8) / fps
    y = np.array([m.at(v)[0] for v in t])
    return np.abs(np.diff(y)).max() * fps


def test_min_jerk_profile_is_symmetric_and_peaks_at_1_875_times_mean_speed():
    tau = np.linspace(0, 1, 20001)
    s = np.array([min_jerk(v) for v in tau])
    v = np.gradient(s, tau)
    assert np.all(np.diff(s) >= 0)
    np.testing.assert_allclose(s, 1 - s[::-1], atol=1e-12)
    assert abs(tau[np.argmax(v)] - 0.5) < 1e-3
    assert abs(v.max() - 1.875) < 1e-3


def test_ten_degree_saccade_is_as_fast_as_25_fps_can_show():
    # a 10 deg saccade lasts 43 ms; at 25 fps no monotone path can step more than 10 deg between
    # two frames (250 deg/s), and ours comes within 1% of that when the onset phase allows
    cfg = EyeConfig()
    dur = cfg.saccade_duration(10.0)
    assert math.isclose(dur, 0.043)
    peaks = np.array([_peak_frame_speed(10.0, dur, ph) for ph in np.linspace(0, 1, 201)])
    assert peaks.max() >= 0.99 * 250.0
    assert peaks.min() >= 0.5 * 250.0            # even split over two frames: 5 deg a frame
    assert np.median(peaks) >= 150.0
    # its true (continuous) peak speed is on the main sequence: about 436 deg/s
    m = Movement((0.0, 0.0), (10.0, 0.0), 0.0, dur)
    assert 400 < (m.at(dur / 2 + 1e-5)[0] - m.at(dur / 2 - 1e-5)[0]) / 2e-5 < 480
    # larger saccades clear 250 deg/s at 25 fps for most onset phases
    peaks15 = np.array([_peak_frame_speed(15.0, cfg.saccade_duration(15.0), ph) for ph in np.linspace(0, 1, 201)])
    assert np.mean(peaks15 >= 250.0) > 0.5


def _scripted_saccades(n_saccades, yaw_a, yaw_b, grid, fps=FPS, per=25):
    """Outputs that start one saccade every ``per`` frames, alternating between the (off-centre) cells
    holding yaw_a and yaw_b."""
    n = n_saccades * per
    s = np.full(n, -30.0)
    s[::per] = 30.0
    t = np.full((n, grid.n_cells), -30.0)
    for i in range(n_saccades):
        t[i * per:(i + 1) * per, grid.cell_of(yaw_b if i % 2 == 0 else yaw_a, 0.5)] = 30.0
    return s, np.full(n, -30.0), t, np.tile([-30.0, 30.0, -30.0], (n, 1))   # aversion: off the centre cell


def test_rendered_saccades_follow_the_main_sequence_and_are_fast(frame_speed):
    grid = GazeGrid(n_yaw=40, n_pitch=24, yaw_deg=20.0, pitch_deg=12.0)     # 1-degree cells
    cfg = EyeConfig(grid=grid, microsaccade_per_s=0.0, drift_deg_per_s=0.0, mutual_deg=0.0)
    r = EyeRenderer(cfg, seed=3)
    out = r.step(*_scripted_saccades(120, -5.0, 5.0, grid))
    sac = [e for e in out.events if e.kind == "saccade"]
    assert len(sac) == 120
    amp = np.array([e.amplitude for e in sac])
    dur = np.array([e.duration for e in sac])
    law = cfg.saccade_duration(amp)
    assert np.all(np.abs(dur / law - 1) <= cfg.saccade_jitter + 1e-9)
    assert amp[1:].min() > 8.5 and amp.max() < 11.6
    speed = frame_speed(np.stack([out.gaze_yaw, out.gaze_pitch], 1))
    ratio = []
    for e in sac[1:]:
        k = int(e.t * FPS)
        ratio.append(speed[k:k + 4].max() / (e.amplitude * FPS))
    ratio = np.array(ratio)
    assert ratio.min() >= 0.5 and np.median(ratio) >= 0.6 and ratio.max() >= 0.97
    ten_plus = [speed[int(e.t * FPS):int(e.t * FPS) + 4].max() for e in sac[1:] if e.amplitude >= 10.0]
    assert max(ten_plus) >= 250.0


def test_blink_waveform_closes_fully_and_reopens_twice_as_slowly():
    cfg = EyeConfig()
    t = np.arange(0, 0.5, 0.0005)
    lid = np.array([lid_closure(v, cfg.blink_close_s, cfg.blink_hold_s, cfg.blink_open_s) for v in t])
    assert lid.max() == 1.0
    shut = np.flatnonzero(lid >= 1.0)
    moving = np.flatnonzero(lid > 0.0)
    close_s = t[shut[0]] - t[moving[0]] + 0.0005
    open_s = t[moving[-1]] - t[shut[-1]] + 0.0005
    assert 0.07 <= close_s <= 0.1
    assert abs(open_s / close_s - 2.0) < 0.05
    assert np.all(np.diff(lid[: shut[0] + 1]) >= 0) and np.all(np.diff(lid[shut[-1]:]) <= 0)


def test_every_rendered_blink_reaches_full_closure_at_25_fps():
    n = 25 * 120
    r = EyeRenderer(seed=5)
    out = r.step(np.full(n, -30.0), np.full(n, -1.5), np.zeros((n, 35)), np.zeros((n, 3)))
    blinks = [e for e in out.events if e.kind == "blink"]
    assert len(blinks) > 100
    for e in blinks:
        k = int(e.t * FPS)
        assert out.blink[k:k + 12].max() >= 0.9, e
        # reopening takes about twice as long as closing, whatever the scatter
        assert 0.07 * 0.85 - 1e-9 <= (e.duration - EyeConfig().blink_hold_s) / 3 <= 0.1 * 1.15 + 1e-9


def test_blinks_never_overlap_whatever_the_hazard():
    n = 25 * 60
    cfg = EyeConfig()
    out = EyeRenderer(cfg, seed=2).step(np.full(n, -30.0), np.full(n, 30.0), np.zeros((n, 35)), np.zeros((n, 3)))
    b = [e for e in out.events if e.kind == "blink"]
    gaps = np.array([b2.t - (b1.t + b1.duration) for b1, b2 in zip(b[:-1], b[1:])])
    assert gaps.min() >= cfg.blink_refractory_s - 1e-9
    assert np.all(out.blink <= 1.0) and np.all(out.blink >= 0.0)
    # with the lid blinking as often as allowed, it still opens fully between blinks
    assert (out.blink == 0.0).mean() > 0.2


def test_large_saccades_carry_a_blink_small_ones_do_not():
    grid = GazeGrid(n_yaw=40, n_pitch=24)
    cfg = EyeConfig(grid=grid, microsaccade_per_s=0.0, mutual_deg=0.0)
    big = EyeRenderer(cfg, seed=4).step(*_scripted_saccades(200, -8.5, 8.5, grid))     # ~17 deg
    small = EyeRenderer(cfg, seed=4).step(*_scripted_saccades(200, -3.5, 3.5, grid))   # ~7 deg

    def carried(out):
        sac = [e for e in out.events if e.kind == "saccade"][1:]
        blink_t = {e.t for e in out.events if e.kind == "blink"}
        return np.mean([e.t in blink_t for e in sac])

    assert abs(carried(big) - cfg.blink_saccade_prob) < 0.12
    assert carried(small) == 0.0


def test_fixations_hold_with_slow_drift_and_rare_microsaccades(frame_speed):
    n = 25 * 120
    cfg = EyeConfig()
    out = EyeRenderer(cfg, seed=7).step(np.full(n, -30.0), np.full(n, -30.0), np.zeros((n, 35)), np.zeros((n, 3)))
    gaze = np.stack([out.gaze_yaw, out.gaze_pitch], 1)
    micro = [e for e in out.events if e.kind == "microsaccade"]
    assert not [e for e in out.events if e.kind != "microsaccade"]
    assert 1.0 <= len(micro) / 120.0 <= 2.0
    assert max(e.amplitude for e in micro) < 1.0
    assert np.abs(gaze).max() < 1.5                     # microsaccades correct towards the fixation point
    speed = frame_speed(gaze)
    busy = np.zeros(n - 1, bool)
    for e in micro:
        k = int(e.t * FPS)
        busy[k:k + 2] = True
    assert speed[~busy].mean() < 0.5 and speed[~busy].max() < 2.0
    assert speed[~busy].mean() > 0.05                   # alive, not frozen
