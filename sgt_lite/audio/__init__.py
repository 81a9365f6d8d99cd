"""Audio stage: ring buffer, input sanitising, resampling and the MFCC frontend.

Names load on first use, so that ``from sgt_lite.audio import Frontend`` (the Animator's path)
does not pull in the WAV reader or the ring buffer.
"""
import importlib

from .resample import Resampler, resample   # eager: the submodule shares the function's name

_LAZY = {
    "Frontend": ".frontend", "require_rate": ".frontend",
    "FrontendConfig": ".frontend_config",
    "RingBuffer": ".ring_buffer",
    "ACCEPTED_DTYPES": ".samples", "as_float32": ".samples",
    "read_wav": ".wav_io", "write_wav": ".wav_io", "open_wav": ".wav_io",
    "SAMPLE_WAV": "..resources",
}

__all__ = sorted(list(_LAZY) + ["Resampler", "resample"])


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
