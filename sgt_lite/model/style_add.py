"""``sgt-lite style add``: a new named style from a reference clip, via the exported encoder."""
import json
import logging
import os
import pathlib

import numpy as np

from ..errors import ConfigError, DataFormatError
from .bundle import DEFAULT_BUNDLE, Bundle, user_styles_path

log = logging.getLogger(__name__)


def _encoder_codes(bundle: Bundle, motion: np.ndarray) -> np.ndarray:
    window = int(bundle.config["encoder"]["window"])
    if len(motion) < window:
        raise DataFormatError(f"the reference clip gives {len(motion)} frames at {bundle.model['fps']} fps; "
                              f"a style needs at least {window} ({window / bundle.model['fps']:.0f} s)")
    wins = np.stack([motion[a:a + window] for a in range(0, len(motion) - window + 1, window // 2)])
    try:
        import onnxruntime as ort
    except ImportError:  # the encoder weights also ride in the numpy weights file
        from .backends import NumpyBackend
        from .style_encoder import NumpyStyleEncoder

        enc = NumpyStyleEncoder(NumpyBackend(bundle).encoder_weights, bundle.norm, window)
        return np.stack([enc.encode_window(w) for w in wins])
    sess = ort.InferenceSession(bundle.file("encoder_onnx"), providers=["CPUExecutionProvider"])
    x = ((wins - bundle.norm["motion_mean"]) / bundle.norm["motion_std"]).astype(np.float32)
    return sess.run(None, {"motion": x})[0]


def reference_motion(path, fps: float) -> np.ndarray:
    from ..motion import load_track

    p = str(path).lower()
    if p.endswith((".mp4", ".mov", ".avi", ".mkv", ".webm")):
        from ..motion.extract_video import extract_video

        track = extract_video(path)
    else:
        track = load_track(path)
    return track.resampled(fps).motion


def add_style(name: str, source, bundle_dir=None) -> pathlib.Path:
    """Encodes ``source`` (track file or video) and saves ``name`` in a user style table."""
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ConfigError(f"style names are letters, digits, '-' and '_'; got {name!r}")
    bundle_dir = bundle_dir or DEFAULT_BUNDLE
    bundle = Bundle.load(bundle_dir)
    codes = _encoder_codes(bundle, reference_motion(source, bundle.model["fps"]))
    code = codes.mean(0)
    code = code / max(np.linalg.norm(code), 1e-9)
    target = pathlib.Path(bundle_dir) / "styles.user.json"
    if not os.access(bundle_dir, os.W_OK) or pathlib.Path(bundle_dir).resolve() == pathlib.Path(DEFAULT_BUNDLE).resolve():
        target = user_styles_path(bundle_dir)
    table = json.loads(target.read_text()) if target.is_file() else {}
    table[name] = {"code": code.round(6).tolist(),
                   "source": f"sgt-lite style add from {os.path.basename(str(source))} ({len(codes)} windows)"}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(table, indent=1))
    return target
