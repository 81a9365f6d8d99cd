"""Saccade kinematics: the main sequence and a minimum-jerk velocity profile."""


def min_jerk(tau: float) -> float:
    """Fraction of the way travelled at normalised time ``tau`` (clamped to [0, 1]).

    The minimum-jerk profile peaks at 1.875x the mean speed in the middle, as saccades do.

    >>> min_jerk(0.0), min_jerk(0.5), min_jerk(1.0), min_jerk(2.0)
    (0.0, 0.5, 1.0, 1.0)
    """
    if tau <= 0.0:
        return 0.0
    if tau >= 1.0:
        return 1.0
    t3 = tau * tau * tau
    return t3 * (10.0 + tau * (-15.0 + 6.0 * tau))


def peak_speed(amplitude_deg: float, duration_s: float) -> float:
    """Peak angular speed (deg/s) of a minimum-jerk saccade.

    >>> round(peak_speed(10.0, 0.043))
    436
    """
    return 1.875 * amplitude_deg / duration_s


class Movement:
    """One eye movement in progress (a saccade or a microsaccade), from ``start`` to ``end``
    (yaw, pitch in degrees) beginning at ``t0`` (s) and lasting ``duration`` (s).

    >>> m = Movement((0.0, 0.0), (10.0, 0.0), t0=1.0, duration=0.043)
    >>> [round(y, 6) for y, _ in (m.at(1.0), m.at(1.0215), m.at(2.0))]
    [0.0, 5.0, 10.0]
    """

    __slots__ = ("y0", "p0", "dy", "dp", "t0", "duration", "t_end")

    def __init__(self, start, end, t0: float, duration: float):
        self.y0, self.p0 = float(start[0]), float(start[1])
        self.dy, self.dp = float(end[0]) - self.y0, float(end[1]) - self.p0
        self.t0, self.duration = float(t0), float(duration)
        self.t_end = self.t0 + self.duration

    def at(self, t: float):
        s = min_jerk((t - self.t0) / self.duration)
        return self.y0 + s * self.dy, self.p0 + s * self.dp
