"""quantize/ on a freshly trained smoke checkpoint: the ONNX int8 path always (torch +
onnxruntime), the TFLite path where litert-torch is installed (the [quantize] extra)."""
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from sgt_lite.model.checkpoint import Checkpoint  # noqa: E402


@pytest.fixture(scope="module")
def smoke_ck(tmp_path_factory, styletalk):
    out = tmp_path_factory.mktemp("q") / "ck"
    res = subprocess.run([sys.executable, "-m", "sgt_train", "--recipe", "sgt_train/recipes/smoke.json",
                          "-o", str(out), "--steps", "20"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    return Checkpoint.load(out)


def test_onnx_int8_keeps_the_lstm_quantized_and_close_to_fp32(smoke_ck, tmp_path):
    import onnxruntime as ort

    from quantize import export
    from quantize.step_graph import GeneratorStep, example_inputs, load_torch
    from sgt_lite.model.numpy_step import NumpyStep

    gen, _ = load_torch(smoke_ck)
    step = GeneratorStep(gen, smoke_ck.model["cell_clip"]).eval()
    export.export_onnx_fp32(step, example_inputs(smoke_ck), tmp_path / "fp32.onnx")
    ops = export.quantize_onnx(tmp_path / "fp32.onnx", tmp_path / "int8.onnx")
    assert "DynamicQuantizeLSTM" in ops and "LSTM" not in ops
    sess = ort.InferenceSession(str(tmp_path / "int8.onnx"), providers=["CPUExecutionProvider"])
    m = smoke_ck.model
    ref = NumpyStep(smoke_ck.generator_weights(), m["layers"], m["cell_clip"])
    rng = np.random.default_rng(0)
    h = c = np.zeros((m["layers"], m["hidden"]), np.float32)
    h2, c2 = h.copy(), c.copy()
    style = np.asarray(next(iter(smoke_ck.styles.values()))["code"], np.float32)
    errs = []
    for _ in range(200):
        x = rng.standard_normal(m["feature_dim"] + m["noise_dim"]).astype(np.float32)
        r1, h, c = ref(x, style, h, c)
        r2, hh, cc = sess.run(None, {"x": x[None], "style": style[None], "h": h2[:, None], "c": c2[:, None]})
        h2, c2 = hh[:, 0], cc[:, 0]
        errs.append(np.abs(r1 - r2[0]).max())
    assert np.mean(errs) < 0.1 and np.isfinite(errs).all()


def test_full_quantize_cli_builds_a_working_bundle(smoke_ck, tmp_path, styletalk):
    pytest.importorskip("litert_torch")
    pytest.importorskip("ai_edge_quantizer")
    res = subprocess.run([sys.executable, "-m", "quantize", smoke_ck.path, "-o", str(tmp_path / "b"),
                          "--minutes", "0.5"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    for step in ("[1/6]", "[3/6]", "[6/6]"):
        assert step in res.stderr
    from sgt_lite import Animator

    for backend in ("numpy", "onnx", "litert"):
        frames = Animator(model=tmp_path / "b", backend=backend).step(np.zeros(16000, np.float32))
        assert len(frames) == 24
    assert "mean abs error" in (tmp_path / "b-report" / "verify.md").read_text()
