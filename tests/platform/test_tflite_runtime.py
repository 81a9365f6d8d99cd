"""backend="litert" through tflite_runtime, the TFLite package many Raspberry Pi and Jetson images
ship. .ci/tflite_runtime_leg.sh runs this in a venv with numpy < 2 and tflite-runtime 2.14 but no
ai-edge-litert, with SGT_LITE_LITERT_REFERENCE pointing at frames that ai_edge_litert recorded in
another process (tools/platform_compare.py record). Skips where tflite-runtime is not installed."""
import importlib.util
import json
import os
import pathlib
import sys

import numpy as np
import pytest

pytest.importorskip("tflite_runtime.interpreter", reason="tflite-runtime is not installed (.ci/tflite_runtime_leg.sh)")

from sgt_lite import Animator  # noqa: E402
from sgt_lite.doctor import collect  # noqa: E402
from sgt_lite.model import backends  # noqa: E402
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
TOL = 0.05          # frames, degrees (blink in 0..1 units): the same int8 model in two TFLite runtimes
REFERENCE = os.environ.get("SGT_LITE_LITERT_REFERENCE")


def _has_ai_edge_litert():
    return importlib.util.find_spec("ai_edge_litert") is not None


@pytest.fixture(autouse=True)
def only_tflite_runtime(monkeypatch):
    """Where ai_edge_litert is installed too, the module list (RUNTIME_MODULES, the documented
    hook) is cut to tflite_runtime; in the CI leg it is really absent."""
    monkeypatch.delenv(backends.BACKEND_ENV, raising=False)
    if os.environ.get("SGT_LITE_EXPECT_NO_AI_EDGE_LITERT") == "1":
        assert not _has_ai_edge_litert(), "this leg must run without ai-edge-litert"
    if _has_ai_edge_litert():
        monkeypatch.setitem(backends.RUNTIME_MODULES, "litert", ("tflite_runtime.interpreter",))


@pytest.fixture(scope="module")
def compare_tool():
    spec = importlib.util.spec_from_file_location("platform_compare", REPO / "tools" / "platform_compare.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_litert_and_auto_load_through_tflite_runtime():
    bundle = Bundle.load(DEFAULT_BUNDLE)
    assert backends.probe(bundle)["litert"] == (True, "via tflite_runtime.interpreter")
    assert backends.make_backend(bundle, "litert").name == "litert"
    assert Animator(backend="auto").backend == "litert"
    if not _has_ai_edge_litert():
        assert "ai_edge_litert" not in sys.modules


def test_doctor_names_tflite_runtime():
    rep = collect()
    tfl = next(r for r in rep["runtimes"] if r["module"] == "tflite_runtime.interpreter")
    assert tfl["importable"] and tfl["version"].startswith("2.")
    assert rep["backends"]["litert"]["why"] == "via tflite_runtime.interpreter"
    assert rep["auto"]["backend"] == "litert"


def test_the_model_depends_on_its_input():
    """tflite-runtime 2.14 loads a per-channel dynamic-range FULLY_CONNECTED and runs it with zero
    weights: every step then gives the biases, whatever the input."""
    bundle = Bundle.load(DEFAULT_BUNDLE)
    step = backends.make_backend(bundle, "litert")
    m = bundle.model
    rng = np.random.default_rng(0)
    h = np.zeros((m["layers"], m["hidden"]), np.float32)
    style = np.zeros(m["style_dim"], np.float32)
    outs = [step(rng.standard_normal(m["feature_dim"] + m["noise_dim"]).astype(np.float32), style, h, h)[0]
            for _ in range(2)]
    assert np.abs(outs[0] - outs[1]).max() > 1e-3


def test_frames_match_ai_edge_litert(compare_tool):
    if not REFERENCE:
        pytest.skip("SGT_LITE_LITERT_REFERENCE is not set: .ci/tflite_runtime_leg.sh records it with ai_edge_litert")
    ref = compare_tool.load(REFERENCE)
    assert "ai_edge_litert" in ref["meta"]["runtimes"]["litert"], ref["meta"]["runtimes"]
    got = compare_tool.record(["litert"])
    got["meta"] = json.loads(str(got["meta"]))
    assert "tflite_runtime" in got["meta"]["runtimes"]["litert"]
    report, failures = compare_tool.compare(ref, got, tol=TOL, backends=["litert"])
    print(compare_tool.markdown(report, ref["meta"], got["meta"], failures))
    assert not failures, failures
