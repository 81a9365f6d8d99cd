"""The bytes whose sha256 was checked are the bytes the backends run (issue #10, 9)."""
import io
import shutil

import numpy as np
import pytest

import sgt_lite.model.backends as backends
from sgt_lite.model.backends import installed_backends
from sgt_lite.errors import ModelFileError
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

FILES = {"numpy": "weights_int8.npz", "onnx": "model_int8.onnx", "litert": "model_int8.tflite"}




def _run(backend, bundle, steps=20):
    m = bundle.model
    rng = np.random.default_rng(0)
    h = c = np.zeros((m["layers"], m["hidden"]), np.float32)
    style = np.asarray(bundle.styles["calm"]["code"], np.float32)
    out = []
    for _ in range(steps):
        x = rng.standard_normal(m["feature_dim"] + m["noise_dim"]).astype(np.float32)
        raw, h, c = backend(x, style, h, c)
        out.append(raw)
    return np.array(out)


def _other_valid_npz(path):
    """The same weights file with every array halved: loads fine, computes something else."""
    with np.load(path) as z:
        arrays = {k: (z[k] // 2 if z[k].dtype == np.int8 else z[k] * 0.5) for k in z.files}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize("name", installed_backends())
def test_a_file_swapped_after_the_hash_check_is_never_run(tmp_path, name):
    d = tmp_path / "b"
    shutil.copytree(DEFAULT_BUNDLE, d)
    reference = _run(backends.make_backend(Bundle.load(d), name), Bundle.load(d))
    bundle = Bundle.load(d)                       # sha256 checked here
    path = d / FILES[name]
    path.write_bytes(_other_valid_npz(path) if name == "numpy" else b"\0" * path.stat().st_size)
    backend = backends.make_backend(bundle, name)  # must run the verified bytes, not reopen the file
    np.testing.assert_array_equal(_run(backend, bundle), reference)


def test_the_style_encoder_runs_the_verified_bytes(tmp_path):
    pytest.importorskip("onnxruntime")
    from sgt_lite.model.style_add import _encoder_codes

    d = tmp_path / "b"
    shutil.copytree(DEFAULT_BUNDLE, d)
    bundle = Bundle.load(d)
    motion = np.random.default_rng(0).standard_normal((200, 6)).astype(np.float32) * 5
    motion[:, 5] = 0.1
    before = _encoder_codes(bundle, motion)
    (d / "style_encoder.onnx").write_bytes(b"junk")
    np.testing.assert_array_equal(_encoder_codes(bundle, motion), before)


def test_a_model_that_disagrees_with_bundle_json_fails_at_load(tmp_path):
    """bundle.json says hidden=112; weights of another size are caught before the first step."""
    import hashlib
    import json

    d = tmp_path / "b"
    shutil.copytree(DEFAULT_BUNDLE, d)
    with np.load(d / "weights_int8.npz") as z:
        arrays = {k: z[k] for k in z.files if k != "generator.out.bias"}
    np.savez(d / "weights_int8.npz", **arrays)
    cfg = json.loads((d / "bundle.json").read_text())
    data = (d / "weights_int8.npz").read_bytes()
    cfg["files"]["numpy"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (d / "bundle.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelFileError, match="weights_int8.npz"):
        backends.make_backend(Bundle.load(d), "numpy")


def test_tflite_io_names_that_do_not_match_the_model(tmp_path):
    import json

    pytest.importorskip("ai_edge_litert")
    d = tmp_path / "b"
    shutil.copytree(DEFAULT_BUNDLE, d)
    cfg = json.loads((d / "bundle.json").read_text())
    cfg["tflite_io"]["inputs"][0] = "no_such_tensor"
    (d / "bundle.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelFileError, match="tflite_io.*no_such_tensor"):
        backends.make_backend(Bundle.load(d), "litert")
