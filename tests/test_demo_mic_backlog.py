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
import types

import numpy as np
import pytest

from sgt_lite import Animator, demo
from sgt_lite.audio import SAMPLE_WAV, read_wav
from sgt_lite.heads.base import HeadDriver
from sgt_lite.pacing import MAX_BEHIND_S
from sgt_lite.shaping import MotionShaper

RATE = 16000
BLOCK = 320                                   # the demo's callback block: 20 ms


class SimClock:
    def __init__(self):
        self.now = 1000.0
        self.devices = []

    def clock(self):
        return self.now

    def sleep(self, s):
        assert s >= 0
        self.advance(s)

    def advance(self, s):
        self.now += s
        for dev in self.devices:
            dev.pump(self.now)


class FakeInputStream:
    """``sounddevice.InputStream``: block k reaches the callback at ``start + (k + 1) * 20 ms``;
    blocks due inside a hiccup ``(h0, h1)`` (seconds after start) are held and arrive at once at h1."""

    def __init__(self, sim, audio, hiccups, samplerate, channels, dtype, blocksize, callback):
        assert (samplerate, channels, dtype, blocksize) == (RATE, 1, "float32", BLOCK)
        self.sim, self.audio, self.hiccups, self.callback = sim, audio, hiccups, callback
        self.k, self.t0, self.closed = 0, None, False

    def start(self):
        self.t0 = self.sim.now
        self.sim.devices.append(self)

    def pump(self, now):
        while self.t0 is not None and not self.closed:
            due = (self.k + 1) * BLOCK / RATE
            if self.t0 + due > now or any(h0 <= due < h1 and now < self.t0 + h1 for h0, h1 in self.hiccups):
                return
            i = (self.k * BLOCK) % (len(self.audio) - BLOCK)
            self.callback(self.audio[i:i + BLOCK, None], BLOCK, None, None)
            self.k += 1

    def delivered_s(self):
        return self.k * BLOCK / RATE

    def stop(self):
        self.closed = True

    def close(self):
        self.closed = True


class StampingHead(HeadDriver):
    """Records (simulated time, shaper time) of each command; ``slow`` = {write number: seconds
    that write blocks} (a bus that hangs once)."""

    def __init__(self, profile, sim, shaper, slow=None):
        self.sim, self.shaper, self.slow, self.log = sim, shaper, dict(slow or {}), []
        super().__init__(profile)

    def _send(self, joints):
        self.log.append((self.sim.now, self.shaper.t, self.sim.devices[0].delivered_s()))
        self.sim.advance(self.slow.pop(len(self.log), 0.0))


@pytest.fixture(scope="module")
def speech():
    x, _ = read_wav(SAMPLE_WAV, sample_rate=RATE)
    return x


def _run(monkeypatch, speech, hiccups=(), slow=None, seconds=6.0):
    sim = SimClock()
    streams = []

    def InputStream(**kw):
        streams.append(FakeInputStream(sim, speech, hiccups, **kw))
        return streams[-1]
    monkeypatch.setattr(demo, "_sounddevice", lambda: (types.SimpleNamespace(InputStream=InputStream), None))
    anim, shaper = Animator(backend="numpy"), MotionShaper("neck3_eyes2_lids")
    head = StampingHead(shaper.profile, sim, shaper, slow)
    source = demo._MicSource(RATE, sleep=sim.sleep)
    stats = demo._loop(anim, shaper, head, source, threading.Event(), "fake", seconds, 1e9, io.StringIO(),
                       clock=sim.clock, sleep=sim.sleep)
    source.close()
    log = np.array(head.log)
    return stats, log, sim, streams[0], shaper, anim


def _paced(log, dt):
    gaps = np.diff(log[:, 0])
    return gaps, int(np.sum(gaps < 0.5 * dt))


@pytest.mark.parametrize("backlog_s", [1.0, 1.8])
def test_a_backlog_from_the_microphone_is_skipped_not_burst(monkeypatch, speech, backlog_s):
    stats, log, sim, dev, shaper, anim = _run(monkeypatch, speech, hiccups=[(2.0, 2.0 + backlog_s)])
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


def test_a_driver_that_hangs_once_gets_no_catch_up_burst(monkeypatch, speech):
    stats, log, sim, dev, shaper, anim = _run(monkeypatch, speech, slow={100: 1.5})
    dt = shaper.dt
    gaps, burst = _paced(log, dt)
    assert burst == 0, f"{burst} commands less than half a servo period after the one before (old: a burst)"
    assert gaps[99] >= 1.5 and np.median(gaps) == pytest.approx(dt, abs=1e-6)
    assert stats["skipped"] >= 0.8 * 1.5 / dt
    after = log[:, 0] >= log[100, 0] + 0.2
    lag = log[after, 2] - anim.latency_s - log[after, 1]
    assert after.sum() > 50 and lag.max() <= MAX_BEHIND_S + dt, lag.max()


def test_without_a_hiccup_every_period_goes_out_on_time(monkeypatch, speech):
    stats, log, sim, dev, shaper, anim = _run(monkeypatch, speech, seconds=3.0)
    dt = shaper.dt
    gaps, burst = _paced(log, dt)
    assert burst == 0 and stats["skipped"] == 0
    assert np.allclose(gaps, dt, atol=0.006)                    # the mic loop polls every 5 ms
    assert stats["commands"] == pytest.approx((stats["audio_s"] - anim.latency_s) / dt, abs=1)
