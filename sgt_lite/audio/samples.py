"""Turns whatever the caller hands us into mono float32 samples."""
import numpy as np

from ..errors import BadAudioError

ACCEPTED_DTYPES = ("float32", "float64", "int16", "int32")
_INT_SCALE = {"h": np.float32(1.0 / 32768.0), "i": np.float32(1.0 / 2147483648.0)}


def as_float32(chunk) -> np.ndarray:
    """Validates an audio chunk and returns it as contiguous 1-D float32.

    - float32 passes through untouched, float64 is cast, int16 and int32 are
      scaled to [-1, 1).
    - Any other dtype, or an array that is not 1-D, raises :class:`BadAudioError`.
    - NaN and Inf are left in place: the MFCC cores replace them with 0.0 and
      count them (see ``Frontend.nonfinite_count``).

    >>> as_float32(np.array([0, 16384, -32768], dtype=np.int16)).tolist()
    [0.0, 0.5, -1.0]
    """
    if type(chunk) is not np.ndarray:
        if isinstance(chunk, np.ndarray):
            chunk = np.asarray(chunk)
        elif isinstance(chunk, (list, tuple)):
            try:
                chunk = np.asarray(chunk, dtype=np.float32)
            except (ValueError, TypeError) as exc:
                raise BadAudioError(f"audio given as a list must be a flat list of numbers ({exc})") from None
        else:
            raise BadAudioError(
                f"audio must be a 1-D numpy array, got {type(chunk).__name__}; "
                f"accepted dtypes: {', '.join(ACCEPTED_DTYPES)}")
    if chunk.ndim != 1:
        hint = " For multi-channel audio pass one channel or chunk.mean(axis=1)." if chunk.ndim == 2 else ""
        raise BadAudioError(f"audio must be 1-D (mono), got shape {chunk.shape}.{hint}")
    kind = chunk.dtype.char
    if kind == "f":
        return chunk if chunk.flags.c_contiguous and chunk.dtype.isnative else np.ascontiguousarray(chunk, np.float32)
    if kind == "d":
        return chunk.astype(np.float32)
    if kind in _INT_SCALE and chunk.dtype.itemsize in (2, 4):
        return chunk.astype(np.float32) * _INT_SCALE[kind]
    raise BadAudioError(
        f"unsupported audio dtype {chunk.dtype}; accepted dtypes: {', '.join(ACCEPTED_DTYPES)} "
        "(floats in [-1, 1], integers full-scale)")
