"""The schema of ``bundle.json``: every field is checked at load, and a bad one is a
:class:`~sgt_lite.errors.ConfigError` that names the file and the field.

``python -m quantize`` writes this file; the fields are:

- ``format``: ``"sgt-lite-bundle/1"``;
- ``frontend``: the :class:`~sgt_lite.audio.frontend_config.FrontendConfig` fields;
- ``model``: ``fps`` (= frontend frame rate / ``stack``), ``stack``, ``feature_dim``
  (= ``stack`` x (``n_mfcc`` + 1)), ``noise_dim``, ``style_dim``, ``hidden``, ``layers``,
  ``latency_s``, ``cell_clip``, ``outputs`` (the network's raw outputs in
  :class:`~sgt_lite.model.outputs.OutputLayout` order), ``eyes`` (:class:`~sgt_lite.events.EyeConfig`),
  ``head_motion`` (:class:`~sgt_lite.events.head_motion.HeadMotionConfig`);
- ``norm``: ``feat_mean``/``feat_std`` (``feature_dim`` each), ``motion_mean``/``motion_std`` (6 each);
- ``output_ranges``: 6 ``[low, high]`` clamps (degrees; blink within [0, 1]);
- ``default_style`` (optional; must be in ``styles.json``), ``encoder.window``;
- ``files``: ``onnx``/``tflite``/``numpy``/``encoder_onnx`` -> ``{file, bytes, sha256}``, with
  ``file`` a relative path inside the bundle (at least one of the step models);
- ``tflite_io`` (needed with a ``tflite`` file): the 4 input and 3 output tensor names;
- ``source``, ``versions`` (optional provenance, not read by the runtime).

>>> import json, pathlib
>>> from sgt_lite.model.bundle import DEFAULT_BUNDLE
>>> cfg = json.loads((pathlib.Path(DEFAULT_BUNDLE) / "bundle.json").read_text())
>>> checked, frontend = check_config(cfg, "bundle.json")
>>> checked["model"]["fps"], frontend.frame_rate
(25.0, 100.0)
>>> cfg["model"]["fps"] = 0
>>> check_config(cfg, "bundle.json")
Traceback (most recent call last):
...
sgt_lite.errors.ConfigError: bundle.json: model.fps: 0 is outside (0, 1000]
"""
import dataclasses
import pathlib
import re

from ..audio.frontend_config import SOURCE as FRONTEND_SOURCE
from ..audio.frontend_config import FrontendConfig
from ..config_check import Fields
from ..errors import ConfigError, ModelFileError
from .outputs import OutputLayout

FORMAT = "sgt-lite-bundle/1"
OUTPUTS = ("head_yaw", "head_pitch", "head_roll", "gaze_yaw", "gaze_pitch", "blink")
FILE_KINDS = ("onnx", "tflite", "numpy", "encoder_onnx")
STEP_KINDS = ("onnx", "tflite", "numpy")
TFLITE_IO = {"inputs": 4, "outputs": 3}
MAX_CONFIG_BYTES = 16 << 20
MAX_FILE_BYTES = 1 << 30
MAX_ANGLE_DEG = 180.0
_SHA256 = re.compile(r"[0-9a-f]{64}")


def read_json(path, max_bytes=None) -> dict:
    """A model file's JSON, or :class:`ModelFileError` naming the file (also when it is larger
    than ``max_bytes``, which is checked before reading)."""
    import json     # here, not at import: `from sgt_lite import Animator` stays light

    path = pathlib.Path(path)
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise ModelFileError(f"{path} is too large ({path.stat().st_size} bytes; at most {max_bytes})")
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelFileError(f"model file missing: {path}") from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{path} is corrupted (not valid JSON: {str(exc)[:200]})") from exc


def check_config(cfg, source: str):
    """(the checked config as a dict of plain values, its :class:`FrontendConfig`)."""
    top = Fields(cfg, source)
    fmt = top.string("format")
    if fmt != FORMAT:
        raise top.error("format", f"{fmt!r} is not {FORMAT!r} (a bundle for another sgt-lite version?)")
    frontend = _frontend(top.table_of("frontend"))
    model = _model(top.table_of("model"), frontend)
    out = {"format": fmt, "frontend": frontend.to_dict(), "model": model,
           "norm": _norm(top.table_of("norm"), model["feature_dim"]),
           "output_ranges": _ranges(top.raw("output_ranges"), source),
           "default_style": top.string("default_style", default=None, max_len=40)}
    enc = top.table_of("encoder")
    out["encoder"] = {"window": enc.integer("window", lo=2, hi=100_000)}
    enc.done()
    out["files"] = _files(top.table_of("files"))
    if "tflite" in out["files"] or "tflite_io" in top.table:
        io = top.table_of("tflite_io")
        out["tflite_io"] = {k: io.strings(k, length=n) for k, n in TFLITE_IO.items()}
        io.done()
    out.update(_provenance(top))
    top.done()
    return out, frontend


def _frontend(f: Fields) -> FrontendConfig:
    """Every FrontendConfig field must be present (a bundle records the frontend it was trained
    with); FrontendConfig itself checks types and the C core's bounds."""
    values = {field.name: f.raw(field.name) for field in dataclasses.fields(FrontendConfig)}
    f.done()
    try:
        return FrontendConfig(**values)
    except ConfigError as exc:
        detail = str(exc)
        if detail.startswith(FRONTEND_SOURCE + ": "):
            detail = detail[len(FRONTEND_SOURCE) + 2:]
        raise ConfigError(f"{f.source}: {f.where}.{detail}") from exc


