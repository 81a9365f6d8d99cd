"""`sgt-lite doctor`: the fields a bug report needs, each checked against this interpreter."""
import importlib
import json
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from sgt_lite.doctor import collect, format_report
from sgt_lite.model import backends
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

HEADINGS = ("machine:", "python:", "numpy:", "runtimes:", "backends for bundle", "auto picks:", "C frontend:", "C frames:",
            "C row loop:", "audio devices:", "serial ports:", "I2C buses:")


def _cli(*args, env=None):
    clean = {k: v for k, v in os.environ.items() if k not in (backends.BACKEND_ENV, "SGT_LITE_FRONTEND", "SGT_LITE_FRAMES")}
    return subprocess.run([sys.executable, "-m", "sgt_lite", *args], capture_output=True, text=True,
                          env={**clean, **(env or {})}, timeout=300)


def _importable(module):
    try:
        importlib.import_module(module)
        return True
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch):
    monkeypatch.delenv(backends.BACKEND_ENV, raising=False)
    monkeypatch.delenv("SGT_LITE_FRONTEND", raising=False)
    monkeypatch.delenv("SGT_LITE_FRAMES", raising=False)


def test_doctor_prints_every_section():
    res = _cli("doctor")
    assert res.returncode == 0, res.stderr
    for heading in HEADINGS:
        assert heading in res.stdout, heading
    assert f"numpy:       {np.__version__}" in res.stdout
    assert platform.machine() in res.stdout.splitlines()[1]


def test_doctor_json_fields_match_this_interpreter():
    res = _cli("doctor", "--json")
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    assert rep["machine"] == platform.machine()
    assert rep["python"].startswith(platform.python_version())
    assert rep["numpy"] == np.__version__
    modules = [m for name in backends.AUTO_ORDER for m in backends.RUNTIME_MODULES[name]]
    assert [r["module"] for r in rep["runtimes"]] == modules
    for r in rep["runtimes"]:
        assert r["importable"] == _importable(r["module"]), r
        assert (r["version"] is not None) == r["importable"] and (r["error"] is None) == r["importable"]
    assert list(rep["backends"]) == list(backends.AUTO_ORDER)
    assert rep["auto"]["backend"] == backends.make_backend(Bundle.load(DEFAULT_BUNDLE), "auto").name
    assert rep["auto"]["env"] is None
    c_built = _importable("sgt_lite.audio._mfcc")
    assert rep["frontend"]["c_built"] == c_built
    assert rep["frontend"]["auto_picks"] == ("c" if c_built else "numpy")
    frames_built = _importable("sgt_lite.events._frames")
    assert rep["frames"]["c_built"] == frames_built and rep["frames"]["picks"] == ("c" if frames_built else "python")
    loop_built = _importable("sgt_lite.model._graph_steps")
    assert rep["row_loop"]["c_built"] == loop_built
    assert rep["row_loop"]["picks"] == ("c" if loop_built else "python")
    for heading in HEADINGS[-3:]:
        assert heading in rep["devices"]


def test_the_litert_line_names_the_module_it_loads_through():
    rep = collect()
    litert = rep["backends"]["litert"]
    first = next((m for m in backends.RUNTIME_MODULES["litert"] if _importable(m)), None)
    if first is None:
        assert not litert["usable"] and "pip install 'sgt-lite[litert]'" in litert["why"]
    else:
        assert litert["usable"] and litert["why"] == f"via {first}"


def test_a_missing_runtime_is_named_and_auto_falls_back(monkeypatch):
    monkeypatch.setitem(backends.RUNTIME_MODULES, "litert", ("no_such_tflite_runtime",))
    rep = collect()
    assert rep["runtimes"][0]["module"] == "no_such_tflite_runtime" and not rep["runtimes"][0]["importable"]
    assert "No module named 'no_such_tflite_runtime'" in rep["runtimes"][0]["error"]
    assert not rep["backends"]["litert"]["usable"]
    expect = "onnx" if _importable("onnxruntime") else "numpy"
    assert rep["auto"]["backend"] == expect
    assert "skipped litert:" in rep["auto"]["why"] and "no_such_tflite_runtime" in rep["auto"]["why"]
    text = format_report(rep)
    assert f"auto picks:  {expect}" in text and "litert  unusable" in text


def test_environment_overrides_are_reported():
    res = _cli("doctor", "--json", env={backends.BACKEND_ENV: "numpy", "SGT_LITE_FRONTEND": "numpy"})
    rep = json.loads(res.stdout)
    assert rep["auto"]["backend"] == "numpy" and rep["auto"]["env"] == "numpy"
    assert f"{backends.BACKEND_ENV}=numpy" in rep["auto"]["why"]
    assert rep["frontend"]["auto_picks"] == "numpy" and rep["frontend"]["env"] == "numpy"


def test_a_bad_bundle_is_a_one_line_error(tmp_path):
    res = _cli("doctor", "--model", str(tmp_path / "missing"))
    errors = [line for line in res.stderr.splitlines() if line.startswith("sgt-lite: error")]
    assert res.returncode == 1 and len(errors) == 1


def test_devices_still_lists_three_kinds():
    res = _cli("devices")
    assert res.returncode == 0
    for heading in HEADINGS[-3:]:
        assert heading in res.stdout


def test_doctor_says_where_the_frame_stages_run(monkeypatch):
    monkeypatch.setenv("SGT_LITE_FRAMES", "python")
    text = format_report(collect())
    assert "C frames:" in text and "head motion run in Python (SGT_LITE_FRAMES=python)" in text
    assert "onnxruntime row loops run in Python (SGT_LITE_FRAMES=python)" in text
    monkeypatch.setenv("SGT_LITE_FRAMES", "fortran")
    rep = collect()
    assert rep["frames"]["picks"] is None and "SGT_LITE_FRAMES" in rep["frames"]["problem"]
    assert rep["row_loop"]["picks"] is None and "SGT_LITE_FRAMES" in rep["row_loop"]["problem"]
    assert "cannot run" in format_report(rep)
