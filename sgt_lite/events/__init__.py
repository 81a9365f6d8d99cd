"""Eye events: the network's per-frame hazards and targets become saccades, fixations and blinks.

:class:`EyeRenderer` samples and renders the events (numpy, seeded); :class:`EyeConfig` is the
bundle's ``"eyes"`` table; :class:`GazePrior` holds the listening statistics fitted to real eye
tracking; :mod:`sgt_lite.events.labels` turns real gaze and blink tracks into training labels.
Names load on first use (the Animator needs neither the gaze prior nor json at import).
"""
import importlib

_LAZY = {
    "GAZE_STATES": ".config", "EyeConfig": ".config", "GazeGrid": ".config",
    "GazePrior": ".listening",
    "N_UNIFORMS": ".renderer", "EyeEvent": ".renderer", "EyeFrames": ".renderer", "EyeRenderer": ".renderer",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
