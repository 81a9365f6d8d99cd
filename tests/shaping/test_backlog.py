"""A servo loop that stalls and then works off its audio backlog (issue #10 soak, finding 1).

The loop blocks for a few seconds (a slow bus, a GC pause, a loaded Pi); meanwhile the ring
buffer keeps the last 2 s of audio and drops the rest. Afterwards the Animator turns the
backlog into frames all at once. The head must then follow the live voice again, not the
backlog: with ``tick()`` the old shaper played the backlog at stream spacing and stayed
~2 s behind the voice for good; with ``tick(now)`` it found every frame stale and idled
while speech went on. No sleeping: the stall is simulated by the backlog of frames."""
import pytest
from hypothesis import given, settings, strategies as st

from sgt_lite.animator import Frame
from sgt_lite.shaping import MotionShaper
from sgt_lite.shaping.shaper import MAX_LEAD_S

from .test_shaper import _check

FRAME_S = 0.04                     # 25 frames/s
STALL_S, RING_S = 3.0, 2.0


class Speech:
    """Frames at the Animator's spacing; stream time keeps counting across the stall (the
    Animator only sees the audio the ring kept)."""

    def __init__(self):
        self.k = 0

    def frame(self, yaw):
        f = Frame(self.k * FRAME_S, yaw, 0.0, 0.0, 0.0, 0.0, 0.0)
        self.k += 1
        return f


def _stall_then_live(tick_clock):
    """5 s of speech (yaw +20) in real time, a 3 s stall, the 2 s backlog pushed at once
    (still +20: what was said during the stall), then 2 s of live speech at yaw -20."""
    s, speech, now = MotionShaper("pan_tilt"), Speech(), [0.0]

    def tick():
        now[0] += s.dt
        return s.tick(now[0]) if tick_clock else s.tick()

    before = []
    for _ in range(int(5.0 / FRAME_S)):
        s.push(speech.frame(20.0))
        before += [tick(), tick()]
    now[0] += STALL_S                                   # the loop was blocked: no tick for 3 s
    for _ in range(int(RING_S / FRAME_S)):              # the backlog the ring kept, all at once
        s.push(speech.frame(20.0))
    live, idle = [], []
    for _ in range(int(2.0 / FRAME_S)):
        s.push(speech.frame(-20.0))
        for _ in range(2):
            live.append(tick())
            idle.append(s.idle_active)
    return s, before, live, idle


@pytest.mark.parametrize("tick_clock", [False, True], ids=["tick()", "tick(now)"])
def test_after_a_stall_the_head_follows_the_live_voice_not_the_backlog(tick_clock):
    s, before, live, idle = _stall_then_live(tick_clock)
    yaw = [c.joints["head_yaw"] for c in live]
    assert before[-1].joints["head_yaw"] == pytest.approx(20.0, abs=0.5)
    # 40 deg at 150 deg/s and 900 deg/s^2 takes ~0.43 s; the old shaper played the 2 s backlog first
    # (tick()) or went idle for good (tick(now)): yaw never reached -19 within the 2 s
    reached = [i for i, y in enumerate(yaw) if y < -19.0]
    assert reached and reached[0] * s.dt <= 0.6, f"head at {yaw[::10]}"
    assert not any(idle), f"idle on {sum(idle)} of {len(idle)} ticks while speech frames flow"
    _check(s.profile, before + live, s.dt)


def test_frames_pushed_a_little_ahead_are_kept_at_their_spacing():
    """A caller may buffer frames ahead of the clock (``say`` runs the Animator ~0.1 s ahead
    of playback): up to MAX_LEAD_S they are played at their spacing, not skipped."""
    s = MotionShaper("pan_tilt")
    ahead = [Frame(k * FRAME_S, 4.0 * k, 0.0, 0.0, 0.0, 0.0, 0.0) for k in range(int(MAX_LEAD_S / FRAME_S))]
    for f in ahead:
        s.push(f)
    assert s._times == pytest.approx([f.t for f in ahead])          # mapped 1:1, nothing dropped
    targets = []
    for k in range(len(ahead) * 2):
        s.tick()
        targets.append(s._targets["head_yaw"])
    assert targets[1] == pytest.approx(4.0)                           # the 2nd tick (t = 0.04) is frame 1
    assert targets == sorted(targets) and targets[-1] == pytest.approx(ahead[-1].head_yaw)


def test_a_backlog_lands_its_newest_frame_on_the_shaper_clock():
    s, speech = MotionShaper("pan_tilt"), Speech()
    for _ in range(10):
        s.push(speech.frame(0.0))
        s.tick(), s.tick()
    for _ in range(100):                                # 4 s of frames between two ticks
        s.push(speech.frame(0.0))
    assert s._times[-1] - s.t == pytest.approx(0.0, abs=1e-9)        # the present, not 4 s ahead
    s.tick()
    s.push(speech.frame(0.0))                           # after a tick, the next live frame: its spacing again
    assert s._times[-1] - s.t == pytest.approx(FRAME_S - s.dt)
    assert len(s._times) == 2


pushes = st.lists(st.tuples(st.integers(0, 80), st.integers(0, 6), st.floats(0.0, 5.0)), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(profile=st.sampled_from(("pan_tilt", "neck3_eyes2_lids")), plan=pushes, tick_clock=st.booleans(),
       yaw=st.floats(-60, 60))
def test_stalls_and_backlogs_keep_the_limits_and_bound_the_lead(profile, plan, tick_clock, yaw):
    """Any mix of backlogs (n frames at once), ticks and clock jumps: every command within the
    limits, and the newest frame never more than MAX_LEAD_S ahead of the shaper's clock or behind it."""
    s, speech, now, cmds = MotionShaper(profile), Speech(), 0.0, []
    for n_frames, n_ticks, jump in plan:
        for i in range(n_frames):
            s.push(speech.frame(yaw if i % 2 else -yaw))
            assert -MAX_LEAD_S - 1e-9 <= s._times[-1] - s.t <= MAX_LEAD_S + 1e-9
        now += jump if tick_clock else 0.0
        for _ in range(n_ticks):
            now += s.dt
            cmds.append(s.tick(now) if tick_clock else s.tick())
    cmds += [s.tick() for _ in range(5)]
    _check(s.profile, cmds, s.dt)
