"""Shaper invariants: range, velocity and acceleration never exceeded; NaN never forwarded."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sgt_lite.animator import Frame
from sgt_lite.errors import ConfigError
from sgt_lite.shaping import HeadProfile, MotionShaper, RateLimiter

PROFILES = ("pan_tilt", "neck3_eyes2_lids", "display_eyes")
EPS = 1e-6


def _check(profile, commands, dt):
    joints = profile.joints
    for name, j in joints.items():
        x = np.array([c.joints[name] for c in commands])
        assert np.isfinite(x).all()
        assert (x >= j.min - EPS).all() and (x <= j.max + EPS).all(), name
        v = np.diff(np.concatenate([[j.neutral], x])) / dt
        assert np.abs(v).max() <= j.max_vel * (1 + 1e-6) + EPS, (name, np.abs(v).max())
        a = np.diff(np.concatenate([[0.0], v])) / dt
        assert np.abs(a).max() <= j.max_acc * (1 + 1e-6) + 1e-3, (name, np.abs(a).max())


def _stream(shaper, frames, n_ticks):
    """Ticks ``n_ticks`` times, pushing each frame once the shaper's clock reaches its time,
    as a live stream delivers them (the shaper keeps frames at most MAX_LEAD_S ahead)."""
    cmds, i = [], 0
    for k in range(1, n_ticks + 1):
        while i < len(frames) and frames[i].t <= k * shaper.dt + 1e-9:
            shaper.push(frames[i])
            i += 1
        cmds.append(shaper.tick())
    return cmds


values = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                   st.floats(-1e6, 1e6), st.floats(-90, 90))


@settings(max_examples=60, deadline=None)
@given(profile=st.sampled_from(PROFILES),
       frames=st.lists(st.tuples(*[values] * 6), min_size=1, max_size=60),
       intensity=st.floats(0.0, 3.0), look=st.tuples(st.floats(-90, 90), st.floats(-90, 90)))
def test_any_model_output_stays_within_limits(profile, frames, intensity, look):
    shaper = MotionShaper(profile, intensity=intensity)
    shaper.look_at(*look)
    cmds = []
    for k, f in enumerate(frames):
        shaper.push(Frame(k * 0.04, *f))
        cmds += [shaper.tick(), shaper.tick()]
    cmds += [shaper.tick() for _ in range(30)]       # and into idle
    _check(shaper.profile, cmds, shaper.dt)


def test_rate_limiter_settles_without_overshoot():
    r = RateLimiter(-60, 60, max_vel=150, max_acc=900)
    xs = [r.step(40.0, 0.02) for _ in range(200)]
    assert max(xs) <= 40.0 + 1e-9 and xs[-1] == pytest.approx(40.0)
    assert all(b >= a - 1e-12 for a, b in zip(xs, xs[1:]))     # monotone approach
    xs = [r.step(-60.0, 0.02) for _ in range(200)]
    assert min(xs) >= -60.0 and xs[-1] == pytest.approx(-60.0)


def test_nan_target_is_ignored():
    r = RateLimiter(-10, 10, 100, 1000)
    r.step(5, 0.02)
    for bad in (math.nan, math.inf, -math.inf, None):
        assert math.isfinite(r.step(bad, 0.02))


def test_gaze_folds_into_the_neck_without_eyes_and_roll_is_dropped():
    s = MotionShaper("pan_tilt")
    cmds = _stream(s, [Frame(k * 0.04, 0.0, 0.0, 10.0, 20.0, 0.0, 0.0) for k in range(50)], 99)
    assert "head_roll" not in cmds[-1].joints
    assert cmds[-1].joints["head_yaw"] == pytest.approx(10.0, abs=0.5)   # 0.5 x 20 deg of gaze


def test_vor_keeps_eye_contact_during_a_nod():
    s = MotionShaper("neck3_eyes2_lids")
    t = np.arange(0, 2, 0.04)
    nod = -8 * np.sin(np.pi * np.clip((t - 0.5) / 0.5, 0, 1))
    cmds = _stream(s, [Frame(t[k], 0.0, float(p), 0.0, 0.0, 0.0, 0.0) for k, p in enumerate(nod)], 94)
    head = np.array([c.joints["head_pitch"] for c in cmds])
    eyes = np.array([c.joints["eye_pitch"] for c in cmds])
    assert head.min() < -6                                   # the head nods ...
    assert np.abs(head + eyes).max() < 0.6                   # ... and the eyes hold the listener


def test_look_at_moves_the_neck_and_aversion_happens_around_it():
    s = MotionShaper("neck3_eyes2_lids")
    s.look_at(20.0, 5.0)
    c = _stream(s, [Frame(k * 0.04, 0.0, 0.0, 0.0, -6.0, 0.0, 0.0) for k in range(100)], 199)[-1]
    assert c.joints["head_yaw"] == pytest.approx(20.0, abs=0.5)
    assert c.joints["eye_yaw"] == pytest.approx(-6.0, abs=0.5)


def test_idle_never_freezes_and_blinks():
    s = MotionShaper("neck3_eyes2_lids", seed=3)
    cmds = [s.tick() for _ in range(50 * 20)]                # 20 s, no speech at all
    assert s.idle_active
    eyes = np.array([c.joints["eye_yaw"] for c in cmds])
    lids = np.array([c.joints["eyelid"] for c in cmds])
    assert len(np.unique(np.round(eyes, 2))) > 20
    assert np.sum((lids[1:] > 0.5) & (lids[:-1] <= 0.5)) >= 2


def test_deadband_holds_small_changes():
    s = MotionShaper("pan_tilt")
    s.push(Frame(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    for k in range(40):
        s.push(Frame(0.04 * (k + 1), 0.1 * (k % 2), 0.0, 0.0, 0.0, 0.0, 0.0))
        s.tick(0.04 * (k + 1))
    assert s.tick(1.7).joints["head_yaw"] == 0.0


def test_bad_profiles(tmp_path):
    with pytest.raises(ConfigError, match="bundled profiles"):
        HeadProfile.load("no_such_head")
    p = tmp_path / "p.toml"
    p.write_text("[joints.head_yaw]\nmin = 10\nmax = -10\nmax_vel = 1\nmax_acc = 1\n")
    with pytest.raises(ConfigError, match="min < max"):
        HeadProfile.load(p)
    p.write_text("[joints.tail]\nmin = 0\nmax = 1\nmax_vel = 1\nmax_acc = 1\n")
    with pytest.raises(ConfigError, match="unknown joint"):
        HeadProfile.load(p)
    p.write_text("not toml [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        HeadProfile.load(p)
