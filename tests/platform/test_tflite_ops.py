"""quantize.tflite_ops: the flatbuffer reader against the LiteRT schema, and the check that keeps
the exported model runnable by tflite-runtime 2.14."""
import pathlib

import pytest
from hypothesis import given, settings, strategies as st

from quantize import tflite_ops
from quantize.tflite_ops import (FULLY_CONNECTED, TFLITE_RUNTIME_2_14, OpTableError, check_tflite_runtime,
                                 operator_codes, operators, required_version)
from sgt_lite.model.bundle import DEFAULT_BUNDLE

MODEL = (pathlib.Path(DEFAULT_BUNDLE) / "model_int8.tflite").read_bytes()


def test_reader_agrees_with_the_litert_schema():
    schema = pytest.importorskip("ai_edge_litert.schema_py_generated")
    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(MODEL, 0))
    assert [(c, v, custom) for c, v, custom, _ in operator_codes(MODEL)] == [
        (max(oc.builtinCode, oc.deprecatedBuiltinCode), oc.version, oc.customCode.decode() if oc.customCode else None)
        for oc in m.operatorCodes]
    expect = []
    for g in m.subgraphs:
        for op in g.operators:
            oc = m.operatorCodes[op.opcodeIndex]
            ins = []
            for i in op.inputs:
                t = g.tensors[i] if i >= 0 else None
                q = t.quantization if t is not None else None
                n = 0 if q is None or q.scale is None else len(q.scale)
                ins.append(None if t is None else (t.type, n))
            expect.append((max(oc.builtinCode, oc.deprecatedBuiltinCode), oc.version, ins))
    assert operators(MODEL) == expect


def test_the_shipped_model_runs_right_in_tflite_runtime_2_14():
    """Fails for a bundle exported with per-channel dynamic-range int8 (quantize/export.py's
    recipe.dynamic_wi8_afp32): tflite-runtime 2.14 runs those FULLY_CONNECTED ops with zero weights."""
    assert check_tflite_runtime(MODEL) == []


def _with_version(data, code, version):
    for c, _, custom, pos in operator_codes(data):
        if c == code and custom is None and pos is not None:
            out = bytearray(data)
            out[pos:pos + 4] = version.to_bytes(4, "little", signed=True)
            return bytes(out)
    pytest.skip(f"the shipped model stores no version field for builtin {code}")


def test_a_version_beyond_2_14_is_reported():
    code = next(c for c, v, custom, pos in operator_codes(MODEL) if custom is None and pos is not None)
    name, top = TFLITE_RUNTIME_2_14[code]
    bad = _with_version(MODEL, code, top + 1)
    assert f"{name} v{top + 1}: tflite-runtime 2.14 loads up to v{top}" in check_tflite_runtime(bad)
    assert not any(p.startswith(f"{name} v") for p in check_tflite_runtime(_with_version(MODEL, code, top)))


def test_required_version_of_dynamic_range_fully_connected():
    f32, i8 = (tflite_ops.FLOAT32, 0), (tflite_ops.INT8, 448)
    assert required_version(FULLY_CONNECTED, [f32, i8, f32]) == 12          # per-channel hybrid
    assert required_version(FULLY_CONNECTED, [f32, (tflite_ops.INT8, 1), f32]) == 1   # per-tensor hybrid
    assert required_version(FULLY_CONNECTED, [f32, (tflite_ops.FLOAT32, 0), None]) == 1
    assert required_version(FULLY_CONNECTED, [(tflite_ops.INT8, 1), i8]) == 1  # full integer
    assert 12 > TFLITE_RUNTIME_2_14[FULLY_CONNECTED][1]


def test_per_channel_dynamic_range_is_reported_when_the_model_has_it():
    hybrid = [ins for code, _, ins in operators(MODEL) if code == FULLY_CONNECTED and required_version(code, ins) > 10]
    problems = [p for p in check_tflite_runtime(MODEL) if "per-channel int8 weights" in p]
    assert bool(hybrid) == bool(problems) and len(problems) <= 1


def test_not_a_model():
    with pytest.raises(OpTableError, match="TFL3"):
        operator_codes(b"PK\x03\x04 a zip file")
    with pytest.raises(OpTableError):
        operators(MODEL[:64])


@settings(max_examples=300, deadline=None)
@given(pos=st.integers(0, len(MODEL) - 1), byte=st.integers(0, 255), cut=st.integers(8, len(MODEL)))
def test_a_damaged_model_is_an_error_never_a_crash(pos, byte, cut):
    data = bytearray(MODEL[:cut])
    if pos < len(data) and pos >= 8:
        data[pos] = byte
    try:
        check_tflite_runtime(bytes(data))
    except OpTableError:
        pass


def test_cli(tmp_path, capsys):
    code = next(c for c, v, custom, pos in operator_codes(MODEL) if custom is None and pos is not None)
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(_with_version(MODEL, code, 99))
    assert tflite_ops.main([str(bad)]) == 1
    out = capsys.readouterr()
    assert "does NOT run right" in out.out and "v99" in out.err
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"hello, not a model")
    assert tflite_ops.main([str(junk)]) == 1 and "not a TFLite model" in capsys.readouterr().err
