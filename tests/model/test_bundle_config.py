"""bundle.json is checked field by field at load (issue #10, 9)."""
import copy
import json
import os
import pathlib
import shutil

import numpy as np
import pytest

from sgt_lite.errors import ConfigError, ModelFileError, SgtLiteError
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

CONFIG = json.loads((pathlib.Path(DEFAULT_BUNDLE) / "bundle.json").read_text())


@pytest.fixture(scope="module")
def bundle_copy(tmp_path_factory):
    d = tmp_path_factory.mktemp("bundles") / "b"
    shutil.copytree(DEFAULT_BUNDLE, d)
    return d


def _set(cfg, dotted, value):
    *path, last = dotted.split(".")
    node = cfg
    for key in path:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()

# (field to change, new value, text the error must contain)
BROKEN = [
    ("format", "sgt-lite-bundle/2", "format"),
    ("format", _DELETE, "format"),
    ("model", _DELETE, "model"),
    ("model.fps", _DELETE, "model.fps"),
    ("model.fps", 0, "model.fps"),
    ("model.fps", "25", "model.fps"),
    ("model.fps", 30, "model.fps"),                   # disagrees with 100 frames/s / stack 4
    ("model.fps", float("nan"), "model.fps"),
    ("model.stack", 0, "model.stack"),
    ("model.stack", 2.5, "model.stack"),
    ("model.hidden", 10 ** 12, "model.hidden"),
    ("model.layers", True, "model.layers"),
    ("model.style_dim", -1, "model.style_dim"),
    ("model.feature_dim", 57, "model.feature_dim"),
    ("model.cell_clip", float("inf"), "model.cell_clip"),
    ("model.latency_s", None, "model.latency_s"),
    ("model.outputs", ["head_yaw"], "model.outputs"),
    ("model.pattern_classes", "fixation", "model.pattern_classes"),
    ("model.hiden", 112, "did you mean 'hidden'"),
    ("norm", [], "norm"),
    ("norm.feat_std", [0.0] * 56, "norm.feat_std"),
    ("norm.feat_mean", [0.0] * 55, "norm.feat_mean"),
    ("norm.motion_std", [1.0] * 5 + [float("nan")], "norm.motion_std"),
    ("norm.motion_mean", _DELETE, "norm.motion_mean"),
    ("output_ranges.0.0", float("nan"), "output_ranges"),
    ("output_ranges.1", [30.0, -30.0], "output_ranges"),
    ("output_ranges.2", [-1e308, 1e308], "output_ranges"),
    ("output_ranges", [[-45.0, 45.0]] * 5, "output_ranges"),
    ("output_ranges.5", [0.0, 5.0], "output_ranges"),
    ("frontend", _DELETE, "frontend"),
    ("frontend.n_fft", 131072, "frontend"),
    ("frontend.n_mels", 65536, "frontend"),
    ("frontend.sample_rate", "16000", "frontend.sample_rate"),
    ("frontend.hop_length", 0, "frontend"),
    ("frontend.nmels", 40, "frontend.nmels"),
    ("default_style", "grumpy", "default_style"),
    ("default_style", 3, "default_style"),
    ("encoder", _DELETE, "encoder"),
    ("encoder.window", 0, "encoder.window"),
    ("tflite_io", _DELETE, "tflite_io"),
    ("tflite_io.inputs", ["a", "b"], "tflite_io.inputs"),
    ("files", [], "files"),
    ("files", {}, "files"),
    ("files.onnx", _DELETE, None),                   # fine: a bundle may ship fewer formats
    ("files.onnx.file", "../default_bundle/model_int8.onnx", "files.onnx.file"),
    ("files.onnx.file", "/etc/passwd", "files.onnx.file"),
    ("files.onnx.file", "sub/../../x.onnx", "files.onnx.file"),
    ("files.onnx.file", "", "files.onnx.file"),
    ("files.onnx.file", 5, "files.onnx.file"),
    ("files.onnx.bytes", 10 ** 15, "files.onnx.bytes"),
    ("files.onnx.bytes", -1, "files.onnx.bytes"),
    ("files.onnx.bytes", 236237, "model_int8.onnx"),
    ("files.onnx.sha256", "0" * 64, "model_int8.onnx"),
    ("files.onnx.sha256", "xyz", "files.onnx.sha256"),
    ("files.onnx.sha256", _DELETE, "files.onnx.sha256"),
    ("files.tpu", {"file": "model_int8.onnx", "bytes": 1, "sha256": "0" * 64}, "files.tpu"),
    ("versions", "0.1", "versions"),
    ("source", 5, "source"),
    ("stray", 1, "stray"),
]


