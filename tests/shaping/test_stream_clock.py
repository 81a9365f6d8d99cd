"""The shaper's clock: reset() eases, a new stream after Animator.reset() is followed, bad
timestamps are refused and never hang or freeze the head."""
import math
import threading

import numpy as np
import pytest

from sgt_lite.animator import Frame
from sgt_lite.errors import SgtLiteError, TimingError
from sgt_lite.shaping import IdleBehaviour, MotionShaper

from .test_shaper import _check, _stream


def _within(fn, seconds=60):
    """Runs fn in a thread; a hang fails the test instead of stalling the suite."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc
    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(seconds)
    assert not th.is_alive(), f"still running after {seconds} s (hangs)"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def test_reset_eases_to_neutral_within_the_limits():
    s = MotionShaper("pan_tilt")
    before = _stream(s, [Frame(k * 0.04, 40.0, 20.0, 0.0, 0.0, 0.0, 0.0) for k in range(100)], 150)
    assert before[-1].joints["head_yaw"] == pytest.approx(40.0, abs=0.5)
    s.reset()
    after = [s.tick() for _ in range(150)]
    _check(s.profile, before + after, s.dt)                 # 40 -> ~0 at <= 150 deg/s
    assert after[0].joints["head_yaw"] > 39.0                 # no jump in the first tick
    assert abs(after[-1].joints["head_yaw"]) < 3.0            # at neutral (idle drift is ~2 deg)
    assert s.idle_active


def _speech_loop(anim, shaper, x, reset_at_s=None):
    """The demo's loop: 20 ms chunks, frames pushed, ticks up to audio time minus the model latency."""
    chunk, audio_s, idle, pushed = anim.sample_rate // 50, 0.0, [], []
    did_reset = False
    for i in range(0, len(x), chunk):
        if reset_at_s is not None and not did_reset and audio_s >= reset_at_s:
            anim.reset()                                   # barge-in, as the README recommends
            did_reset = True
        for f in anim.step(x[i:i + chunk]):
            shaper.push(f)
            pushed.append((audio_s, f))
        audio_s += chunk / anim.sample_rate
        while shaper.t + shaper.dt <= audio_s - anim.latency_s:
            cmd = shaper.tick()
            idle.append((audio_s, shaper.idle_active, cmd))
    return idle


def test_barge_in_reset_of_the_animator_keeps_the_shaper_following_the_model():
    from sgt_lite import Animator
    from sgt_lite.audio import SAMPLE_WAV, read_wav

    anim = Animator(backend="numpy")
    x, _ = read_wav(SAMPLE_WAV, sample_rate=anim.sample_rate)
    shaper = MotionShaper("neck3_eyes2_lids")
    ticks = _speech_loop(anim, shaper, x, reset_at_s=6.0)
    after = [idle for audio_s, idle, _ in ticks if audio_s > 6.5]
    before = [idle for audio_s, idle, _ in ticks if 0.5 < audio_s < 6.0]
    assert len(after) > 200 and not any(before)
    assert not any(after), f"idle on {sum(after)} of {len(after)} ticks after Animator.reset()"
    _check(shaper.profile, [c for _, _, c in ticks], shaper.dt)


def test_a_stream_restarting_at_zero_is_followed_at_once():
    s = MotionShaper("pan_tilt")
    for k in range(250):                                     # 10 s of stream, yaw +10
        s.push(Frame(k * 0.04, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0))
        s.tick(), s.tick()
    for k in range(100):                                     # a new stream from t = 0, yaw -10
        s.push(Frame(k * 0.04, -10.0, 0.0, 0.0, 0.0, 0.0, 0.0))
        c1, c2 = s.tick(), s.tick()
        assert not s.idle_active
    assert c2.joints["head_yaw"] == pytest.approx(-10.0, abs=0.5)


def test_frames_are_played_on_the_shaper_clock_from_the_first_one():
    s = MotionShaper("pan_tilt")
    for _ in range(500):                                     # 10 s of idle before anyone speaks
        s.tick()
    for k in range(50):
        s.push(Frame(k * 0.04, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0))   # stream time starts at 0
        s.tick(), s.tick()
        assert not s.idle_active
    assert s.tick().joints["head_yaw"] == pytest.approx(20.0, abs=0.5)


@pytest.mark.parametrize("bad", [1e17, math.inf, -math.inf, math.nan, -1.0, "1.0", True])
def test_bad_tick_times_are_refused_and_the_clock_keeps_running(bad):
    s = MotionShaper("pan_tilt")
    s.tick(0.5)
    with pytest.raises(TimingError) as info:
        _within(lambda: s.tick(bad))
    assert isinstance(info.value, SgtLiteError) and isinstance(info.value, ValueError)
    assert s.t == 0.5                                        # nothing half-applied
    ts = [s.tick().t for _ in range(3)]
    assert ts == pytest.approx([0.52, 0.54, 0.56])           # not frozen


def test_a_large_but_valid_jump_is_constant_time_and_idle_keeps_moving():
    s = MotionShaper("neck3_eyes2_lids")
    for _ in range(100):
        s.tick()
    assert s.idle_active
    cmd = _within(lambda: s.tick(3e9), seconds=30)           # ~95 years of uptime, while idle
    assert all(math.isfinite(v) for v in cmd.joints.values())
    eyes = [s.tick().joints["eye_yaw"] for _ in range(50 * 30)]
    assert len(np.unique(np.round(eyes, 2))) > 5             # idle still moves: no frozen stare
    assert s.t > 3e9 + 29


@pytest.mark.parametrize("bad", [math.nan, math.inf, 1e17])
def test_bad_frame_times_are_refused(bad):
    s = MotionShaper("pan_tilt")
    with pytest.raises(TimingError, match="frame"):
        s.push(Frame(bad, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))


def test_idle_behaviour_is_constant_time_in_a_jump():
    idle = IdleBehaviour(seed=1)
    draws = []

    class CountingRng:                                       # numpy's generator, draws counted
        def __init__(self, rng):
            self.rng = rng

        def __getattr__(self, name):
            draws.append(name)
            return getattr(self.rng, name)
    idle.rng = CountingRng(idle.rng)
    _within(lambda: idle.pose(1e12), seconds=30)
    assert len(draws) <= 6                                   # not one draw per missed saccade / blink
    for bad in (math.nan, math.inf):
        with pytest.raises(TimingError):
            idle.pose(bad)
