"""Training labels for the eye-event heads, from a real gaze and blink track (numpy only).

The labels follow :class:`~sgt_lite.events.renderer.EyeRenderer`'s conventions exactly, so a
network trained on them drives the renderer as the real person moved:

- ``saccade_onset[k]`` is 1 where a saccade starts within [t_k, t_k+1): the last frame before the
  jump (a saccade, as 25 fps video sees it, is a >= 2 deg step at >= 75 deg/s within <= 80 ms
  after a 3-frame median, as in ``sgt-lite eval``);
- ``blink_onset[k]`` is 1 on the last open frame before the lid's closing run;
- ``target_cell[k]`` is the grid cell where the next saccade (starting at or after k) lands,
  relative to ``centre``; ``gaze_state[k]`` is that saccade's kind: aversion when it lands outside
  the centre zone, return when it lands inside from outside, fixation otherwise. After the last
  saccade both describe where gaze rests.

Train the hazards with binary cross-entropy over all valid frames, and the target and state heads
with cross-entropy on frames where ``target_cell >= 0`` (or only at onsets: ``saccade_onset == 1``).
"""
import dataclasses
import math

import numpy as np

from ..errors import DataFormatError
from .config import AVERSION, FIXATION, RETURN, EyeConfig

SACCADE_MIN_DEG = 2.0
SACCADE_MIN_DEG_PER_S = 75.0
SACCADE_MAX_S = 0.08
BLINK_CLOSED = 0.5
BLINK_OPEN = 0.1


@dataclasses.dataclass
class EventLabels:
    """Per-frame labels (length T). ``valid`` marks frames whose gaze was seen (train on those)."""

    saccade_onset: np.ndarray     # float32 0/1
    blink_onset: np.ndarray       # float32 0/1
    target_cell: np.ndarray       # int64, -1 where unknown
    gaze_state: np.ndarray        # int64: 0 fixation, 1 aversion, 2 return
    valid: np.ndarray             # bool
    saccade_amplitude: np.ndarray  # deg of each detected saccade, in onset order
    fps: float

    def rates_per_min(self):
        """(saccades, blinks) per minute over the track."""
        minutes = len(self.valid) / self.fps / 60.0
        if minutes <= 0:
            return 0.0, 0.0
        return float(self.saccade_onset.sum() / minutes), float(self.blink_onset.sum() / minutes)


