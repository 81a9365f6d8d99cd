"""Keeps the exported TFLite model runnable by tflite-runtime 2.14, the package many Raspberry Pi
and Jetson images still ship: lists the model's operator codes and versions straight from the
flatbuffer (no schema package needed) and compares them with what 2.14's op resolver registers.
It also recomputes the version an operator needs from its tensors where the exporter is known to
write too low a one: a dynamic-range FULLY_CONNECTED with per-channel weights is written as v5,
needs v12, and tflite-runtime 2.14 runs it with zero weights instead of refusing it.

``TFLITE_RUNTIME_2_14`` was measured, not copied: ``tools/tflite_op_table.py`` writes one model
per (operator, version) and asks tflite-runtime 2.14.0 itself which of them it loads. An operator
missing from the table is reported too: nobody has checked it, so run that script to add it.

    python -m quantize.tflite_ops sgt_lite/data/default_bundle/model_int8.tflite
"""
import functools
import struct
import sys

# builtin code -> (name, highest version tflite-runtime 2.14.0 loads); all load from version 1.
# Measured 2026-11-24 with tools/tflite_op_table.py --runtime-python <tflite-runtime 2.14.0 venv> on the
# default bundle's model and on a weight-only int8 export of the same checkpoint (for DEQUANTIZE);
# each next version is refused ("Didn't find op for builtin opcode ...").
TFLITE_RUNTIME_2_14 = {
    0: ("ADD", 5),
    2: ("CONCATENATION", 4),
    6: ("DEQUANTIZE", 5),
    9: ("FULLY_CONNECTED", 10),
    14: ("LOGISTIC", 3),
    18: ("MUL", 7),
    22: ("RESHAPE", 1),
    28: ("TANH", 3),
    55: ("MAXIMUM", 4),
    57: ("MINIMUM", 4),
    65: ("SLICE", 6),
}


class OpTableError(ValueError):
    """The bytes are not a TFLite flatbuffer this reader understands."""


def _u32(buf, pos):
    if pos + 4 > len(buf):
        raise OpTableError(f"offset {pos} runs past the end ({len(buf)} bytes)")
    return struct.unpack_from("<I", buf, pos)[0]


def _field(buf, table, index):
    """Absolute position of field ``index`` of the table at ``table``, or None when absent."""
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    vt_size = struct.unpack_from("<H", buf, vtable)[0]
    slot = 4 + 2 * index
    if slot >= vt_size:
        return None
    off = struct.unpack_from("<H", buf, vtable + slot)[0]
    return table + off if off else None


def _scalar(buf, table, index, fmt, default):
    pos = _field(buf, table, index)
    return struct.unpack_from(fmt, buf, pos)[0] if pos is not None else default


def _vector(buf, table, index):
    """(position of the first element, length) of a vector field; (0, 0) when absent."""
    pos = _field(buf, table, index)
    if pos is None:
        return 0, 0
    vec = pos + _u32(buf, pos)
    return vec + 4, _u32(buf, vec)


def _tables(buf, table, index):
    first, n = _vector(buf, table, index)
    return [first + 4 * j + _u32(buf, first + 4 * j) for j in range(n)]


def _ints(buf, table, index):
    first, n = _vector(buf, table, index)
    if first + 4 * n > len(buf):
        raise OpTableError(f"an int vector of {n} runs past the end")
    return list(struct.unpack_from(f"<{n}i", buf, first))


def _model(data):
    buf = bytes(data)
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise OpTableError("not a TFLite model (no 'TFL3' file identifier)")
    return buf, _u32(buf, 0)


def _guard(fn):
    @functools.wraps(fn)
    def wrapped(data):
        try:
            return fn(data)
        except (struct.error, IndexError) as exc:
            raise OpTableError(f"truncated or corrupt flatbuffer ({exc})") from exc
    return wrapped


@_guard
def operator_codes(data):
    """``[(builtin_code, version, custom_code or None, version_field_position or None)]``, in the
    model's operator-code order. ``data``: the .tflite bytes.

    >>> from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle
    >>> codes = operator_codes(Bundle.load(DEFAULT_BUNDLE).data("tflite"))
    >>> len(codes) > 0 and all(isinstance(version, int) for _, version, _, _ in codes)
    True
    """
    buf, model = _model(data)
    out = []
    for oc in _tables(buf, model, 1):
        deprecated = _scalar(buf, oc, 0, "<b", 0)
        builtin = _scalar(buf, oc, 3, "<i", 0)
        custom, name = _field(buf, oc, 1), None
        if custom is not None:
            s = custom + _u32(buf, custom)
            name = buf[s + 4:s + 4 + _u32(buf, s)].decode("utf-8", "replace")
        out.append((max(deprecated, builtin), _scalar(buf, oc, 2, "<i", 1), name, _field(buf, oc, 2)))
    return out


