"""Per-joint motion limiting: range, velocity and acceleration, without overshoot."""
import math


class RateLimiter:
    """Moves a joint toward a target with bounded velocity and acceleration.

    Each ``step`` changes the velocity by at most ``max_acc * dt`` and keeps it within
    ``max_vel``; the speed is also capped at the largest from which the joint can still
    brake to a stop at the target and before either end of its range (discrete-time
    braking distance), so it settles without passing the target or leaving the range.
    NaN/Inf targets are ignored (the joint keeps braking toward its last target).

    >>> r = RateLimiter(-10, 10, max_vel=100, max_acc=1000, start=0)
    >>> [round(r.step(5, 0.02), 2) for _ in range(4)]
    [0.4, 1.2, 2.4, 3.64]
    """

    def __init__(self, lo, hi, max_vel, max_acc, start=0.0):
        self.lo, self.hi, self.max_vel, self.max_acc = float(lo), float(hi), float(max_vel), float(max_acc)
        self.reset(start)

    def reset(self, position=0.0):
        self.pos = min(max(float(position), self.lo), self.hi)
        self.vel = 0.0
        self.target = self.pos

    def _brake_speed(self, dist, dt):
        """Fastest speed from which steps slowing by ``b = max_acc*dt`` each stop exactly within
        ``dist``: with v = m*b + r the staircase covers dt*(m+1)*(r + m*b/2), solved for v.
        ``b`` keeps 2% headroom so rounding never asks for more than max_acc."""
        if dist <= 0:
            return 0.0
        b = 0.98 * self.max_acc * dt
        s = dist / dt
        m = math.floor((math.sqrt(1.0 + 8.0 * s / b) - 1.0) / 2.0)
        return m * b / 2.0 + s / (m + 1)

    def step(self, target, dt):
        if target is not None and math.isfinite(target):
            self.target = min(max(float(target), self.lo), self.hi)
        a_dt = self.max_acc * dt
        err = self.target - self.pos
        direction = 1.0 if err > 0 else -1.0
        edge = self.hi - self.pos if direction > 0 else self.pos - self.lo
        want = direction * min(self.max_vel, self._brake_speed(abs(err), dt), self._brake_speed(edge, dt),
                               abs(err) / dt)
        vel = self.vel + min(max(want - self.vel, -a_dt), a_dt)
        # whatever the target does, keep a speed from which the range end ahead is reachable at rest
        ahead = self.hi - self.pos if vel > 0 else self.pos - self.lo
        cap = max(self._brake_speed(max(ahead, 0.0), dt), abs(self.vel) - a_dt, 0.0)
        vel = math.copysign(min(abs(vel), cap, self.max_vel), vel)
        new = self.pos + vel * dt
        # land exactly on the target when that needs no more than the allowed velocity change
        if (new - self.target) * err > 0 and abs(err / dt - self.vel) <= a_dt:
            vel, new = err / dt, self.target
        if new > self.hi or new < self.lo:          # rounding only: braking keeps us inside
            new = min(max(new, self.lo), self.hi)
            vel = (new - self.pos) / dt
        self.pos, self.vel = new, vel
        return new
