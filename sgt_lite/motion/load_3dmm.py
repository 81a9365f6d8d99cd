"""Loader for 3DMM coefficient files (Deep3DFaceRecon / PIRenderer ``.mat`` layout)."""
import logging
import os

import numpy as np

from ..errors import BackendUnavailableError, DataFormatError, ModelFileError
from .track import CHANNELS, MotionTrack

log = logging.getLogger(__name__)

POSE_COLUMNS = {"pitch": 224, "yaw": 225, "roll": 226}   # radians
# Checked against the videos (eye-line tilt, nose offset): the fit's yaw and roll
# already follow our convention, its pitch is positive chin-down.
POSE_SIGNS = {"yaw": 1.0, "pitch": -1.0, "roll": 1.0}
FPS = 30.0


def load_3dmm(path, audio_path=None, speaker: str = "", fps: float = FPS) -> MotionTrack:
    """Head pose from a T x 257 ``coeff`` array; gaze and blink are marked unmeasured.

    >>> t = load_3dmm("pose/Obama_clip1.mat", audio_path="wav/Obama_clip1.wav")  # doctest: +SKIP
    """
    try:
        from scipy.io import loadmat
    except ImportError as exc:
        raise BackendUnavailableError("reading .mat files needs scipy: pip install 'sgt-lite[data]'") from exc
    if not os.path.isfile(path):
        raise ModelFileError(f"3DMM file not found: {path}")
    try:
        coeff = loadmat(path)["coeff"]
    except KeyError as exc:
        raise DataFormatError(f"{path}: no 'coeff' array (expected the Deep3DFaceRecon layout)") from exc
    except Exception as exc:  # scipy raises several kinds for corrupt files
        raise DataFormatError(f"{path}: cannot read as a .mat file ({exc})") from exc
    if coeff.ndim != 2 or coeff.shape[1] < 257:
        raise DataFormatError(f"{path}: coeff has shape {coeff.shape}, expected T x 257")
    motion = np.zeros((coeff.shape[0], len(CHANNELS)))
    for i, name in enumerate(("yaw", "pitch", "roll")):
        motion[:, i] = POSE_SIGNS[name] * np.degrees(coeff[:, POSE_COLUMNS[name]])
    valid = np.zeros(motion.shape, bool)
    valid[:, :3] = True
    if audio_path:
        _check_audio_length(path, coeff.shape[0] / fps, audio_path)
    return MotionTrack(fps=fps, motion=motion, valid=valid, speaker=speaker,
                       source=f"3dmm:{os.path.basename(str(path))}",
                       audio_path=str(audio_path) if audio_path else None)


def _check_audio_length(path, motion_s, audio_path):
    import wave

    with wave.open(str(audio_path)) as w:
        audio_s = w.getnframes() / w.getframerate()
    if abs(audio_s - motion_s) > 2.0 / FPS:
        log.warning("%s: motion lasts %.2f s but %s lasts %.2f s", path, motion_s, audio_path, audio_s)
