"""The lid waveform of one blink: a fast close, a short hold, a reopening about 2x slower."""
from .saccade import min_jerk


def lid_closure(t: float, close_s: float, hold_s: float, open_s: float) -> float:
    """Lid closure (0 open .. 1 shut) ``t`` seconds after the blink began; 0 outside the blink.

    >>> [round(lid_closure(t, 0.08, 0.02, 0.16), 3) for t in (0.0, 0.04, 0.08, 0.1, 0.18, 0.26)]
    [0.0, 0.5, 1.0, 1.0, 0.5, 0.0]
    """
    if t <= 0.0:
        return 0.0
    if t < close_s:
        return min_jerk(t / close_s)
    t -= close_s
    if t <= hold_s:
        return 1.0
    return 1.0 - min_jerk((t - hold_s) / open_s)


class Blink:
    """One blink in progress, begun at ``t0`` (s).

    >>> b = Blink(t0=0.5, close_s=0.08, hold_s=0.02, open_s=0.16)
    >>> b.at(0.58), b.t_end
    (1.0, 0.76)
    """

    __slots__ = ("t0", "close_s", "hold_s", "open_s", "t_end")

    def __init__(self, t0: float, close_s: float, hold_s: float, open_s: float):
        self.t0, self.close_s, self.hold_s, self.open_s = float(t0), close_s, hold_s, open_s
        self.t_end = round(self.t0 + close_s + hold_s + open_s, 12)

    def at(self, t: float) -> float:
        return lid_closure(t - self.t0, self.close_s, self.hold_s, self.open_s)
