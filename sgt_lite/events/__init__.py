"""Eye events: the network's per-frame hazards and targets become saccades, fixations and blinks.

:class:`EyeRenderer` samples and renders the events (numpy, seeded); :class:`EyeConfig` is the
bundle's ``"eyes"`` table; :class:`GazePrior` holds the listening statistics fitted to real eye
tracking; :mod:`sgt_lite.events.labels` turns real gaze and blink tracks into training labels.
"""
from .config import GAZE_STATES, EyeConfig, GazeGrid
from .listening import GazePrior
from .renderer import N_UNIFORMS, EyeEvent, EyeFrames, EyeRenderer

__all__ = ["GAZE_STATES", "EyeConfig", "EyeEvent", "EyeFrames", "EyeRenderer", "GazeGrid", "GazePrior",
           "N_UNIFORMS"]
