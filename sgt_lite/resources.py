"""Paths of the files that ship inside the package.

Plain paths next to this file: the package is never imported from a zip (it holds a C
extension), and ``importlib.resources`` would add ~5 ms (tempfile, shutil, zipfile) to
``from sgt_lite import Animator``.
"""
import os

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

SAMPLE_WAV = os.path.join(_DATA, "sample.wav")
"""About 12 s of 16 kHz mono English speech (MIT, see data/NOTICE)."""

DEFAULT_BUNDLE = os.path.join(_DATA, "default_bundle")
"""The int8 model bundle that ``Animator()`` loads by default."""
