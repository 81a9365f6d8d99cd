"""The listening prior: fitted to real eye tracking, and alive in silence when rendered."""
import json

import numpy as np
import pytest

from sgt_lite.errors import DataFormatError, ModelFileError
from sgt_lite.events import EyeRenderer, GazePrior
from sgt_lite.events.fit_listening import PRIOR_FILE, fit, fit_shifted_lognormal, main, read_fixations

FPS = 25.0


def _csv_median_fixation_s(path, mode):
    d = read_fixations(path)
    return float(np.median(d["duration_ms"][d["mode"] == mode])) / 1000.0


def _listen(seconds, seed):
    r = EyeRenderer(seed=seed)
    return r.step(n_frames=int(seconds * FPS), listening=True)


def _fixation_durations(events):
    sac = [e for e in events if e.kind == "saccade"]
    return np.array([b.t - (a.t + a.duration) for a, b in zip(sac[:-1], sac[1:])])


def test_the_shipped_prior_is_what_the_csv_gives(fixations_csv, tmp_path):
    out = tmp_path / "prior.json"
    assert main([str(fixations_csv), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == json.loads(PRIOR_FILE.read_text())


@pytest.mark.parametrize("mode", ["LISTEN", "SPEAK"])
def test_simulated_fixations_have_the_real_median_duration(fixations_csv, mode):
    real = _csv_median_fixation_s(fixations_csv, mode)
    r = EyeRenderer(seed=3, listening_prior=GazePrior.load(mode))
    out = r.step(n_frames=int(600 * FPS), listening=True)
    sim = np.median(_fixation_durations(out.events))
    assert abs(sim / real - 1) < 0.2, (sim, real)


def test_simulated_fixations_match_the_shipped_median_without_the_data():
    prior = json.loads(PRIOR_FILE.read_text())
    real = prior["modes"]["LISTEN"]["fixation_s"]["median_data"]
    sim = np.median(_fixation_durations(_listen(600, seed=4).events))
    assert abs(sim / real - 1) < 0.2


def test_listening_gaze_keeps_moving_blinks_at_a_human_rate_and_stays_near_the_listener():
    out = _listen(300, seed=5)
    minutes = 5.0
    blinks = sum(e.kind == "blink" for e in out.events) / minutes
    saccades = [e for e in out.events if e.kind == "saccade"]
    assert 12 <= blinks <= 30
    assert len(saccades) / minutes > 60
    # no freezes: the longest fixations last a few seconds, as the real ones (99% < 1 s) do
    gaps = np.diff([e.t for e in saccades])
    assert np.quantile(gaps, 0.99) < 1.5 and gaps.max() < 4.0
    prior = GazePrior.load("LISTEN")
    assert np.abs(out.gaze_yaw).max() < prior.spread_yaw + 1.5
    assert np.abs(out.gaze_pitch).max() < prior.spread_pitch + 1.5
    assert out.blink.max() == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_listening_brings_an_averted_gaze_back_in_one_shift(net_outputs, seed):
    n = 25 * 4
    s, b, t, _ = net_outputs(n, saccades_per_min=300, seed=seed)
    r = EyeRenderer(seed=seed)
    t[:, r.config.grid.cell_of(-17.0, 10.0)] = 30.0          # look far away, up-left
    away = r.step(s, b, t, np.tile([-20.0, 20.0, -20.0], (n, 1)))
    assert away.gaze_yaw[-1] < -10 and away.gaze_pitch[-1] > 5
    back = r.step(n_frames=50, listening=True)
    prior = GazePrior.load("LISTEN")
    first = next(e for e in back.events if e.kind == "saccade")
    assert (first.yaw / prior.spread_yaw) ** 2 + (first.pitch / prior.spread_pitch) ** 2 <= 1.0
    assert first.t - n / 25.0 < 1.0           # within 1 s of the switch
    inside = (back.gaze_yaw / prior.spread_yaw) ** 2 + (back.gaze_pitch / prior.spread_pitch) ** 2 <= 1.2
    assert inside[-25:].all()


def test_hazard_is_zero_before_the_shift_and_sums_to_the_survival():
    prior = GazePrior.load("LISTEN")
    assert prior.saccade_prob(0.0, prior.shift - 0.001) == 0.0
    ages = np.arange(0, 3, 0.04)
    surv = np.prod([1 - prior.saccade_prob(a, a + 0.04) for a in ages])
    assert surv == pytest.approx(prior.fixation_survival(3.0), rel=1e-6, abs=1e-12)
    assert prior.fixation_survival(prior.median_fixation_s) == pytest.approx(0.5)


def test_shifted_lognormal_fit_recovers_known_parameters():
    rng = np.random.default_rng(0)
    x = 0.08 + np.exp(rng.normal(-2.0, 0.7, 20000))
    shift, mu, sigma, _ = fit_shifted_lognormal(x)
    assert abs(shift - 0.08) < 0.005 and abs(mu + 2.0) < 0.05 and abs(sigma - 0.7) < 0.03


def test_bad_prior_files_raise_clear_errors(tmp_path):
    with pytest.raises(ModelFileError, match="fit_listening"):
        GazePrior.load(path=tmp_path / "missing.json")
    (tmp_path / "p.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ModelFileError, match="format"):
        GazePrior.load(path=tmp_path / "p.json")
    good = json.loads(PRIOR_FILE.read_text())
    del good["modes"]["LISTEN"]["fixation_s"]["sigma"]
    (tmp_path / "q.json").write_text(json.dumps(good))
    with pytest.raises(ModelFileError, match="sigma"):
        GazePrior.load(path=tmp_path / "q.json")
    with pytest.raises(ModelFileError, match="mode"):
        GazePrior.load("SING")
    (tmp_path / "bad.csv").write_text("participant,mode\n0,LISTEN\n")
    with pytest.raises(DataFormatError, match="missing columns"):
        fit(tmp_path / "bad.csv")
