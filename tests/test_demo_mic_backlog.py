"""The demo's microphone path after a hiccup (issue #10 soak, finding 2).

The microphone's ring hands over everything it holds (up to 2 s) at the next read. The old
loop then wrote every servo period of that backlog back to back: up to 100 commands within
a millisecond, the same physical jump as the unpaced park. Now at most one command goes
out per servo period, and a backlog is skipped, not replayed late.

The fakes sit at the hardware edges only: a sounddevice module whose input stream delivers
20 ms blocks of the bundled speech on a simulated clock (and holds them during a driver
hiccup, then hands them over at once), and a head driver that stamps each command with that
clock. The Animator, the shaper, the RingBuffer and the demo's loop are the real ones. No
wall-clock speed is asserted: time only moves when the code sleeps or the fakes block."""
import io
import threading

import numpy as np
import pytest

from sgt_lite import Animator, demo
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
    anim, shaper = Animator(backend="numpy"), MotionShaper("neck3_eyes2_lids")
    head = stamping_head(shaper.profile, sim, shaper, slow)
    source = demo._MicSource(RATE, sleep=sim.sleep)
    stats = demo._loop(anim, shaper, head, source, threading.Event(), "fake", seconds, 1e9, io.StringIO(),
                       clock=sim.clock, sleep=sim.sleep)
    source.close()
    log = np.array(head.log)
    return stats, log, sim, sim.devices[0], shaper, anim


def _paced(log, dt):
    gaps = np.diff(log[:, 0])
    return gaps, int(np.sum(gaps < 0.5 * dt))


@pytest.mark.parametrize("backlog_s", [1.0, 1.8])
def test_a_backlog_from_the_microphone_is_skipped_not_burst(sim_microphone, stamping_head, speech, backlog_s):
    stats, log, sim, dev, shaper, anim = _run(sim_microphone, stamping_head, speech, hiccups=[(2.0, 2.0 + backlog_s)])
    dt = shaper.dt
    gaps, burst = _paced(log, dt)
    assert burst == 0, f"{burst} commands less than half a servo period after the one before (old: a burst)"
    assert np.median(gaps) == pytest.approx(dt, abs=1e-6)
    assert gaps.max() == pytest.approx(backlog_s, abs=0.1)      # nothing goes out during the hiccup itself
    # the backlog is skipped: the shaper jumps to the newest audio, one command
    assert stats["skipped"] >= 0.8 * backlog_s / dt
    assert stats["commands"] + stats["skipped"] == pytest.approx(stats["audio_s"] / dt, abs=6)
    # ... so from 0.2 s after the hiccup on, the head is in step with the audio the microphone delivered
    after = log[:, 0] >= dev.t0 + 2.0 + backlog_s + 0.2
    lag = log[after, 2] - anim.latency_s - log[after, 1]
    assert after.sum() > 50 and lag.max() <= MAX_BEHIND_S + dt, lag.max()


def test_a_driver_that_hangs_once_gets_no_catch_up_burst(sim_microphone, stamping_head, speech):
    stats, log, sim, dev, shaper, anim = _run(sim_microphone, stamping_head, speech, slow={100: 1.5})
    dt = shaper.dt
    gaps, burst = _paced(log, dt)
    assert burst == 0, f"{burst} commands less than half a servo period after the one before (old: a burst)"
    assert gaps[99] >= 1.5 and np.median(gaps) == pytest.approx(dt, abs=1e-6)
    assert stats["skipped"] >= 0.8 * 1.5 / dt
    after = log[:, 0] >= log[100, 0] + 0.2
    lag = log[after, 2] - anim.latency_s - log[after, 1]
    assert after.sum() > 50 and lag.max() <= MAX_BEHIND_S + dt, lag.max()


def test_without_a_hiccup_every_period_goes_out_on_time(sim_microphone, stamping_head, speech):
    stats, log, sim, dev, shaper, anim = _run(sim_microphone, stamping_head, speech, seconds=3.0)
    dt = shaper.dt
    gaps, burst = _paced(log, dt)
    assert burst == 0 and stats["skipped"] == 0
    assert np.allclose(gaps, dt, atol=0.006)                    # the mic loop polls every 5 ms
    assert stats["commands"] == pytest.approx((stats["audio_s"] - anim.latency_s) / dt, abs=1)
