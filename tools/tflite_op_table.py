"""Measures which operator versions tflite-runtime loads, for quantize/tflite_ops.py's table.

For every operator code in a model it writes copies whose only change is that code's version
(1 .. --max-version) and asks a tflite-runtime interpreter, in its own process, which copies
construct (the op resolver refuses unknown (operator, version) pairs at construction time).

    .venv/bin/python tools/tflite_op_table.py --runtime-python /path/to/tflrt-venv/bin/python \\
        [--model sgt_lite/data/default_bundle/model_int8.tflite] [--max-version 16]

Writing the copies needs ai_edge_litert (its flatbuffer schema) and flatbuffers, which the dev
venv has; the runtime venv needs only tflite-runtime. Prints the table as a Python literal.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
PROBE = r"""
import json, sys
import tflite_runtime
from tflite_runtime.interpreter import Interpreter
ok = {}
for path in sys.argv[1:]:
    try:
        Interpreter(model_path=path)
        ok[path] = True
    except Exception as exc:
        ok[path] = str(exc).splitlines()[0][:200]
print(json.dumps({"version": tflite_runtime.__version__, "results": ok}))
"""


def variants(model_bytes, out_dir, max_version):
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    files = {}
    base = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    for i, oc in enumerate(base.operatorCodes):
        code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
        for v in range(1, max_version + 1):
            m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
            m.operatorCodes[i].version = v
            b = flatbuffers.Builder(len(model_bytes) + 1024)
            b.Finish(m.Pack(b), file_identifier=b"TFL3")
            path = out_dir / f"op{code}_v{v}.tflite"
            path.write_bytes(bytes(b.Output()))
            files[str(path)] = (code, names.get(code, f"BUILTIN_{code}"), v)
    return files


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runtime-python", required=True, help="a python with tflite-runtime installed")
    ap.add_argument("--model", default=str(REPO / "sgt_lite" / "data" / "default_bundle" / "model_int8.tflite"))
    ap.add_argument("--max-version", type=int, default=16)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = variants(pathlib.Path(args.model).read_bytes(), pathlib.Path(tmp), args.max_version)
        res = subprocess.run([args.runtime_python, "-c", PROBE, *files], capture_output=True, text=True, check=True)
    report = json.loads(res.stdout.strip().splitlines()[-1])
    table = {}
    for path, (code, name, v) in sorted(files.items(), key=lambda kv: kv[1]):
        loaded = report["results"][path] is True
        top = table.setdefault(code, [name, 0, None])
        if loaded and top[1] == v - 1:        # the contiguous run from version 1
            top[1] = v
        elif not loaded and top[2] is None:
            top[2] = report["results"][path]
    print(f"# measured with tflite-runtime {report['version']} on {args.model}")
    for code, (name, top, why) in sorted(table.items()):
        print(f"    {code}: ({name!r}, {top}),    # v{top + 1}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
