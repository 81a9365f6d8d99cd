"""Zero-phase smoothing of tracker jitter, and the direction-reversal rate that measures it.

Trackers (3DMM fits, landmark fits) add frame-to-frame jitter that a model
would learn as real motion: head pitch from a 3DMM fit reverses direction
about 8 times a second, motion capture about 3. :func:`smooth_head` runs a
Butterworth low-pass forwards and backwards (no phase shift, so nods stay
where the audio has them) over the head channels only: gaze keeps its
saccades and blinks their depth.
"""
import logging

import numpy as np

from ..errors import DataFormatError
from .track import HEAD

log = logging.getLogger(__name__)

HEAD_CUTOFF_HZ = 3.0
ORDER = 2


def reversal_rate(x, fps: float, valid=None, deadband: float = 0.0) -> float:
    """Direction reversals per second of ``x`` (sign changes of its frame-to-frame step).

    Steps of at most ``deadband`` keep the previous direction. ``valid``
    (bool, same length) splits the signal into runs; only frames inside runs
    count, and the rate is over the runs' total duration.

    >>> t = np.arange(250) / 25.0
    >>> round(reversal_rate(np.sin(2 * np.pi * 1.0 * t), 25.0), 1)   # 1 Hz: 2 reversals a cycle
    2.0
    """
    x = np.asarray(x, dtype=np.float64)
    ok = np.ones(x.size, bool) if valid is None else np.asarray(valid, bool)
    if ok.shape != x.shape:
        raise DataFormatError(f"valid has shape {ok.shape}, signal {x.shape}")
    count, frames = 0, 0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        d = np.diff(x[a:b])
        s = np.sign(np.where(np.abs(d) > deadband, d, 0.0))
        s = s[s != 0]
        count += int(np.sum(s[1:] != s[:-1]))
        frames += b - a
    return float(count / (frames / fps)) if frames else float("nan")


def _filled(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    if ok.all():
        return x
    idx = np.flatnonzero(ok)
    return np.interp(np.arange(x.size), idx, x[idx])


def lowpass_zero_phase(x, fps: float, cutoff: float = HEAD_CUTOFF_HZ, order: int = ORDER) -> np.ndarray:
    """Forward-backward Butterworth low-pass (scipy.signal.filtfilt); the gain at ``cutoff`` is -6 dB."""
    from scipy.signal import butter, filtfilt

    x = np.asarray(x, dtype=np.float64)
    if not 0 < cutoff < fps / 2:
        raise DataFormatError(f"cutoff {cutoff} Hz must lie between 0 and fps/2 = {fps / 2} Hz")
    b, a = butter(order, cutoff / (fps / 2))
    pad = min(3 * max(len(a), len(b)), x.size - 1)
    return filtfilt(b, a, x, padlen=pad) if x.size > 1 else x.copy()


def smooth_head(motion, valid, fps: float, cutoff: float = HEAD_CUTOFF_HZ) -> np.ndarray:
    """A copy of (T, 6) ``motion`` with the head channels low-passed; gaze and blink untouched.

    Unmeasured head frames are bridged by linear interpolation before filtering
    (so a face drop-out does not ring) and keep their bridged value.
    """
    out = np.array(motion, dtype=np.float64, copy=True)
    valid = np.asarray(valid, bool)
    for ch in range(HEAD.start, HEAD.stop):
        ok = valid[:, ch]
        if ok.sum() < 2:
            continue
        out[:, ch] = lowpass_zero_phase(_filled(out[:, ch], ok), fps, cutoff)
    return out.astype(np.float32)
