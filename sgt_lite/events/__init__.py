"""Eye events: the network's per-frame hazards and targets become saccades, fixations and blinks.

:class:`EyeRenderer` samples and renders the events (numpy, seeded); :class:`EyeConfig` is the
bundle's ``"eyes"`` table; :class:`GazePrior` holds the listening statistics fitted to real eye
tracking; :mod:`sgt_lite.events.labels` turns real gaze and blink tracks into training labels.
Names load on first use (the Animator needs neither the gaze prior nor json at import).
"""
from ..lazy import lazy_exports

_LAZY = {
    "GAZE_STATES": ".config", "EyeConfig": ".config", "GazeGrid": ".config",
    "GazePrior": ".listening",
    "N_UNIFORMS": ".renderer", "EyeEvent": ".renderer", "EyeFrames": ".renderer", "EyeRenderer": ".renderer",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY)
