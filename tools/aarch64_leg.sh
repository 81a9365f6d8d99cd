#!/usr/bin/env bash
# The full aarch64 leg, in emulation: a Debian bookworm arm64 root (debootstrap), run through
# qemu-user-static and binfmt_misc with chroot; inside it the project is pip-installed with
# [litert,onnx,test] from the registry's aarch64 wheels, its C extension built by the arm64 gcc,
# the runtime, frontend, shaper and protocol tests run, and the bundled sample recorded
# (tools/platform_compare.py) and compared with the same recording made here on x86_64:
# C frontend features bit-identical, every backend's frames within 0.05 of x86's.
#
# usage: tools/aarch64_leg.sh [--fresh]        (as root: debootstrap, chroot, mount, binfmt)
# env:   SGT_ARM64_ROOT  the arm64 root, kept between runs (default /var/tmp/sgt-lite-arm64)
#        DEBIAN_MIRROR   default http://deb.debian.org/debian
#        HOST_PYTHON     x86 interpreter with sgt-lite[litert,onnx] (default .venv/bin/python, else python3)
#        OUT             results folder (default out/aarch64): summary.md, compare.md, pytest.log, *.npz
# Emulated timings are not Pi timings: the summary gives CPU time only as ratios between backends.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
ROOT=${SGT_ARM64_ROOT:-/var/tmp/sgt-lite-arm64}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
OUT=${OUT:-$REPO/out/aarch64}
HOST_PYTHON=${HOST_PYTHON:-$( [ -x .venv/bin/python ] && echo "$REPO/.venv/bin/python" || echo python3 )}
case "$HOST_PYTHON" in */*) HOST_PYTHON=$(realpath -s "$HOST_PYTHON") ;; esac
TESTS="tests/runtime tests/audio tests/shaping tests/heads/test_protocol.py tests/platform/test_doctor.py
       sgt_lite/audio sgt_lite/shaping sgt_lite/animator.py sgt_lite/doctor.py"   # + their doctests
mkdir -p "$OUT"
[ "$(id -u)" -eq 0 ] || { echo "run as root (debootstrap, chroot and binfmt need it)" >&2; exit 1; }
stage_t0=$SECONDS
declare -a TIMES
stage() { TIMES+=("$1: $((SECONDS - stage_t0)) s"); echo "=== $1 done in $((SECONDS - stage_t0)) s"; stage_t0=$SECONDS; }

# 1. host packages
missing=""
for p in qemu-user-static binfmt-support debootstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# 2. binfmt_misc: arm64 ELF files run through qemu-aarch64-static (F flag: also inside the chroot)
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 || {
  echo "qemu-aarch64 is registered without the F flag; a chroot cannot find the interpreter" >&2; exit 1; }
stage "host packages and binfmt"

# 3. the arm64 root (kept; --fresh rebuilds it)
if [ "${1:-}" = "--fresh" ]; then rm -rf "$ROOT"; fi
if [ ! -e "$ROOT/.sgt-debootstrap-ok" ]; then
  rm -rf "$ROOT"
  debootstrap --arch=arm64 --variant=minbase \
    --include=python3,python3-venv,python3-dev,gcc,libc6-dev,ca-certificates bookworm "$ROOT" "$MIRROR"
  touch "$ROOT/.sgt-debootstrap-ok"
fi
stage "debootstrap bookworm arm64"

mounted=()
cleanup() { for ((i=${#mounted[@]}-1; i>=0; i--)); do umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"; done; }
trap cleanup EXIT
mountpoint -q "$ROOT/proc" || { mount -t proc proc "$ROOT/proc"; mounted+=("$ROOT/proc"); }
mountpoint -q "$ROOT/dev" || { mount --bind /dev "$ROOT/dev"; mounted+=("$ROOT/dev"); }
# no /sys: onnxruntime's cpuinfo reads the x86 host's CPU list there and segfaults under qemu-user
# (without it, it warns "failed to parse the list of possible processors" and runs)
SHARED=${SGT_LITE_SHARED:-$REPO/../shared}
if [ -d "$SHARED/data" ]; then
  mkdir -p "$ROOT/shared"
  mountpoint -q "$ROOT/shared" || { mount --bind -o ro "$SHARED" "$ROOT/shared"; mounted+=("$ROOT/shared"); }
fi
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# the host's CA bundle: pip behind a TLS-intercepting registry proxy needs the same trust
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/sgt-host-ca.crt"
rm -rf "$ROOT/src" && mkdir -p "$ROOT/src"
git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$ROOT/src"
# the x86 reference runs this same snapshot (the working tree may move on during the leg): its
# x86 extension is built next to the aarch64 one (the file names differ by platform tag)
(cd "$ROOT/src" && "$HOST_PYTHON" setup.py -q build_ext --inplace >/dev/null 2>&1)
PYTHONPATH="$ROOT/src" "$HOST_PYTHON" "$ROOT/src/tools/platform_compare.py" record -o "$OUT/x86_64.npz"
in_root() {
  chroot "$ROOT" /usr/bin/env -i PATH=/opt/venv/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 PIP_CERT=/etc/sgt-host-ca.crt \
    SGT_LITE_SHARED=/shared OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    ASAN_OPTIONS=detect_leaks=0 sh -c "cd /src && $1"   # LeakSanitizer cannot run under qemu-user
}

# 4. install: aarch64 wheels from the registry; the C extension built by the arm64 gcc
in_root '[ -x /opt/venv/bin/python ] || python3 -m venv /opt/venv; pip install -q --upgrade pip && pip install -q -e ".[litert,onnx,test]"'
in_root 'python -c "import sgt_lite.audio._mfcc as m, platform; print(platform.machine(), m.__file__)"' | tee "$OUT/extension.txt"
in_root 'pip freeze' > "$OUT/pip-freeze.txt"
stage "pip install -e .[litert,onnx,test] (aarch64)"

# 5. tests under emulation
set +e
in_root "python -m pytest -q -p no:cacheprovider $(echo $TESTS)" > "$OUT/pytest.log" 2>&1
test_rc=$?
set -e
tail -3 "$OUT/pytest.log"
stage "tests under emulation"

# 6. the bundled sample on both machines
in_root 'python tools/platform_compare.py record -o /tmp/arm64.npz' && cp "$ROOT/tmp/arm64.npz" "$OUT/arm64.npz"
in_root 'python -m sgt_lite doctor' > "$OUT/doctor-arm64.txt" 2>&1 || true
set +e
"$HOST_PYTHON" tools/platform_compare.py compare "$OUT/x86_64.npz" "$OUT/arm64.npz" --tol 0.05 --markdown "$OUT/compare.md"
cmp_rc=$?
set -e
stage "record and compare"

# 7. the tflite-runtime path on arm64 (what many Pi images ship): numpy<2 + tflite-runtime 2.14,
#    no ai-edge-litert, against the ai_edge_litert recording made above in the same root
cp "$OUT/arm64.npz" "$ROOT/tmp/arm64.npz"
in_root '[ -x /opt/tfl/bin/python ] || python3 -m venv /opt/tfl; /opt/tfl/bin/pip install -q "numpy<2" "tflite-runtime==2.14.*" "pytest>=7" "hypothesis>=6" && /opt/tfl/bin/pip install -q -e .'
set +e
in_root 'SGT_LITE_LITERT_REFERENCE=/tmp/arm64.npz SGT_LITE_EXPECT_NO_AI_EDGE_LITERT=1 /opt/tfl/bin/python -m pytest -q -p no:cacheprovider tests/platform/test_tflite_runtime.py tests/platform/test_tflite_ops.py' > "$OUT/pytest-tflite.log" 2>&1
tfl_rc=$?
in_root '/opt/tfl/bin/python tools/platform_compare.py record --backends litert -o /tmp/arm64-tflite.npz' &&
  cp "$ROOT/tmp/arm64-tflite.npz" "$OUT/arm64-tflite.npz" &&
  "$HOST_PYTHON" tools/platform_compare.py compare "$OUT/arm64.npz" "$OUT/arm64-tflite.npz" --tol 0.05 --backends litert \
    --markdown "$OUT/compare-tflite.md"
tfl_cmp_rc=$?
set -e
tail -1 "$OUT/pytest-tflite.log"
stage "tflite-runtime 2.14 on arm64"

{
  echo "# aarch64 leg, $(date -u +%F)"
  echo
  echo "- root: Debian $(cat "$ROOT/etc/debian_version") arm64 (debootstrap), run by $(qemu-aarch64-static --version | head -1)"
  echo "- in the root: $(in_root 'python -c "import platform, numpy; print(\"Python\", platform.python_version(), \"numpy\", numpy.__version__)"')"
  echo "- wheels: $(grep -i -E '^(ai-edge-litert|onnxruntime|numpy)==' "$OUT/pip-freeze.txt" | tr '\n' ' ')"
  echo "- C extension: $(tail -1 "$OUT/extension.txt")"
  echo "- tests ($(echo $TESTS)): $(tail -1 "$OUT/pytest.log") (exit $test_rc)"
  echo "- stages: ${TIMES[*]}"
  echo
  cat "$OUT/compare.md"
  echo
  echo "## tflite-runtime 2.14 (numpy < 2, no ai-edge-litert) against ai_edge_litert, both on arm64"
  echo
  echo "- tests (tests/platform/test_tflite_runtime.py, test_tflite_ops.py): $(tail -1 "$OUT/pytest-tflite.log") (exit $tfl_rc)"
  echo
  cat "$OUT/compare-tflite.md" 2>/dev/null || echo "(no comparison: the recording failed)"
} > "$OUT/summary.md"
cat "$OUT/summary.md"
[ "$test_rc" -eq 0 ] && [ "$cmp_rc" -eq 0 ] && [ "$tfl_rc" -eq 0 ] && [ "$tfl_cmp_rc" -eq 0 ]
