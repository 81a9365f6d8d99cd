"""Paths of the files that ship inside the package."""
from importlib import resources as _resources

_DATA = _resources.files("sgt_lite") / "data"

SAMPLE_WAV = str(_DATA / "sample.wav")
"""About 12 s of 16 kHz mono English speech (MIT, see data/NOTICE)."""

DEFAULT_BUNDLE = str(_DATA / "default_bundle")
"""The int8 model bundle that ``Animator()`` loads by default."""
