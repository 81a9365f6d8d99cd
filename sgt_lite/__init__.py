"""sgt-lite: streaming speech to head, gaze and blink motion for robot heads.

>>> import numpy as np, sgt_lite
>>> anim = sgt_lite.Animator(backend="numpy")
>>> frames = anim.step(np.zeros(16000, np.float32))
>>> len(frames), round(frames[1].t, 2)
(24, 0.04)
"""
from .lazy import lazy_exports

__version__ = "0.1.0"

_LAZY = {
    "Animator": "sgt_lite.animator",
    "AnimatorPool": "sgt_lite.pool",
    "Frame": "sgt_lite.animator",
    "animate": "sgt_lite.offline",
    "Frontend": "sgt_lite.audio.frontend",
    "FrontendConfig": "sgt_lite.audio.frontend_config",
    "RingBuffer": "sgt_lite.audio.ring_buffer",
    "Resampler": "sgt_lite.audio.resample",
    "resample": "sgt_lite.audio.resample",
    "read_wav": "sgt_lite.audio.wav_io",
    "SgtLiteError": "sgt_lite.errors",
    "BadAudioError": "sgt_lite.errors",
    "ConfigError": "sgt_lite.errors",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, eager=["__version__"])
