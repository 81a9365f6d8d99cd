"""Audio stage: ring buffer, input sanitising, resampling and the MFCC frontend.

Names load on first use, so that ``from sgt_lite.audio import Frontend`` (the Animator's path)
does not pull in the WAV reader or the ring buffer.
"""
from ..lazy import lazy_exports

from .resample import Resampler, resample   # noqa: F401 (eager: the submodule shares the function's name)

_LAZY = {
    "Frontend": ".frontend", "require_rate": ".frontend",
    "FrontendConfig": ".frontend_config",
    "RingBuffer": ".ring_buffer",
    "ACCEPTED_DTYPES": ".samples", "as_float32": ".samples",
    "read_wav": ".wav_io", "write_wav": ".wav_io", "open_wav": ".wav_io",
    "SAMPLE_WAV": "..resources",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, eager=["Resampler", "resample"])
