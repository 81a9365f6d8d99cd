"""MotionShaper: model frames in, safe joint commands at the servo rate out."""
import logging
import math
from typing import NamedTuple

from .idle import IdleBehaviour
from .profile import HeadProfile
from .rate_limiter import RateLimiter

log = logging.getLogger(__name__)


class Command(NamedTuple):
    """Joint positions for one servo tick: ``t`` (s) and ``joints`` {name: degrees, eyelid 0..1}."""

    t: float
    joints: dict


def _finite(x, fallback):
    return x if x is not None and math.isfinite(x) else fallback


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

    >>> shaper = MotionShaper("pan_tilt")
    >>> from sgt_lite.animator import Frame
    >>> shaper.push(Frame(0.0, 10.0, 5.0, 2.0, 4.0, 0.0, 0.0))
    >>> cmd = shaper.tick(0.02)
    >>> sorted(cmd.joints), cmd.joints["head_yaw"] > 0
    (['head_pitch', 'head_yaw'], True)
    """

    def __init__(self, profile="pan_tilt", intensity=None, seed=0):
        self.profile = profile if isinstance(profile, HeadProfile) else HeadProfile.load(profile)
        self.intensity = self.profile.intensity if intensity is None else float(intensity)
        self.dt = 1.0 / self.profile.servo_rate_hz
        self._seed = seed
        self.reset()

    def reset(self):
        p = self.profile
        self.limiters = {n: RateLimiter(j.min, j.max, j.max_vel, j.max_acc, j.neutral) for n, j in p.joints.items()}
        self._frames = []
        self._targets = {n: j.neutral for n, j in p.joints.items()}
        self._look = (0.0, 0.0)
        self.idle = IdleBehaviour(seed=self._seed)
        self.idle_active = False
        self.t = 0.0

    def look_at(self, yaw, pitch):
        """Where the listener is (degrees, body frame; e.g. from a face tracker)."""
        if math.isfinite(yaw) and math.isfinite(pitch):
            self._look = (float(yaw), float(pitch))

    def push(self, frame):
        """Adds an Animator frame (its ``t`` is stream time)."""
        self._frames.append(frame)
        if len(self._frames) > 64:
            del self._frames[:-64]

    def _frame_at(self, t):
        fr = self._frames
        if not fr:
            return None
        if t <= fr[0].t:
            return fr[0]
        for a, b in zip(fr, fr[1:]):
            if a.t <= t <= b.t:
                w = (t - a.t) / max(b.t - a.t, 1e-9)
                return type(a)(t, *((1 - w) * x + w * y for x, y in zip(a[1:], b[1:])))
        return fr[-1]

    def _intent(self, t):
        """Desired head angles and world gaze offset from the model (or idle) at time t."""
        p, k = self.profile, self.intensity
        f = self._frame_at(t)
        stale = f is None or t - self._frames[-1].t > p.idle_after_s
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
        """Advances one servo period (or to stream time ``t``) and returns the command."""
        self.t = self.t + self.dt if t is None else float(t)
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

    def park(self, max_s: float = 5.0):
        """Commands that bring every joint to neutral within the limits (use before closing a
        driver, whose own neutral-on-close is a last resort that jumps)."""
        out = []
        for _ in range(int(max_s / self.dt)):
            self.t += self.dt
            joints = {n: lim.step(self.profile.joints[n].neutral, self.dt) for n, lim in self.limiters.items()}
            out.append(Command(self.t, joints))
            if all(abs(lim.pos - self.profile.joints[n].neutral) < 1e-9 and abs(lim.vel) < 1e-9
                   for n, lim in self.limiters.items()):
                break
        for n, j in self.profile.joints.items():
            self._targets[n] = j.neutral
        return out

    def neutral(self) -> Command:
        """The profile's neutral pose (what drivers go to on close)."""
        return Command(self.t, self.profile.neutral)
