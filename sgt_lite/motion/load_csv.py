"""CSV loaders: ARKit / Live Link Face captures and a generic column layout."""
import csv
import logging
import os

import numpy as np

from ..errors import DataFormatError, ModelFileError
from .track import CHANNELS, MotionTrack

log = logging.getLogger(__name__)

STANDARD_RATES = (24.0, 25.0, 30.0, 48.0, 50.0, 60.0, 120.0)
# An ARKit EyeLook* coefficient of 1 is the eye's full deflection, about 30 degrees.
EYE_LOOK_FULL_DEG = 30.0


def _read_rows(path):
    if not os.path.isfile(path):
        raise ModelFileError(f"CSV file not found: {path}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2:
        raise DataFormatError(f"{path}: needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    return header, [r for r in rows[1:] if r and any(c.strip() for c in r)]


def _column(header, rows, name, path, required=True):
    lower = [h.lower() for h in header]
    if name.lower() not in lower:
        if required:
            raise DataFormatError(f"{path}: no column {name!r}; columns: {header}")
        return None
    k = lower.index(name.lower())
    try:
        return np.array([float(r[k]) for r in rows])
    except (ValueError, IndexError) as exc:
        raise DataFormatError(f"{path}: column {name!r} has a non-numeric or missing value ({exc})") from exc


def parse_timecode(codes, path="CSV"):
    """Live Link Face timecodes ``HH:MM:SS:FF[.fff]`` to (seconds, frame rate of FF)."""
    parts = []
    for code in codes:
        try:
            h, m, s, ff = code.strip().split(":")
            parts.append((int(h), int(m), int(s), float(ff)))
        except ValueError as exc:
            raise DataFormatError(f"{path}: bad timecode {code!r}, expected HH:MM:SS:FF[.fff]") from exc
    p = np.array(parts)
    max_ff = np.floor(p[:, 3]).max() + 1
    rate = next((r for r in STANDARD_RATES if r >= max_ff), max_ff)
    t = p[:, 0] * 3600 + p[:, 1] * 60 + p[:, 2] + p[:, 3] / rate
    return t - t[0], rate


def _uniform(t, values, fps):
    """Resamples irregular timestamps onto a uniform grid at ``fps``."""
    if np.any(np.diff(t) <= 0):
        order = np.argsort(t, kind="stable")
        t, values = t[order], values[order]
        keep = np.concatenate([[True], np.diff(t) > 0])
        t, values = t[keep], values[keep]
    grid = np.arange(int(np.floor(t[-1] * fps + 1e-6)) + 1) / fps
    return np.stack([np.interp(grid, t, values[:, i]) for i in range(values.shape[1])], axis=1)


def load_arkit_csv(path, audio_path=None, speaker: str = "", angles_in: str = "radians",
                   flip=()) -> MotionTrack:
    """An ARKit / Live Link Face CSV (Timecode, 52 blendshapes, HeadYaw/Pitch/Roll, eye angles).

    Head angles are read as ``angles_in`` (Live Link Face writes radians).
    Gaze comes from the LeftEyeYaw/Pitch and RightEyeYaw/Pitch columns when
    present and non-zero, else from the EyeLook* blendshapes (1.0 = 30 deg).
    Blink is the mean of EyeBlinkLeft and EyeBlinkRight. ``flip`` names
    channels whose sign to invert (e.g. a mirrored capture: ``("head_yaw",
    "head_roll", "gaze_yaw")``).

    >>> load_arkit_csv("MySlate_1_iPhone.csv", audio_path="MySlate_1_iPhone.wav")  # doctest: +SKIP
    """
    header, rows = _read_rows(path)
    lower = [h.lower() for h in header]
    if "timecode" not in lower:
        raise DataFormatError(f"{path}: no Timecode column; is this a Live Link Face CSV? columns: {header[:8]}")
    t, fps = parse_timecode([r[lower.index("timecode")] for r in rows], path)
    scale = {"radians": np.degrees(1.0), "degrees": 1.0}.get(angles_in)
    if scale is None:
        raise DataFormatError(f"angles_in must be 'radians' or 'degrees', got {angles_in!r}")
    col = lambda name, req=True: _column(header, rows, name, path, req)  # noqa: E731
    out = np.zeros((len(rows), len(CHANNELS)))
    out[:, 0] = scale * col("HeadYaw")
    out[:, 1] = scale * col("HeadPitch")
    out[:, 2] = scale * col("HeadRoll")
    eye = [col(n, False) for n in ("LeftEyeYaw", "RightEyeYaw", "LeftEyePitch", "RightEyePitch")]
    if all(e is not None for e in eye) and any(np.abs(e).max() > 0 for e in eye):
        out[:, 3] = scale * (eye[0] + eye[1]) / 2
        out[:, 4] = scale * (eye[2] + eye[3]) / 2
    else:
        look = {n: col(n) for n in ("EyeLookOutLeft", "EyeLookInLeft", "EyeLookInRight", "EyeLookOutRight",
                                    "EyeLookUpLeft", "EyeLookUpRight", "EyeLookDownLeft", "EyeLookDownRight")}
        left = (look["EyeLookOutLeft"] - look["EyeLookInLeft"] + look["EyeLookInRight"] - look["EyeLookOutRight"]) / 2
        up = (look["EyeLookUpLeft"] + look["EyeLookUpRight"] - look["EyeLookDownLeft"] - look["EyeLookDownRight"]) / 2
        out[:, 3], out[:, 4] = EYE_LOOK_FULL_DEG * left, EYE_LOOK_FULL_DEG * up
    out[:, 5] = np.clip((col("EyeBlinkLeft") + col("EyeBlinkRight")) / 2, 0.0, 1.0)
    for name in flip:
        if name not in CHANNELS[:5]:
            raise DataFormatError(f"cannot flip {name!r}; choose from {CHANNELS[:5]}")
        out[:, CHANNELS.index(name)] *= -1
    motion = _uniform(t, out, fps)
    return MotionTrack(fps=fps, motion=motion, valid=np.ones(len(motion), bool), speaker=speaker,
                       source=f"arkit:{os.path.basename(str(path))}",
                       audio_path=str(audio_path) if audio_path else None)


ALIASES = {"yaw": "head_yaw", "pitch": "head_pitch", "roll": "head_roll", "eye_yaw": "gaze_yaw",
           "eye_pitch": "gaze_pitch", "eyelid": "blink"}


def load_generic_csv(path, fps: float = None, audio_path=None, speaker: str = "",
                     angles_in: str = "degrees") -> MotionTrack:
    """Any CSV with a header naming some of the channels (``head_yaw`` … ``blink``, or the
    aliases ``yaw``, ``pitch``, ``roll``, ``eye_yaw``, ``eye_pitch``, ``eyelid``) and either
    a ``t``/``time`` column in seconds or an ``fps`` argument. Missing channels are
    marked unmeasured. ``MotionTrack.to_csv`` output loads back unchanged.

    >>> load_generic_csv("capture.csv", fps=50)  # doctest: +SKIP
    """
    header, rows = _read_rows(path)
    names = [ALIASES.get(h.lower(), h.lower()) for h in header]
    present = [c for c in CHANNELS if c in names]
    if not present:
        raise DataFormatError(f"{path}: no known channel columns; expected some of {CHANNELS} "
                              f"(or {sorted(ALIASES)}), got {header}")
    values = np.zeros((len(rows), len(CHANNELS)))
    valid = np.zeros(values.shape, bool)
    scale = {"radians": np.degrees(1.0), "degrees": 1.0}[angles_in]
    for c in present:
        k = names.index(c)
        v = _column(header, rows, header[k], path)
        values[:, CHANNELS.index(c)] = v if c == "blink" else scale * v
        valid[:, CHANNELS.index(c)] = np.isfinite(v)
        vk = f"valid_{c}"
        if vk in names:
            valid[:, CHANNELS.index(c)] &= _column(header, rows, header[names.index(vk)], path) > 0.5
    values[~np.isfinite(values)] = 0.0
    tcol = next((header[names.index(n)] for n in ("t", "time", "seconds") if n in names), None)
    if tcol is not None:
        t = _column(header, rows, tcol, path)
        step = np.median(np.diff(t)) if len(t) > 1 else 0
        if fps is None:
            if not step > 0:
                raise DataFormatError(f"{path}: time column {tcol!r} does not increase")
            fps = float(np.round((len(t) - 1) / (t[-1] - t[0]), 3))
        if len(t) > 1 and np.max(np.abs(np.diff(t) - 1.0 / fps)) > 0.25 / fps:
            values = _uniform(t - t[0], values, fps)
            valid = np.ones(values.shape, bool) & valid.all(axis=0)
    elif fps is None:
        raise DataFormatError(f"{path}: no t/time column; pass fps=")
    return MotionTrack(fps=fps, motion=values, valid=valid, speaker=speaker,
                       source=f"csv:{os.path.basename(str(path))}",
                       audio_path=str(audio_path) if audio_path else None)
