"""``sgt-lite ros2``'s loop after a microphone backlog or a slow publish (issue #10, defect 1's
class: a burst of servo commands makes the servo jump).

The old loop published every servo period of a backlog back to back (up to 100 joint states
within a millisecond). Now at most one goes out per servo period, and a backlog is skipped.

Fakes sit at the hardware edges only: a sounddevice input stream that delivers 20 ms blocks
of the bundled speech on a simulated clock (holding them during a hiccup, then handing them
over at once), and a stand-in for the ROS publisher (a HeadDriver with ``spin_some`` and
``speaking``, like ``Ros2Head``) that stamps each joint state with that clock. The Animator,
the shaper, the demo's microphone source and ``_ros_loop`` are the real ones. No wall-clock
speed is asserted: time only moves when the code sleeps or the fakes block."""
import threading

import numpy as np
import pytest

from sgt_lite import Animator, demo, ros2_node
from sgt_lite.audio import SAMPLE_WAV, read_wav
from sgt_lite.pacing import MAX_BEHIND_S
from sgt_lite.shaping import MotionShaper

RATE = 16000


@pytest.fixture(scope="module")
def speech():
    x, _ = read_wav(SAMPLE_WAV, sample_rate=RATE)
    return x


def _run(sim_microphone, stamping_head, speech, hiccups=(), slow=None, seconds=6.0):
    sim = sim_microphone(speech, hiccups)
    anim, shaper = Animator(backend="numpy"), MotionShaper("pan_tilt")
    head = stamping_head(shaper.profile, sim, shaper, slow)
    source = demo._MicSource(RATE, sleep=sim.sleep)
    try:
        stats = ros2_node._ros_loop(anim, shaper, head, source, threading.Event(), seconds,
                                    clock=sim.clock, sleep=sim.sleep)
    finally:
        source.close()
    return stats, np.array(head.log), sim.devices[0], shaper, anim


def _bursts(log, dt):
    gaps = np.diff(log[:, 0])
    return gaps, int(np.sum(gaps < 0.5 * dt))


@pytest.mark.parametrize("backlog_s", [1.0, 1.8])
def test_a_microphone_backlog_is_skipped_not_published_in_a_burst(sim_microphone, stamping_head, speech, backlog_s):
    stats, log, dev, shaper, anim = _run(sim_microphone, stamping_head, speech, hiccups=[(2.0, 2.0 + backlog_s)])
    dt = shaper.dt
    gaps, burst = _bursts(log, dt)
    assert burst == 0, f"{burst} joint states less than half a servo period after the one before"
    assert np.median(gaps) == pytest.approx(dt, abs=1e-6)
    assert stats["skipped"] >= 0.8 * backlog_s / dt
    assert stats["commands"] == len(log)
    after = log[:, 0] >= dev.t0 + 2.0 + backlog_s + 0.2
    lag = log[after, 2] - anim.latency_s - log[after, 1]
    assert after.sum() > 50 and lag.max() <= MAX_BEHIND_S + dt, lag.max()


def test_a_publish_that_hangs_once_gets_no_catch_up_burst(sim_microphone, stamping_head, speech):
    stats, log, dev, shaper, anim = _run(sim_microphone, stamping_head, speech, slow={100: 1.5})
    dt = shaper.dt
    gaps, burst = _bursts(log, dt)
    assert burst == 0, f"{burst} joint states less than half a servo period after the one before"
    assert gaps[99] >= 1.5 and np.median(gaps) == pytest.approx(dt, abs=1e-6)
    assert stats["skipped"] >= 0.8 * 1.5 / dt
    after = log[:, 0] >= log[100, 0] + 0.2
    lag = log[after, 2] - anim.latency_s - log[after, 1]
    assert after.sum() > 50 and lag.max() <= MAX_BEHIND_S + dt, lag.max()


def test_without_a_hiccup_every_period_is_published_on_time(sim_microphone, stamping_head, speech):
    stats, log, dev, shaper, anim = _run(sim_microphone, stamping_head, speech, seconds=3.0)
    dt = shaper.dt
    gaps, burst = _bursts(log, dt)
    assert burst == 0 and stats["skipped"] == 0
    assert np.allclose(gaps, dt, atol=0.006)                    # the mic loop polls every 5 ms
    assert stats["commands"] == pytest.approx((stats["audio_s"] - anim.latency_s) / dt, abs=1)
