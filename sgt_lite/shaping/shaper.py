"""MotionShaper: model frames in, safe joint commands at the servo rate out."""
import bisect
import logging
import math
import numbers
import time
from typing import NamedTuple

from ..config_check import Fields
from ..errors import TimingError
from .idle import IdleBehaviour
from .profile import MAX_INTENSITY, HeadProfile
from .rate_limiter import RateLimiter

log = logging.getLogger(__name__)

MAX_CLOCK_S = 1e10      # ~300 years; beyond it float64 cannot count servo periods (1e17 + 0.02 == 1e17)
MAX_FRAMES = 64
MAX_LEAD_S = 0.25       # frames may be buffered this far ahead of the shaper's clock; beyond it, the caller is behind


class Command(NamedTuple):
    """Joint positions for one servo tick: ``t`` (s) and ``joints`` {name: degrees, eyelid 0..1}."""

    t: float
    joints: dict


def _finite(x, fallback):
    return x if x is not None and math.isfinite(x) else fallback


def _seconds(value, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TimingError(f"{what}: expected a number of seconds, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and abs(value) <= MAX_CLOCK_S):
        raise TimingError(f"{what}: {value!r} is not a usable time; times must be finite and within "
                          f"+/-{MAX_CLOCK_S:g} s (seconds since a start or boot, e.g. time.monotonic())")
    return value


def _number(value, key, lo, hi, where, lo_open=False):
    """An API argument checked like a config field (finite, in range, never a bool or a string)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
    return Fields({key: value}, where).number(key, lo=lo, hi=hi, lo_open=lo_open)


class MotionShaper:
    """Turns Animator frames into commands a given head can follow.

    - frames are resampled to ``profile.servo_rate_hz`` (linear interpolation);
    - an intensity scale shrinks or grows the motion around neutral;
    - ``look_at(yaw, pitch)`` turns the neck toward a face tracker's target; speech gaze
      (aversion, saccades) happens around it;
    - without eye joints, ``gaze_to_head`` of the gaze folds into the neck; without a roll
      joint, roll is dropped; blink drives the ``eyelid`` joint;
    - vestibulo-ocular compensation: eye commands are the intended gaze minus the neck's
      actual (limited) position, so eye contact holds while the head nods;
    - a deadband holds targets that moved less than ``profile.deadband`` (servo jitter);
    - every joint goes through a :class:`RateLimiter`: range, velocity and acceleration
      limits are never exceeded, NaN never passes;
    - when no frame arrives for ``profile.idle_after_s``, idle behaviour (drift, small
      saccades, blinks) takes over, so the head never freezes.

    Two clocks meet here. The shaper has its own, ``t``, which only moves forward: one
    servo period per ``tick()``, or to ``tick(t)``. A frame's ``t`` is stream time since the
    Animator's last reset; the first frame of a stream is played at once and the rest
    follow at their spacing. A frame whose stream time goes back (``Animator.reset()``,
    e.g. on barge-in) or jumps ahead by more than ``idle_after_s`` starts a new stream.
    So does a frame that would land more than ``MAX_LEAD_S`` (0.25 s) ahead of the
    shaper's clock or behind it: the loop stalled and is working off an audio backlog
    (``tick()`` missed periods; with ``tick(now)``, audio was lost). The rest of that
    backlog, up to the next tick, lands on the present too, and a tick that finds the
    frames pushed since the last one that far behind moves the newest to the present: the
    head skips to the live voice instead of playing the backlog seconds late or idling.
    Callers may buffer frames ahead of the clock (``say`` runs ~0.12 s ahead), within
    ``MAX_LEAD_S``.
    ``reset()`` starts a new stream too and eases the joints to neutral; ``park_to(driver)``
    brings the head to neutral in real time before a driver closes.

    >>> shaper = MotionShaper("pan_tilt")
    >>> from sgt_lite.animator import Frame
    >>> shaper.push(Frame(0.0, 10.0, 5.0, 2.0, 4.0, 0.0, 0.0))
    >>> cmd = shaper.tick(0.02)
    >>> sorted(cmd.joints), cmd.joints["head_yaw"] > 0
    (['head_pitch', 'head_yaw'], True)
    """

    def __init__(self, profile="pan_tilt", intensity=None, seed=0):
        self.profile = profile if isinstance(profile, HeadProfile) else HeadProfile.load(profile)
        self.intensity = self.profile.intensity if intensity is None else _number(
            intensity, "intensity", 0.0, MAX_INTENSITY, "MotionShaper")
        self.dt = 1.0 / self.profile.servo_rate_hz
        self._seed = seed
        self.limiters = {n: RateLimiter(j.min, j.max, j.max_vel, j.max_acc, j.neutral)
                         for n, j in self.profile.joints.items()}
        self.t = 0.0
        self.reset()

    def reset(self):
        """Starts over with no stream: frames, look-at target and idle state are cleared; the
        joints keep their position and speed and ease toward neutral within the limits."""
        self._frames, self._times = [], []
        self._stream_t = None                 # the last frame's stream time
        self._offset = 0.0                    # shaper time = stream time + offset
        self._catching_up = False             # working off a backlog until the next tick
        self._fresh = False                   # frames pushed since the last tick
        self._targets = {n: j.neutral for n, j in self.profile.joints.items()}
        self._look = (0.0, 0.0)
        self.idle = IdleBehaviour(seed=self._seed)
        self.idle_active = False

    def look_at(self, yaw, pitch):
        """Where the listener is (degrees, body frame; e.g. from a face tracker)."""
        if math.isfinite(yaw) and math.isfinite(pitch):
            self._look = (float(yaw), float(pitch))

    def push(self, frame):
        """Adds an Animator frame (its ``t`` is stream time, see the class notes)."""
        ts = _seconds(frame.t, "push(frame): frame time")
        new_stream = self._stream_t is None or ts < self._stream_t or ts - self._stream_t > self.profile.idle_after_s
        if not new_stream:
            lead = ts + self._offset - self.t
            if self._catching_up or not -self._max_lag() <= lead <= MAX_LEAD_S:
                if not self._catching_up:
                    log.debug("frame %.3f s %s the shaper's clock: skipping to the present",
                              abs(lead), "ahead of" if lead > 0 else "behind")
                self._catching_up = new_stream = True
        if new_stream:
            self._frames.clear()
            self._times.clear()
            self._offset = self.t - ts
        self._stream_t = ts
        self._fresh = True
        t = ts + self._offset
        self._frames.append(type(frame)(t, *frame[1:]))
        self._times.append(t)
        if len(self._frames) > MAX_FRAMES:
            del self._frames[:-MAX_FRAMES], self._times[:-MAX_FRAMES]

    def _max_lag(self):
        return min(MAX_LEAD_S, self.profile.idle_after_s)

    def _land_newest(self, t):
        newest = self._frames[-1]
        self._offset += t - newest.t
        self._frames, self._times = [type(newest)(t, *newest[1:])], [t]

    def _frame_at(self, t):
        fr = self._frames
        if not fr:
            return None
        i = bisect.bisect_left(self._times, t)
        if i == 0:
            return fr[0]
        if i == len(fr):
            return fr[-1]
        a, b = fr[i - 1], fr[i]
        w = (t - a.t) / max(b.t - a.t, 1e-9)
        return type(a)(t, *((1 - w) * x + w * y for x, y in zip(a[1:], b[1:])))

    def _intent(self, t):
        """Desired head angles and world gaze offset from the model (or idle) at time t."""
        p, k = self.profile, self.intensity
        f = self._frame_at(t)
        stale = f is None or t - self._times[-1] > p.idle_after_s
        if stale:
            if not self.idle_active:
                self.idle.reset(t)
                self.idle_active = True
            pose = self.idle.pose(t)
            head = (pose["head_yaw"], pose["head_pitch"], pose["head_roll"])
            gaze = (pose["eye_yaw"], pose["eye_pitch"])
            blink = pose["eyelid"]
        else:
            self.idle_active = False
            head = (_finite(f.head_yaw, 0.0), _finite(f.head_pitch, 0.0), _finite(f.head_roll, 0.0))
            gaze = (_finite(f.gaze_yaw, 0.0), _finite(f.gaze_pitch, 0.0))
            blink = min(max(_finite(f.blink, 0.0), 0.0), 1.0)
        head = tuple(k * h for h in head)
        gaze = tuple(k * g for g in gaze)
        return head, gaze, blink

    def tick(self, t=None):
        """Advances one servo period, or to time ``t`` on the shaper's clock (finite, never
        earlier than the last tick), and returns the command."""
        if t is None:
            t = self.t + self.dt
        else:
            t = _seconds(t, "tick(t)")
            if t < self.t:
                raise TimingError(f"tick({t:g}) goes back in time: the shaper's clock is at {self.t:g} s and "
                                  "only moves forward; call tick() with no argument, or pass a monotonic clock "
                                  "(frame times are mapped onto it by push())")
        if self._fresh and self._times and t - self._times[-1] > self._max_lag():
            self._land_newest(t)               # tick(now) after a stall: what was just pushed is the present
        self.t = t
        self._catching_up = self._fresh = False
        p, joints = self.profile, self.profile.joints
        (hy, hp, hr), (gy, gp), blink = self._intent(self.t)
        look_y, look_p = self._look
        has_eyes = "eye_yaw" in joints or "eye_pitch" in joints
        want = {"head_yaw": look_y + hy, "head_pitch": look_p + hp, "head_roll": hr}
        if not has_eyes:
            want["head_yaw"] += p.gaze_to_head * gy
            want["head_pitch"] += p.gaze_to_head * gp
        out = {}
        for name in ("head_yaw", "head_pitch", "head_roll"):
            if name in joints:
                out[name] = self._move(name, want[name])
        if has_eyes:
            # VOR: the intended gaze in the world is look-at + model gaze (+ the head's own motion
            # when vor_gain < 1); the eyes take whatever the neck's actual position leaves over.
            neck_y = out.get("head_yaw", look_y + hy) - look_y
            neck_p = out.get("head_pitch", look_p + hp) - look_p
            eye_y = gy + (1.0 - p.vor_gain) * hy - neck_y
            eye_p = gp + (1.0 - p.vor_gain) * hp - neck_p
            for name, v in (("eye_yaw", eye_y), ("eye_pitch", eye_p)):
                if name in joints:
                    out[name] = self._move(name, v)
        if "eyelid" in joints:
            out["eyelid"] = self._move("eyelid", blink)
        return Command(self.t, out)

    def _move(self, name, target):
        target = _finite(target, self._targets[name])
        if abs(target - self._targets[name]) >= self.profile.deadband or name == "eyelid":
            self._targets[name] = target
        return self.limiters[name].step(self._targets[name], self.dt)

    def park_to(self, driver, max_s=5.0, clock=time.monotonic, sleep=time.sleep) -> bool:
        """Eases every joint to neutral within the limits, writing one command per servo period
        to ``driver`` in real time; call it before closing a driver (whose own neutral on
        close is a last resort that jumps).

        Command ``k`` goes out at ``start + k / servo_rate_hz`` on ``clock`` (so sleeps do not
        add up to drift); after a write that comes back more than half a period late (a slow
        bus), the schedule restarts from that write rather than catching up in a burst.
        Returns True once every joint rests at neutral, False if ``max_s`` ran out first.
        ``clock`` and ``sleep`` may be a simulated clock for offline use (recordings, soaks).
        """
        max_s = _number(max_s, "max_s", 0.0, 3600.0, "park_to", lo_open=True)
        neutral = self.profile.neutral
        for n in self._targets:
            self._targets[n] = neutral[n]
        start = clock()
        deadline = start
        for _ in range(int(max_s / self.dt)):
            deadline += self.dt               # the first command, too, one period after the last tick
            if deadline - start > max_s + 1e-9:
                break
            self.t += self.dt
            cmd = Command(self.t, {n: lim.step(neutral[n], self.dt) for n, lim in self.limiters.items()})
            now = clock()
            if now < deadline:
                sleep(deadline - now)
            elif now - deadline > self.dt / 2:
                deadline = now
            driver.write(cmd)
            if all(abs(lim.pos - neutral[n]) < 1e-9 and abs(lim.vel) < 1e-9 for n, lim in self.limiters.items()):
                return True
        log.warning("park_to: not at neutral after %.2f s", max_s)
        return False

    def neutral(self) -> Command:
        """The profile's neutral pose (what drivers go to on close)."""
        return Command(self.t, self.profile.neutral)
