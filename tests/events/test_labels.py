"""Training labels from gaze/blink tracks: they recover the events the renderer drew."""
import numpy as np
import pytest

from sgt_lite.errors import DataFormatError
from sgt_lite.events import EyeConfig, EyeRenderer
from sgt_lite.events.labels import blink_onsets, event_labels, onset_logit

FPS = 25.0


def _match(truth, found, tol=1):
    """(recall, precision) of frame indices within ``tol`` frames."""
    truth, found = np.asarray(truth), np.asarray(found)
    if len(truth) == 0 or len(found) == 0:
        return 0.0, 0.0
    recall = np.mean([np.abs(found - t).min() <= tol for t in truth])
    precision = np.mean([np.abs(truth - f).min() <= tol for f in found])
    return recall, precision


@pytest.fixture(scope="module")
def rendered():
    n = 25 * 180
    rng = np.random.default_rng(0)
    cfg = EyeConfig()
    s = np.full(n, onset_logit(40, FPS))
    b = np.full(n, onset_logit(20, FPS))
    t = rng.normal(0, 2.0, (n, cfg.grid.n_cells))
    st = np.tile([0.0, 0.3, 0.0], (n, 1))
    out = EyeRenderer(cfg, seed=21).step(s, b, t, st)
    gaze = np.stack([out.gaze_yaw, out.gaze_pitch], 1).astype(np.float64)
    return out, gaze, event_labels(gaze, out.blink, FPS, centre=(0.0, 0.0))


def test_labels_recover_the_rendered_saccades(rendered):
    out, gaze, lab = rendered
    sac = [e for e in out.events if e.kind == "saccade" and e.amplitude >= 3.0]
    truth = [int(e.t * FPS) for e in sac]
    found = np.flatnonzero(lab.saccade_onset)
    recall, precision = _match(truth, found)
    assert len(sac) > 60
    assert recall >= 0.9 and precision >= 0.9, (recall, precision)
    # at a recovered onset, the target cell and state labels are those the renderer drew
    grid = EyeConfig().grid
    hits = [(e, found[np.abs(found - int(e.t * FPS)).argmin()]) for e in sac]
    cell_ok = np.mean([lab.target_cell[k] == grid.cell_of(e.yaw, e.pitch) for e, k in hits])
    state_ok = np.mean([lab.gaze_state[k] == e.state for e, k in hits])
    assert cell_ok >= 0.85 and state_ok >= 0.85, (cell_ok, state_ok)


def test_labels_recover_the_rendered_blinks(rendered):
    out, _, lab = rendered
    truth = [int(e.t * FPS) for e in out.events if e.kind == "blink"]
    recall, precision = _match(truth, np.flatnonzero(lab.blink_onset))
    assert len(truth) > 40 and recall >= 0.95 and precision >= 0.95
    sac_rate, blink_rate = lab.rates_per_min()
    assert blink_rate == pytest.approx(len(truth) / 3.0, rel=0.05)


def test_microsaccades_and_drift_are_not_saccades():
    n = 25 * 60
    out = EyeRenderer(seed=1).step(np.full(n, -30.0), np.full(n, -30.0), np.zeros((n, 35)), np.zeros((n, 3)))
    lab = event_labels(np.stack([out.gaze_yaw, out.gaze_pitch], 1), out.blink, FPS)
    assert lab.saccade_onset.sum() == 0 and np.all(lab.gaze_state == 0)


def test_invalid_frames_hold_gaze_and_a_shift_during_a_blink_is_one_saccade():
    g = np.zeros((60, 2))
    g[30:] = [0.0, -8.0]
    g[25:31] = np.nan                 # the lid hides the iris
    valid = np.isfinite(g).all(1)
    b = np.zeros(60)
    b[25:31] = [0.3, 0.9, 1.0, 1.0, 0.7, 0.3]
    lab = event_labels(g, b, FPS, centre=(0.0, 0.0))
    assert np.flatnonzero(lab.saccade_onset).tolist() == [30]     # seen when the eye reopens (frame 31)
    assert np.array_equal(lab.valid, valid)
    assert np.flatnonzero(lab.blink_onset).tolist() == [24]
    assert lab.gaze_state[0] == 1 and lab.target_cell[0] == EyeConfig().grid.cell_of(0.0, -8.0)


def test_slow_drift_is_not_a_saccade_and_blink_onsets_walk_back_to_the_rise():
    g = np.zeros((100, 2))
    g[:, 0] = np.linspace(0, 10, 100)    # 2.5 deg/s
    assert event_labels(g, np.zeros(100), FPS).saccade_onset.sum() == 0
    assert blink_onsets([0, 0, 0.2, 0.4, 0.8, 1.0, 0.5, 0.2, 0]).tolist() == [1]
    assert blink_onsets([np.nan, 0.9, 0.0, 0.0]).tolist() == [0]


def test_bad_tracks_raise():
    with pytest.raises(DataFormatError, match="gaze must be"):
        event_labels(np.zeros(10), np.zeros(10), FPS)
    with pytest.raises(DataFormatError, match="blink must be"):
        event_labels(np.zeros((10, 2)), np.zeros(9), FPS)
    with pytest.raises(DataFormatError, match="fps"):
        event_labels(np.zeros((10, 2)), np.zeros(10), 0)
    empty = event_labels(np.zeros((0, 2)), np.zeros(0), FPS)
    assert empty.saccade_onset.shape == (0,) and empty.rates_per_min() == (0.0, 0.0)
