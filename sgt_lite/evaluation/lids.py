"""Lid metrics: blink events, their closure and timing, half-closed lids, blink–saccade coupling.

A blink is a peak of the lid channel (0 open, 1 closed) that stands at least
``min_prominence`` above the lower of its two bases within ``window_s`` on
either side (the scipy definition of prominence), and is narrower than
``max_width_s`` at half its prominence (a lid lowered for seconds while looking
down is not a blink). A bump that never closes the eye counts as a blink that
fails to close: the share reaching ``FULL_CLOSURE`` says how many closed.

Close and reopen durations run between the 10% and 90% levels of the blink's
amplitude over the end of its own descent on each side, with sub-frame linear interpolation.
"""
import dataclasses
import logging

import numpy as np

log = logging.getLogger(__name__)

MIN_PROMINENCE = 0.25
WINDOW_S = 0.6
MAX_WIDTH_S = 0.6
FULL_CLOSURE = 0.9
HALF_CLOSED = (0.2, 0.8)
COUPLING_S = 0.2


@dataclasses.dataclass
class Blinks:
    """Detected blinks; times in seconds, ``peak`` in frames, ``closure`` the peak lid value.

    >>> lid = np.zeros(100); lid[40:46] = [0.3, 0.8, 1.0, 1.0, 0.6, 0.2]
    >>> b = detect_blinks(lid, 25.0)
    >>> len(b), float(b.closure[0]), round(float(b.close_s[0]), 3), round(float(b.reopen_s[0]), 3)
    (1, 1.0, 0.087, 0.09)
    """

    peak: np.ndarray
    closure: np.ndarray
    prominence: np.ndarray
    onset: np.ndarray
    closed_from: np.ndarray
    closed_to: np.ndarray
    offset: np.ndarray
    fps: float

    def __len__(self):
        return len(self.peak)

    @property
    def close_s(self) -> np.ndarray:
        return self.closed_from - self.onset

    @property
    def reopen_s(self) -> np.ndarray:
        return self.offset - self.closed_to

    def full_share(self, level: float = FULL_CLOSURE) -> float:
        return float(np.mean(self.closure >= level)) if len(self) else float("nan")


def _peaks(x):
    """Local maxima; a flat top counts once, at its middle."""
    out, i, n = [], 1, len(x)
    while i < n - 1:
        if x[i - 1] < x[i]:
            j = i
            while j + 1 < n and x[j + 1] == x[i]:
                j += 1
            if j + 1 < n and x[j + 1] < x[i]:
                out.append((i + j) // 2)
            i = j + 1
        else:
            i += 1
    return np.array(out, int)


def _base(x, p, step, limit):
    """Lowest value from peak ``p`` walking by ``step`` until a higher value or ``limit`` frames."""
    lo, k, i = x[p], p, p
    for _ in range(limit):
        i += step
        if i < 0 or i >= len(x) or x[i] > x[p]:
            break
        if x[i] < lo:
            lo, k = x[i], i
    return lo, k


def _near_base(x, p, step, limit, tol=0.05):
    """Where the descent from peak ``p`` ends: walk while the lid keeps falling (within ``tol``)."""
    lo, k, i = x[p], p, p
    for _ in range(limit):
        j = i + step
        if j < 0 or j >= len(x) or x[j] > x[i] + tol or x[j] > x[p]:
            break
        i = j
        if x[i] < lo:
            lo, k = x[i], i
    return lo, k


def _crossing(x, p, level, step, stop):
    """Sub-frame time (in frames) where ``x`` falls below ``level`` walking from ``p`` toward ``stop``."""
    i = p
    while i != stop and x[i + step] >= level:
        i += step
    j = i + step if i != stop else i
    if j == i or x[i] == x[j]:
        return float(i)
    return i + step * (x[i] - level) / (x[i] - x[j])


def detect_blinks(lid: np.ndarray, fps: float, min_prominence: float = MIN_PROMINENCE,
                  window_s: float = WINDOW_S, max_width_s: float = MAX_WIDTH_S) -> Blinks:
    """Blinks in a lid signal (see the module docstring)."""
    x = np.asarray(lid, np.float64)
    limit = max(1, int(round(window_s * fps)))
    rows = []
    for p in _peaks(x):
        base_l, kl = _base(x, p, -1, limit)
        base_r, kr = _base(x, p, +1, limit)
        prom = x[p] - max(base_l, base_r)
        if prom < min_prominence:
            continue
        half = x[p] - prom / 2
        width = _crossing(x, p, half, 1, kr) - _crossing(x, p, half, -1, kl)
        if width / fps > max_width_s:
            continue
        base_l, kl = _near_base(x, p, -1, limit)
        base_r, kr = _near_base(x, p, +1, limit)
        amp_l, amp_r = x[p] - base_l, x[p] - base_r
        rows.append((p, x[p], prom,
                     _crossing(x, p, base_l + 0.1 * amp_l, -1, kl), _crossing(x, p, base_l + 0.9 * amp_l, -1, kl),
                     _crossing(x, p, base_r + 0.9 * amp_r, 1, kr), _crossing(x, p, base_r + 0.1 * amp_r, 1, kr)))
    rows = _drop_overlaps(rows)
    if not rows:
        z = np.zeros(0)
        return Blinks(np.zeros(0, int), z, z, z, z, z, z, fps)
    cols = [np.array(c, float) for c in zip(*rows)]
    return Blinks(cols[0].astype(int), cols[1], cols[2], cols[3] / fps, cols[4] / fps, cols[5] / fps,
                  cols[6] / fps, fps)


def _drop_overlaps(rows):
    """Two peaks on one wide bump (a ragged top) are one blink: keep the higher."""
    out = []
    for r in rows:
        if out and r[3] < out[-1][6] and r[0] - out[-1][0] > 0:
            if r[1] > out[-1][1]:
                out[-1] = r
            continue
        out.append(r)
    return out


def half_closed_fraction(lid: np.ndarray, lo: float = HALF_CLOSED[0], hi: float = HALF_CLOSED[1]) -> float:
    x = np.asarray(lid, np.float64)
    return float(np.mean((x >= lo) & (x <= hi))) if x.size else float("nan")


def coupled_count(blinks: Blinks, saccade_onsets_s: np.ndarray, duration_s: float, within_s: float = COUPLING_S,
                  n_shifts: int = 50):
    """(blinks with a saccade onset within ``within_s`` of the blink, the same expected by chance).

    Chance shifts the saccade times circularly by ``n_shifts`` evenly spaced
    offsets between 1 s and the clip length minus 1 s, which keeps both event
    rates and the saccades' own rhythm.
    """
    s = np.asarray(saccade_onsets_s, np.float64)
    if len(blinks) == 0 or s.size == 0:
        return 0, 0.0

    def count(times):
        lo, hi = blinks.onset - within_s, blinks.offset + within_s
        return int(np.sum(((times[None, :] >= lo[:, None]) & (times[None, :] <= hi[:, None])).any(1)))

    observed = count(s)
    if duration_s <= 2.0:
        return observed, float("nan")
    shifts = np.linspace(1.0, duration_s - 1.0, n_shifts)
    chance = float(np.mean([count(np.mod(s + d, duration_s)) for d in shifts]))
    return observed, chance
