"""``sgt-lite say`` after a slow driver write (issue #10, defect 1's class: a burst of servo
commands makes the servo jump).

The old loop sent the missed servo periods back to back after a write that blocked (25
commands at one instant after a 0.5 s write). Now at most one command goes out per servo
period, and the missed periods are skipped (one command to the newest period heard), so
the head is back on the sound at once; no command is ever for speech not yet heard.

The speech plays on ``ClockOutput`` with a simulated clock (no sound card); the only fake is
the head driver, which stamps each command with that clock and blocks once. The Animator,
the resampler, the shaper and ``SpeechSync`` are the real ones; no wall-clock speed is asserted."""
import math

import numpy as np
import pytest

from sgt_lite import Animator
from sgt_lite.audio import SAMPLE_WAV, read_wav
from sgt_lite.errors import ConfigError
from sgt_lite.heads.base import HeadDriver
from sgt_lite.say import LEAD_MARGIN_S, ClockOutput, SimulatedClock, SpeechSync
from sgt_lite.shaping import MotionShaper
from sgt_lite.shaping.shaper import MAX_LEAD_S

RATE = 22050                                   # a TTS rate: the resampler's delay is in play


class StampingHead(HeadDriver):
    """Records (clock time, shaper time) per command; ``slow`` = {write number: seconds it blocks}."""

    def __init__(self, profile, clock, shaper, slow=None):
        self.clock, self.shaper, self.slow, self.log = clock, shaper, dict(slow or {}), []
        super().__init__(profile)

    def _send(self, joints):
        self.log.append((self.clock(), self.shaper.t))
        self.clock.sleep(self.slow.pop(len(self.log), 0.0))


@pytest.fixture(scope="module")
def anim():
    return Animator(backend="numpy")


@pytest.fixture(scope="module")
def speech():
    x, _ = read_wav(SAMPLE_WAV, sample_rate=RATE)
    return np.tile(x, int(math.ceil(5.0 * RATE / len(x))))[:5 * RATE]


def _run(anim, speech, slow=None):
    clock = SimulatedClock(100.0)
    out = ClockOutput(RATE, clock=clock, sleep=clock.sleep)
    shaper = MotionShaper("pan_tilt")
    t0 = shaper.t
    head = StampingHead(shaper.profile, clock, shaper, slow)
    sync = SpeechSync(anim, shaper, head)
    heard = []                                 # (speech time of the command, speech heard when it went out)
    stats = sync.run(RATE, (speech[i:i + 441] for i in range(0, len(speech), 441)), out,
                     on_command=lambda cmd, now: heard.append((cmd.t - sync.stream_delay_s - t0,
                                                               out.position_s(now))))
    log = np.array(head.log)
    head.close()
    return stats, log, np.array(heard), shaper.dt


def _bursts(log, dt):
    gaps = np.diff(log[:, 0])
    return gaps, int(np.sum(gaps < 0.5 * dt))


def test_a_slow_write_gets_no_catch_up_burst(anim, speech):
    stats, log, heard, dt = _run(anim, speech, slow={100: 0.5})
    gaps, burst = _bursts(log, dt)
    assert burst == 0, f"{burst} commands less than half a servo period after the one before (old: 25)"
    assert gaps[99] >= 0.5 and np.median(gaps) == pytest.approx(dt, abs=1e-6)
    assert stats["skipped"] >= 0.8 * 0.5 / dt
    assert np.all(heard[:, 0] <= heard[:, 1] + 1e-9)            # never ahead of the sound
    assert stats["late_ticks"] == 1                             # one command skips the 0.5 s
    lag = heard[101:, 1] - heard[101:, 0]                       # from the next command on
    assert len(lag) > 50 and lag.max() < dt + 1e-9, lag.max()
    assert heard[-1, 0] == pytest.approx(stats["speech_s"], abs=dt)


def test_a_short_delay_is_skipped_not_trailed(anim, speech):
    stats, log, heard, dt = _run(anim, speech, slow={100: 0.06})   # three servo periods
    gaps, burst = _bursts(log, dt)
    assert burst == 0, f"{burst} commands less than half a servo period after the one before (old: 3)"
    # the next command goes out a period after the write returns: 0.08 s of speech heard, one step
    assert stats["skipped"] == 3 and stats["late_ticks"] == 1
    steps = np.diff(log[:, 1])
    assert np.allclose(np.delete(steps, 99), dt) and steps[99] == pytest.approx(4 * dt)
    assert np.all(heard[:, 0] <= heard[:, 1] + 1e-9)
    lag = heard[101:, 1] - heard[101:, 0]
    assert lag.max() < dt + 1e-9, lag.max()                     # back on the sound, not 3 periods behind


def test_without_a_slow_write_every_period_goes_out_on_time(anim, speech):
    stats, log, heard, dt = _run(anim, speech)
    gaps, burst = _bursts(log, dt)
    assert burst == 0 and stats.get("skipped", 0) == 0 and stats["late_ticks"] == 0
    assert np.allclose(gaps, dt, atol=1e-9)
    lag = heard[:, 1] - heard[:, 0]
    assert np.all(lag >= -1e-9) and np.all(lag < dt)
    assert stats["commands"] == pytest.approx(stats["speech_s"] / dt, abs=1)


def test_the_lead_margin_keeps_frames_within_the_shapers_lead(anim):
    """Frames reach the shaper up to ``lead_margin_s`` plus one frame period ahead of its clock;
    past MAX_LEAD_S the shaper would take them for a backlog and re-anchor."""
    assert LEAD_MARGIN_S + 1.0 / anim.frame_rate < MAX_LEAD_S
    shaper = MotionShaper("pan_tilt")
    with StampingHead(shaper.profile, SimulatedClock(), shaper) as head:
        SpeechSync(anim, shaper, head, lead_margin_s=MAX_LEAD_S - 1.0 / anim.frame_rate - 0.01)
        for bad in (MAX_LEAD_S - 1.0 / anim.frame_rate, 0.3, float("nan"), -0.01):
            with pytest.raises(ConfigError, match="lead_margin_s"):
                SpeechSync(anim, shaper, head, lead_margin_s=bad)
