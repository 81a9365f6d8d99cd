"""Idle / listening behaviour when no speech frames arrive: never a frozen stare."""
import math

import numpy as np

from ..errors import TimingError


class IdleBehaviour:
    """Slow head drift, occasional small saccades and spontaneous blinks (seeded).

    ``pose(t)`` costs the same whatever the jump in ``t``: after a long gap the next
    saccade and blink are drawn from ``t`` on, not replayed one by one.

    >>> idle = IdleBehaviour(seed=0)
    >>> pose = [idle.pose(t / 50) for t in range(500)]
    >>> len({round(p["eye_yaw"], 3) for p in pose}) > 2, max(p["eyelid"] for p in pose) > 0.5
    (True, True)
    """

    def __init__(self, seed=0, drift_deg=2.0, saccade_every_s=(1.0, 3.5), blink_every_s=(2.0, 6.0)):
        self.rng = np.random.default_rng(seed)
        self.drift_deg = drift_deg
        self.saccade_every_s, self.blink_every_s = saccade_every_s, blink_every_s
        self.freqs = self.rng.uniform(0.05, 0.25, (3, 3))
        self.phases = self.rng.uniform(0, 2 * math.pi, (3, 3))
        self.reset(0.0)

    def reset(self, t):
        t = _finite_time(t)
        self._gaze = np.zeros(2)
        self._next_saccade = t + self.rng.uniform(*self.saccade_every_s)
        self._next_blink = t + self.rng.uniform(*self.blink_every_s)
        self._blink_start = -10.0

    def pose(self, t):
        t = _finite_time(t)
        if t >= self._next_saccade:
            self._gaze = self.rng.normal(0, [4.0, 2.0])
            self._next_saccade = _next_event(self._next_saccade, t, self.rng, self.saccade_every_s)
        if t >= self._next_blink:
            self._blink_start = self._next_blink
            self._next_blink = _next_event(self._next_blink, t, self.rng, self.blink_every_s)
        drift = [self.drift_deg * sum(math.sin(2 * math.pi * f * t + p) for f, p in zip(fs, ps)) / 3
                 for fs, ps in zip(self.freqs, self.phases)]
        x = t - self._blink_start
        lid = 0.0 if x < 0 else (x / 0.075 if x < 0.075 else (1.0 if x < 0.125 else max(0.0, 1 - (x - 0.125) / 0.15)))
        return {"head_yaw": drift[0], "head_pitch": 0.6 * drift[1], "head_roll": 0.4 * drift[2],
                "eye_yaw": float(self._gaze[0]), "eye_pitch": float(self._gaze[1]), "eyelid": min(lid, 1.0)}


def _next_event(due, t, rng, every):
    """The event after ``due``; if ``t`` has already passed that too (a jump), the next one after ``t``."""
    nxt = due + rng.uniform(*every)
    return nxt if nxt > t else t + rng.uniform(*every)


def _finite_time(t):
    t = float(t)
    if not math.isfinite(t):
        raise TimingError(f"idle behaviour got the time {t}; times must be finite seconds")
    return t