@_guard
def operators(data):
    """``[(builtin_code, declared_version, [(tensor_type, n_scales) or None per input])]`` for
    every operator of every subgraph (tensor types: 0 float32, 9 int8; see schema.fbs)."""
    buf, model = _model(data)
    codes = operator_codes(buf)
    out = []
    for sub in _tables(buf, model, 2):
        tensors = _tables(buf, sub, 0)
        infos = []
        for t in tensors:
            q = _field(buf, t, 4)
            n_scales = _vector(buf, q + _u32(buf, q), 2)[1] if q is not None else 0
            infos.append((_scalar(buf, t, 1, "<b", 0), n_scales))
        for op in _tables(buf, sub, 3):
            index = _scalar(buf, op, 0, "<I", 0)
            if index >= len(codes):
                raise OpTableError(f"operator uses operator code {index} of {len(codes)}")
            ins = [infos[i] if 0 <= i < len(infos) else None for i in _ints(buf, op, 1)]
            out.append((codes[index][0], codes[index][1], ins))
    return out


FLOAT32, INT8 = 0, 9
FULLY_CONNECTED = 9


def required_version(code, inputs):
    """The version TensorFlow's op_version.cc gives an operator with these inputs, for the
    cases that matter here (else 1): a dynamic-range FULLY_CONNECTED (float input, int8
    weights) with per-channel weight scales is version 12."""
    if code == FULLY_CONNECTED and len(inputs) >= 2 and inputs[0] and inputs[1]:
        if inputs[0][0] == FLOAT32 and inputs[1][0] == INT8 and inputs[1][1] > 1:
            return 12
    return 1


def check_tflite_runtime(data):
    """Problems that keep tflite-runtime 2.14 from running the model right (empty when none)."""
    problems = []
    for code, version, custom, _ in operator_codes(data):
        if custom is not None:
            problems.append(f"custom operator {custom!r} (tflite-runtime has no custom ops registered)")
        elif code not in TFLITE_RUNTIME_2_14:
            problems.append(f"builtin operator {code} (v{version}) is not in the checked table; run "
                            "tools/tflite_op_table.py with tflite-runtime 2.14 to see whether it loads")
        elif version > TFLITE_RUNTIME_2_14[code][1]:
            name, top = TFLITE_RUNTIME_2_14[code]
            problems.append(f"{name} v{version}: tflite-runtime 2.14 loads up to v{top}")
    seen = set()
    for code, version, inputs in operators(data):
        need = required_version(code, inputs)
        top = TFLITE_RUNTIME_2_14.get(code, (None, need))[1]
        if need > top and version < need and (code, version) not in seen:
            seen.add((code, version))
            name = TFLITE_RUNTIME_2_14[code][0]
            problems.append(
                f"{name} with float inputs and per-channel int8 weights (dynamic-range) needs v{need}, the "
                f"file says v{version}: tflite-runtime 2.14 (up to v{top}) loads it and runs it with its weights "
                "zeroed (measured: the outputs are the biases alone); export weight-only int8 instead "
                "(ai_edge_quantizer recipe.weight_only_wi8_afp32)")
    return problems


def describe(data):
    """One line per operator code: name, version and what 2.14 allows."""
    lines = []
    for code, version, custom, _ in operator_codes(data):
        if custom is not None:
            lines.append(f"custom {custom} v{version}")
        else:
            name, top = TFLITE_RUNTIME_2_14.get(code, (f"BUILTIN_{code}", None))
            lines.append(f"{name} v{version}" + (f" (2.14: <= v{top})" if top else " (2.14: unchecked)"))
    return lines


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m quantize.tflite_ops MODEL.tflite", file=sys.stderr)
        return 2
    with open(argv[0], "rb") as f:
        data = f.read()
    try:
        print("\n".join(describe(data)))
        problems = check_tflite_runtime(data)
    except OpTableError as exc:
        print(f"{argv[0]}: {exc}", file=sys.stderr)
        return 1
    for p in problems:
        print(f"{argv[0]}: {p}", file=sys.stderr)
    print("runs right in tflite-runtime 2.14" if not problems else "does NOT run right in tflite-runtime 2.14")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