def _model(m: Fields, frontend: FrontendConfig) -> dict:
    out = {
        "fps": m.number("fps", lo=0.0, hi=1000.0, lo_open=True),
        "stack": m.integer("stack", lo=1, hi=64),
        "feature_dim": m.integer("feature_dim", lo=1, hi=64 * 513),
        "noise_dim": m.integer("noise_dim", lo=0, hi=4096),
        "style_dim": m.integer("style_dim", lo=1, hi=4096),
        "hidden": m.integer("hidden", lo=1, hi=4096),
        "layers": m.integer("layers", lo=1, hi=16),
        "latency_s": m.number("latency_s", lo=0.0, hi=10.0),
        "cell_clip": m.number("cell_clip", lo=0.0, hi=1e6, lo_open=True),
        "outputs": m.strings("outputs"),
    }
    from ..events import EyeConfig
    from ..events.head_motion import HeadMotionConfig

    eyes = EyeConfig.from_dict(m.raw("eyes"), m.source)
    out["eyes"] = eyes.to_dict()
    out["head_motion"] = HeadMotionConfig.from_dict(m.raw("head_motion"), m.source).to_dict()
    m.done()
    expected = frontend.frame_rate / out["stack"]
    if abs(out["fps"] - expected) > 1e-6 * expected:
        raise m.error("fps", f"{out['fps']:g} does not match the frontend: {frontend.frame_rate:g} frames/s "
                             f"/ stack {out['stack']} = {expected:g}")
    if out["feature_dim"] != out["stack"] * frontend.frame_size:
        raise m.error("feature_dim", f"{out['feature_dim']} is not stack {out['stack']} x "
                                     f"{frontend.frame_size} frontend values = {out['stack'] * frontend.frame_size}")
    layout = OutputLayout(eyes.grid.n_cells).names()
    if list(out["outputs"]) != layout:
        raise m.error("outputs", f"{len(out['outputs'])} names starting {out['outputs'][:5]} are not the "
                                 f"{len(layout)} outputs the runtime decodes for a {eyes.grid.n_yaw}x"
                                 f"{eyes.grid.n_pitch} gaze grid ({layout[:8]} + target cells)")
    return out


def _norm(n: Fields, feature_dim: int) -> dict:
    out = {"feat_mean": n.numbers("feat_mean", length=feature_dim, lo=-1e6, hi=1e6),
           "feat_std": n.numbers("feat_std", length=feature_dim, lo=1e-9, hi=1e6),
           "motion_mean": n.numbers("motion_mean", length=len(OUTPUTS), lo=-MAX_ANGLE_DEG, hi=MAX_ANGLE_DEG),
           "motion_std": n.numbers("motion_std", length=len(OUTPUTS), lo=1e-6, hi=MAX_ANGLE_DEG)}
    n.done()
    return out


def _ranges(ranges, source) -> list:
    if not isinstance(ranges, list) or len(ranges) != len(OUTPUTS):
        raise ConfigError(f"{source}: output_ranges: expected {len(OUTPUTS)} [low, high] pairs, one per "
                          f"output {list(OUTPUTS)}, got {ranges if not isinstance(ranges, list) else len(ranges)}")
    f = Fields(dict(zip(OUTPUTS, ranges)), source, "output_ranges")
    out = []
    for name in OUTPUTS:
        limit = 1.0 if name == "blink" else MAX_ANGLE_DEG
        lo, hi = f.numbers(name, length=2, lo=0.0 if name == "blink" else -limit, hi=limit)
        if not lo < hi:
            raise f.error(name, f"low {lo:g} is not below high {hi:g}")
        out.append([lo, hi])
    return out


def _files(ff: Fields) -> dict:
    out = {}
    for kind in FILE_KINDS:
        if ff.raw(kind, default=None) is None:
            continue
        e = ff.table_of(kind)
        name = e.string("file", max_len=255)
        parts = pathlib.PurePosixPath(name).parts
        if (not parts or name != name.strip() or "\\" in name or "\0" in name or name.startswith(("/", "~"))
                or pathlib.PureWindowsPath(name).drive or any(p in (".", "..") for p in parts)):
            raise e.error("file", f"{name!r} must be a relative path inside the bundle folder "
                                  "(no '..', no absolute path)")
        sha = e.string("sha256", max_len=64)
        if not _SHA256.fullmatch(sha):
            raise e.error("sha256", f"{sha!r} is not 64 lowercase hex digits")
        out[kind] = {"file": name, "bytes": e.integer("bytes", lo=1, hi=MAX_FILE_BYTES), "sha256": sha}
        e.done()
    ff.done()
    if not any(k in out for k in STEP_KINDS):
        raise ff.error("", f"no model file; a bundle needs at least one of {list(STEP_KINDS)}")
    return out


def _provenance(top: Fields) -> dict:
    """``source`` and ``versions``: recorded by quantize for people, not read by the runtime."""
    out = {}
    if top.raw("source", default=None) is not None:
        s = top.table_of("source")
        out["source"] = {"checkpoint": s.string("checkpoint", default="", max_len=4096)}
        training = s.raw("training", default={})
        if not isinstance(training, dict):
            raise s.error("training", "expected a table")
        out["source"]["training"] = training
        s.done()
    if top.raw("versions", default=None) is not None:
        v = top.table_of("versions")
        out["versions"] = {k: v.string(k, max_len=100) for k in list(v.table)}
        v.done()
    return out
