"""Eye metrics: saccades, fixations and gaze offsets of eye-in-head gaze tracks.

A saccade, as video at 25 fps sees it, is a jump of gaze that spans one or two
frames. After a 3-frame median (which removes one-frame tracker spikes), a
saccade is a run of at most ``max_s`` seconds of frame steps each faster than
``min_speed`` deg/s whose net displacement is at least ``min_deg``. At 25 fps
75 deg/s is 3 deg per frame, so the smallest visible saccade is a 3-degree
jump within one frame; slower drifts are not saccades, however far they go.
A saccade that straddles a frame boundary leaves a slow partial step beside
its fast core: a neighbouring step in the same direction is counted in its
amplitude and duration.

Gaze in frames marked invalid (the tracker cannot see the iris during a blink)
holds the last valid value, so a gaze shift made during a blink shows up as one
jump when the eye reopens, as a viewer sees it.
"""
import dataclasses
import logging

import numpy as np

from ..events.labels import hold_invalid, median3

log = logging.getLogger(__name__)

SACCADE_MIN_DEG = 2.0
SACCADE_MIN_DEG_PER_S = 75.0
SACCADE_MAX_S = 0.08
OFF_CENTRE_DEG = 5.0
GAZE = slice(3, 5)


def gaze_of(track) -> np.ndarray:
    """(T, 2) eye-in-head gaze (yaw, pitch) with invalid frames held, after the 3-frame median."""
    g = track.motion[:, GAZE]
    valid = track.valid[:, GAZE].all(1)
    return median3(hold_invalid(g, valid))


@dataclasses.dataclass
class Saccades:
    """Detected saccades: frame ``start`` (last frame before the jump), ``end`` (first frame after),
    ``amplitude`` (deg), ``peak_speed`` (deg/s), plus the per-step gaze ``speed`` they came from.

    >>> g = np.zeros((50, 2)); g[20:, 0] = 6.0
    >>> s = detect_saccades(g, 25.0)
    >>> len(s), float(s.amplitude[0]), float(s.peak_speed[0]), float(s.onsets_s[0])
    (1, 6.0, 150.0, 0.76)
    """

    start: np.ndarray
    end: np.ndarray
    amplitude: np.ndarray
    peak_speed: np.ndarray
    speed: np.ndarray
    fps: float

    def __len__(self):
        return len(self.start)

    @property
    def onsets_s(self) -> np.ndarray:
        return self.start / self.fps

    def path_share(self) -> float:
        """Share of the gaze path length travelled during saccades (0 when gaze never moves)."""
        total = self.speed.sum()
        if total <= 0:
            return 0.0
        inside = sum(self.speed[a:b].sum() for a, b in zip(self.start, self.end))
        return float(inside / total)

    def fixations_s(self) -> np.ndarray:
        """Durations between the end of one saccade and the start of the next, seconds."""
        if len(self) < 2:
            return np.zeros(0)
        return (self.start[1:] - self.end[:-1]) / self.fps


def detect_saccades(gaze: np.ndarray, fps: float, min_deg: float = SACCADE_MIN_DEG,
                    min_speed: float = SACCADE_MIN_DEG_PER_S, max_s: float = SACCADE_MAX_S) -> Saccades:
    """Saccades in a (T, 2) gaze signal already cleaned by :func:`gaze_of` (see the module docstring)."""
    g = np.asarray(gaze, np.float64)
    if g.ndim != 2 or len(g) < 2:
        z = np.zeros(0, int)
        return Saccades(z, z, np.zeros(0), np.zeros(0), np.zeros(0), fps)
    steps = np.diff(g, axis=0)
    speed = np.linalg.norm(steps, axis=1) * fps
    fast = speed >= min_speed
    edges = np.diff(np.concatenate([[0], fast.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)   # steps [a, b) -> frames a .. b
    max_frames = max(1, int(round(max_s * fps)))
    keep, used = [], 0
    for a, b in zip(starts, ends):
        core = g[b] - g[a]
        if b - a > max_frames or np.linalg.norm(core) < min_deg:
            continue
        # a saccade that straddles a frame boundary leaves a slow partial step beside its fast core
        if a - 1 >= used and _same_way(steps[a - 1], core):
            a -= 1
        if b < len(steps) and not fast[b] and _same_way(steps[b], core):
            b += 1
        keep.append((a, b))
        used = b
    if not keep:
        z = np.zeros(0, int)
        return Saccades(z, z, np.zeros(0), np.zeros(0), speed, fps)
    a, b = (np.array(v, int) for v in zip(*keep))
    amp = np.linalg.norm(g[b] - g[a], axis=1)
    peak = np.array([speed[i:j].max() for i, j in zip(a, b)])
    return Saccades(a, b, amp, peak, speed, fps)


def _same_way(step, direction, cos_min=0.7):
    n = np.linalg.norm(step) * np.linalg.norm(direction)
    return n > 0 and float(step @ direction) >= cos_min * n


def off_centre_fraction(gaze: np.ndarray, deg: float = OFF_CENTRE_DEG) -> float:
    """Fraction of frames where gaze is more than ``deg`` from its own median direction."""
    g = np.asarray(gaze, np.float64)
    if len(g) == 0:
        return float("nan")
    return float(np.mean(np.linalg.norm(g - np.median(g, axis=0), axis=1) > deg))


def offsets_at_phases(gaze: np.ndarray, fps: float, utterances, span_s: float = 0.5):
    """Mean gaze offset (deg from the clip's median) in the first, middle and last ``span_s`` of
    each utterance [(start frame, end frame)]; returns three lists, one value per utterance."""
    g = np.asarray(gaze, np.float64)
    off = np.linalg.norm(g - np.median(g, axis=0), axis=1) if len(g) else g
    w = max(1, int(round(span_s * fps)))
    start, mid, end = [], [], []
    for a, b in utterances:
        b = min(b, len(off))
        if b - a < 3 * w:
            continue
        c = (a + b) // 2
        start.append(off[a:a + w].mean())
        mid.append(off[c - w // 2:c - w // 2 + w].mean())
        end.append(off[b - w:b].mean())
    return start, mid, end