@pytest.mark.parametrize("field, value, message", BROKEN, ids=[f"{f}={v!r:.20}" for f, v, _ in BROKEN])
def test_broken_bundle_json_names_the_field(bundle_copy, field, value, message):
    cfg = copy.deepcopy(CONFIG)
    _set(cfg, field, value)
    (bundle_copy / "bundle.json").write_text(json.dumps(cfg))
    if message is None:
        assert Bundle.load(bundle_copy).files.keys() == {"tflite", "numpy", "encoder_onnx"}
        return
    with pytest.raises(SgtLiteError, match=message.replace(".", r"\.").replace("(", r"\(")) as err:
        Bundle.load(bundle_copy)
    assert "bundle.json" in str(err.value) or "model_int8.onnx" in str(err.value)


@pytest.mark.parametrize("text", ["[]", "null", "7", '{"format": NaN}', "[" * 100000 + "]" * 100000, "\x00"])
def test_top_level_garbage(bundle_copy, text):
    (bundle_copy / "bundle.json").write_text(text)
    with pytest.raises(SgtLiteError, match="bundle.json"):
        Bundle.load(bundle_copy)


def test_a_huge_bundle_json_is_refused_without_reading_it(bundle_copy):
    with open(bundle_copy / "bundle.json", "w") as f:
        f.seek(200 << 20)
        f.write("}")
    with pytest.raises(ModelFileError, match="bundle.json.*large"):
        Bundle.load(bundle_copy)


def test_a_symlink_out_of_the_bundle_is_refused(bundle_copy, tmp_path):
    outside = tmp_path / "outside.onnx"
    shutil.copy(bundle_copy / "model_int8.onnx", outside)
    (bundle_copy / "bundle.json").write_text(json.dumps(CONFIG))
    (bundle_copy / "model_int8.onnx").unlink()
    os.symlink(outside, bundle_copy / "model_int8.onnx")
    try:
        with pytest.raises(ModelFileError, match="outside the bundle"):
            Bundle.load(bundle_copy)
    finally:
        (bundle_copy / "model_int8.onnx").unlink()
        shutil.copy(outside, bundle_copy / "model_int8.onnx")


def test_nan_output_ranges_never_reach_step(bundle_copy):
    """Before: NaN ranges loaded, and np.clip let NaN out of step()."""
    cfg = copy.deepcopy(CONFIG)
    cfg["output_ranges"][0] = [float("nan"), float("nan")]
    (bundle_copy / "bundle.json").write_text(json.dumps(cfg))
    from sgt_lite import Animator

    with pytest.raises(ConfigError, match="output_ranges"):
        np.array(Animator(model=bundle_copy, backend="numpy").step(np.zeros(16000, np.float32)))


def test_the_shipped_bundle_validates_and_keeps_its_values():
    b = Bundle.load(DEFAULT_BUNDLE)
    assert b.model == CONFIG["model"]
    assert b.config["default_style"] == "measured" and b.config["encoder"]["window"] == 100
    np.testing.assert_array_equal(b.output_ranges, np.asarray(CONFIG["output_ranges"], np.float32))
    assert b.frontend.to_dict() == CONFIG["frontend"]