def hold_invalid(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Rows where ``valid`` is False take the last valid row (the first valid one before any)."""
    x = np.asarray(x, np.float64)
    valid = np.asarray(valid, bool)
    if valid.all() or x.size == 0:
        return x.copy()
    if not valid.any():
        return np.zeros_like(x)
    idx = np.where(valid, np.arange(len(x)), -1)
    idx = np.maximum.accumulate(idx)
    idx[idx < 0] = np.flatnonzero(valid)[0]
    return x[idx]


def median3(x: np.ndarray) -> np.ndarray:
    """3-frame running median along axis 0 (edges repeat the end frames)."""
    x = np.asarray(x, np.float64)
    if len(x) < 3:
        return x.copy()
    p = np.concatenate([x[:1], x, x[-1:]])
    return np.median(np.stack([p[:-2], p[1:-1], p[2:]]), axis=0)


def detect_saccades(gaze, fps):
    """[(start frame, end frame)] of saccades in a cleaned (T, 2) gaze track (see the module doc)."""
    speed = np.linalg.norm(np.diff(gaze, axis=0), axis=1) * fps
    fast = speed >= SACCADE_MIN_DEG_PER_S
    edges = np.diff(np.concatenate([[0], fast.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    max_steps = max(1, int(round(SACCADE_MAX_S * fps)))
    return [(int(a), int(b)) for a, b in zip(starts, ends)
            if b - a <= max_steps and np.linalg.norm(gaze[b] - gaze[a]) >= SACCADE_MIN_DEG]


def blink_onsets(blink) -> np.ndarray:
    """Frames of blink onsets in a (T,) lid-closure track (0 open .. 1 shut; NaN unknown)."""
    b = np.nan_to_num(np.asarray(blink, np.float64), nan=0.0)
    closed = b > BLINK_CLOSED
    firsts = np.flatnonzero(closed & ~np.concatenate([[False], closed[:-1]]))
    out = []
    for j in firsts:
        while j > 0 and b[j - 1] > BLINK_OPEN and b[j - 1] < b[j]:
            j -= 1
        out.append(max(j - 1, 0))
    return np.unique(np.array(out, np.int64))


def event_labels(gaze, blink, fps: float, valid=None, config: EyeConfig = None, centre=None) -> EventLabels:
    """Labels from ``gaze`` (T, 2) eye-in-head yaw/pitch in degrees and ``blink`` (T,) closure.

    ``valid`` (T,) marks frames whose gaze is trustworthy (others hold the last valid value, so a
    shift made during a blink shows as one jump when the eye reopens); ``centre`` is the mutual-gaze
    direction (default: the median valid gaze); ``config`` gives the grid and the centre zone.

    >>> g = np.zeros((100, 2)); g[30:, 0] = 12.0; g[70:, 0] = 0.5     # away, then back
    >>> b = np.zeros(100); b[50:55] = [0.5, 1.0, 1.0, 0.6, 0.2]
    >>> lab = event_labels(g, b, 25.0, centre=(0.0, 0.0))
    >>> np.flatnonzero(lab.saccade_onset).tolist(), np.flatnonzero(lab.blink_onset).tolist()
    ([29, 69], [49])
    >>> lab.gaze_state[[0, 29, 40, 69, 90]].tolist()     # aversion next, then a return, then rest
    [1, 1, 2, 2, 0]
    """
    cfg = config if config is not None else EyeConfig()
    g = np.asarray(gaze, np.float64)
    b = np.asarray(blink, np.float64)
    if g.ndim != 2 or g.shape[1] != 2:
        raise DataFormatError(f"gaze must be (T, 2) yaw/pitch in degrees, got shape {g.shape}")
    if b.shape != (len(g),):
        raise DataFormatError(f"blink must be (T,) = ({len(g)},), got shape {b.shape}")
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise DataFormatError(f"fps must be a positive number, got {fps!r}")
    v = np.isfinite(g).all(1) if valid is None else (np.asarray(valid, bool) & np.isfinite(g).all(1))
    if v.shape != (len(g),):
        raise DataFormatError(f"valid must be (T,) = ({len(g)},), got shape {np.shape(valid)}")
    T = len(g)
    g = median3(hold_invalid(np.where(np.isfinite(g), g, 0.0), v))
    c = np.median(g[v], axis=0) if centre is None and v.any() else np.asarray(centre if centre is not None else (0, 0), np.float64)
    rel = g - c
    grid = cfg.grid
    zone = np.zeros(grid.n_cells, bool)
    zone[list(cfg.centre_cells())] = True
    cells = np.array([grid.cell_of(y, p) for y, p in rel], np.int64) if T else np.zeros(0, np.int64)

    sacc = np.zeros(T, np.float32)
    target = np.full(T, -1, np.int64)
    state = np.zeros(T, np.int64)
    found = detect_saccades(g, fps) if T >= 2 else []
    prev = 0
    for a, bnd in found:
        land = cells[bnd]
        kind = AVERSION if not zone[land] else (RETURN if not zone[cells[a]] else FIXATION)
        sacc[a] = 1.0
        target[prev:a + 1] = land
        state[prev:a + 1] = kind
        prev = a + 1
    if T:
        rest = cells[prev:]
        target[prev:] = rest
        state[prev:] = np.where(zone[rest], FIXATION, AVERSION)
    bl = np.zeros(T, np.float32)
    bl[blink_onsets(b)] = 1.0
    amps = np.array([np.linalg.norm(g[e] - g[s]) for s, e in found]) if found else np.zeros(0)
    return EventLabels(sacc, bl, target, state, v, amps, float(fps))


def onset_logit(per_min: float, fps: float) -> float:
    """Logit of the per-frame onset probability for an event rate (a good initial bias).

    >>> round(onset_logit(20.0, 25.0), 3)      # 20 blinks a minute at 25 fps
    -4.304
    """
    p = min(max(per_min / 60.0 / fps, 1e-9), 1 - 1e-9)
    return math.log(p / (1.0 - p))
