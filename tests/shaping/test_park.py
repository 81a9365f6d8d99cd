"""Parking is paced: one command per servo period, on a deadline schedule, never in a burst."""
import math

import numpy as np
import pytest

from sgt_lite.animator import Frame
from sgt_lite.errors import ConfigError
from sgt_lite.heads.base import HeadDriver
from sgt_lite.shaping import MotionShaper

from .test_shaper import _check, _stream


class StampingHead(HeadDriver):
    """A driver that records when (on the injected clock) each command reached it."""

    def __init__(self, profile, clock, write_cost=0.0):
        self.clock, self.write_cost, self.log = clock, write_cost, []
        super().__init__(profile)

    def _send(self, joints):
        self.log.append((self.clock.now, dict(joints)))
        self.clock.now += self.write_cost


def _away_from_neutral(profile="neck3_eyes2_lids"):
    s = MotionShaper(profile)
    cmds = _stream(s, [Frame(k * 0.04, 40.0, -20.0, 10.0, 15.0, 8.0, 1.0) for k in range(60)], 100)
    assert abs(cmds[-1].joints["head_yaw"]) > 30
    return s, cmds


def test_park_to_writes_one_command_per_servo_period_and_lands_on_neutral(sim_clock):
    s, cmds = _away_from_neutral()
    fake = sim_clock(1000.0)
    head = StampingHead(s.profile, fake)
    t0 = fake.now
    assert s.park_to(head, clock=fake.clock, sleep=fake.sleep) is True
    stamps = np.array([t for t, _ in head.log])
    assert len(stamps) > 15                                  # 40 deg at <= 180 deg/s, 1200 deg/s^2
    np.testing.assert_allclose(np.diff(stamps), s.dt, rtol=0, atol=1e-9)
    assert stamps[0] == pytest.approx(t0 + s.dt)            # one period after the last tick, too
    assert head.log[-1][1] == pytest.approx(s.profile.neutral, abs=1e-9)
    parked = [type(cmds[0])(0.0, j) for _, j in head.log]
    _check(s.profile, cmds + parked, s.dt)                   # range, velocity, acceleration


def test_a_slow_driver_never_gets_a_burst_to_catch_up(sim_clock):
    s, _ = _away_from_neutral()
    fake = sim_clock(1000.0)
    head = StampingHead(s.profile, fake, write_cost=1.7 * s.dt)   # each write costs 1.7 periods
    assert s.park_to(head, clock=fake.clock, sleep=fake.sleep)
    gaps = np.diff([t for t, _ in head.log])
    assert gaps.min() >= s.dt - 1e-9                         # late writes restart the schedule


def test_deadlines_do_not_drift_with_small_write_costs(sim_clock):
    s, _ = _away_from_neutral()
    fake = sim_clock(1000.0)
    head = StampingHead(s.profile, fake, write_cost=0.3 * s.dt)
    assert s.park_to(head, clock=fake.clock, sleep=fake.sleep)
    stamps = np.array([t for t, _ in head.log])
    k = np.arange(len(stamps))
    np.testing.assert_allclose(stamps, stamps[0] + k * s.dt, atol=1e-9)   # start + k*dt, no drift


def test_park_to_stops_at_max_s_and_says_so(sim_clock):
    s, _ = _away_from_neutral()
    fake = sim_clock(1000.0)
    head = StampingHead(s.profile, fake)
    assert s.park_to(head, max_s=0.1, clock=fake.clock, sleep=fake.sleep) is False
    assert len(head.log) <= 0.1 / s.dt + 1
    assert fake.now - 1000.0 <= 0.1 + s.dt + 1e-9


def test_park_to_terminates_even_with_a_clock_that_never_moves(sim_clock):
    s, _ = _away_from_neutral()
    head = StampingHead(s.profile, sim_clock(1000.0))
    s.park_to(head, max_s=0.5, clock=lambda: 5.0, sleep=lambda _: None)
    assert len(head.log) <= 0.5 / s.dt + 2


def test_park_to_with_the_real_clock_returns_at_neutral(sim_clock):
    s = MotionShaper("pan_tilt")
    s.push(Frame(0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    for _ in range(10):
        s.tick()
    fake = sim_clock(1000.0)
    head = StampingHead(s.profile, fake)
    assert s.park_to(head)
    assert head.log[-1][1] == pytest.approx(s.profile.neutral, abs=1e-9)


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, "5"])
def test_park_to_rejects_a_bad_max_s(bad, sim_clock):
    s = MotionShaper("pan_tilt")
    with pytest.raises(ConfigError, match="max_s"):
        s.park_to(StampingHead(s.profile, sim_clock(1000.0)), max_s=bad)


def test_the_unpaced_list_api_is_gone():
    assert not hasattr(MotionShaper("pan_tilt"), "park")
