#!/usr/bin/env bash
# CI leg: backend "litert" through tflite-runtime 2.14 (numpy < 2, no ai-edge-litert), compared
# with frames that ai_edge_litert computes in another process on the same bundle.
# usage: .ci/tflite_runtime_leg.sh [REFERENCE_PYTHON]
#   REFERENCE_PYTHON: an interpreter with sgt-lite and ai-edge-litert installed (e.g. the venv of
#   another CI leg); without it, a small venv with ai-edge-litert is made for the reference.
#   TFLITE_PYTHON (env): the interpreter for the tflite-runtime venv (default python3); it must
#   be CPython 3.9 to 3.11, the versions tflite-runtime 2.14 has wheels for.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=${TFLITE_PYTHON:-python3}
"$py" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 11) else 1)' || {
  echo "tflite-runtime 2.14 has wheels for CPython 3.9-3.11 only; set TFLITE_PYTHON to one" >&2; exit 1; }

ref_py=${1:-}
if [ -z "$ref_py" ]; then
  echo "=== reference venv: sgt-lite + ai-edge-litert ==="
  "$py" -m venv "$work/ref"
  "$work/ref/bin/pip" install -q -e . "ai-edge-litert>=1.2"
  ref_py="$work/ref/bin/python"
fi
"$ref_py" tools/platform_compare.py record --backends litert -o "$work/ref.npz"

echo "=== tflite-runtime venv: numpy<2 + tflite-runtime 2.14, no ai-edge-litert ==="
"$py" -m venv "$work/tfl"
"$work/tfl/bin/pip" install -q "numpy<2" "tflite-runtime==2.14.*" "pytest>=7" "hypothesis>=6"
"$work/tfl/bin/pip" install -q -e .
"$work/tfl/bin/python" - <<'PY'
import importlib.util, numpy, tflite_runtime
assert importlib.util.find_spec("ai_edge_litert") is None, "ai-edge-litert must not be installed in this leg"
print("numpy", numpy.__version__, "tflite_runtime", tflite_runtime.__version__)
PY
"$work/tfl/bin/python" -m sgt_lite doctor
SGT_LITE_LITERT_REFERENCE="$work/ref.npz" SGT_LITE_EXPECT_NO_AI_EDGE_LITERT=1 \
  "$work/tfl/bin/python" -m pytest -q -p no:cacheprovider -rs \
  tests/platform/test_tflite_runtime.py tests/platform/test_tflite_ops.py tests/platform/test_doctor.py \
  tests/model/test_backend_io.py
