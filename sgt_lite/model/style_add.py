"""``sgt-lite style add``: a new named style from a reference clip, via the exported encoder."""
import dataclasses
import logging
import os
import pathlib

import numpy as np

from ..errors import ConfigError, DataFormatError
from .bundle import DEFAULT_BUNDLE, Bundle
from .style_table import StyleTable, check_name, load_builtin, user_styles_path

log = logging.getLogger(__name__)

# A reference clip's head and gaze angles must be degrees within this; blink within [0, 1].
MAX_ANGLE_DEG = 180.0


def _encoder_codes(bundle: Bundle, motion: np.ndarray) -> np.ndarray:
    window = int(bundle.config["encoder"]["window"])
    if len(motion) < window:
        raise DataFormatError(f"the reference clip gives {len(motion)} frames at {bundle.model['fps']:g} fps; "
                              f"a style needs at least {window} ({window / bundle.model['fps']:.0f} s)")
    wins = np.stack([motion[a:a + window] for a in range(0, len(motion) - window + 1, window // 2)])
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
    if ort is None or "encoder_onnx" not in bundle.files:   # the encoder weights also ride in the numpy file
        from .backends import NumpyBackend
        from .style_encoder import NumpyStyleEncoder

        enc = NumpyStyleEncoder(NumpyBackend(bundle).encoder_weights, bundle.norm, window)
        return np.stack([enc.encode_window(w) for w in wins])
    sess = ort.InferenceSession(bundle.data("encoder_onnx"), providers=["CPUExecutionProvider"])
    x = ((wins - bundle.norm["motion_mean"]) / bundle.norm["motion_std"]).astype(np.float32)
    return sess.run(None, {"motion": x})[0]


def _checked_motion(track, path) -> np.ndarray:
    """The track's motion, ready for the encoder: NaN in frames marked invalid is filled from the
    neighbouring frames, and values no head or eye makes are refused."""
    from ..motion import CHANNELS

    m = np.array(track.motion, np.float64)
    for i, name in enumerate(CHANNELS):
        bad = ~np.isfinite(m[:, i])          # only where the track marks the frame invalid
        if bad.all():
            raise DataFormatError(f"{path}: {name} has no finite values")
        if bad.any():
            m[bad, i] = np.interp(np.flatnonzero(bad), np.flatnonzero(~bad), m[~bad, i])
        lo, hi = (0.0, 1.0) if name == "blink" else (-MAX_ANGLE_DEG, MAX_ANGLE_DEG)
        k = int(np.argmax(np.maximum(lo - m[:, i], m[:, i] - hi)))
        if not lo - 1e-3 <= m[k, i] <= hi + 1e-3:
            unit = "" if name == "blink" else " degrees"
            raise DataFormatError(f"{path}: {name} is {m[k, i]:.4g} at frame {k}; a style reference needs "
                                  f"{name} within [{lo:g}, {hi:g}]{unit} (wrong units or columns, or a corrupted file?)")
    return m.astype(np.float32)


def reference_motion(path, fps: float) -> np.ndarray:
    from ..motion import load_track

    p = str(path).lower()
    if p.endswith((".mp4", ".mov", ".avi", ".mkv", ".webm")):
        from ..motion.extract_video import extract_video

        track = extract_video(path)
    else:
        track = load_track(path)
    track = dataclasses.replace(track, motion=_checked_motion(track, path))
    return track.resampled(fps).motion


def style_table_path(bundle_dir, files: dict = None) -> pathlib.Path:
    """``styles.user.json`` inside a writable bundle folder, else the user's style folder,
    keyed by the model's content (always for the bundled default model)."""
    if os.access(bundle_dir, os.W_OK) and pathlib.Path(bundle_dir).resolve() != pathlib.Path(DEFAULT_BUNDLE).resolve():
        return pathlib.Path(bundle_dir) / "styles.user.json"
    return user_styles_path(bundle_dir, files)


def add_style(name: str, source, bundle_dir=None, force: bool = False) -> pathlib.Path:
    """Encodes ``source`` (track file or video) and saves ``name`` in a user style table;
    returns the table's path. A built-in style's name is refused unless ``force`` (the user
    style then shadows it for this model). Safe to run from several processes at once."""
    check_name(name)
    bundle_dir = bundle_dir or DEFAULT_BUNDLE
    bundle = Bundle.load(bundle_dir)
    builtin = load_builtin(pathlib.Path(bundle_dir) / "styles.json", bundle.model["style_dim"])
    if name in builtin and not force:
        raise ConfigError(f"{name!r} is a built-in style of this model ({', '.join(builtin)}); pick another "
                          "name, or pass --force (force=True) to replace it with yours for this model")
    codes = _encoder_codes(bundle, reference_motion(source, bundle.model["fps"]))
    if not np.isfinite(codes).all():
        raise DataFormatError(f"the style encoder gave non-finite codes for {source}")
    code = codes.mean(0)
    norm = float(np.linalg.norm(code))
    if norm < 1e-6:
        raise DataFormatError(f"the windows of {source} cancel out (mean code length {norm:.2g}); "
                              "use a longer or more consistent clip")
    table = StyleTable(style_table_path(bundle_dir, bundle.files), bundle.model["style_dim"])
    table.add(name, (code / norm).round(6).tolist(),
              source=f"sgt-lite style add from {os.path.basename(str(source))[:200]} ({len(codes)} windows)")
    if name in builtin:
        log.warning("style %r replaces the built-in one of that name for this model (%s)", name, table.path)
    return table.path
