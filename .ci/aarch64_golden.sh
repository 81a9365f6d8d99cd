#!/usr/bin/env bash
# CI: the portable C code (MFCC core, per-frame stages, protocol decoder, firmware limiter) cross-compiled for
# aarch64 and run under qemu-aarch64 must give the same bytes as the x86 build
# (tests/platform/test_aarch64_c.py). Installs the Debian packages it needs when missing
# (idempotent: no apt call when they are there).
# usage: .ci/aarch64_golden.sh [PYTHON]   PYTHON: an interpreter with sgt-lite and pytest
#        (default python3); with --install-only it only installs the packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ "${1:-}" = "--install-only" ] && exit 0
SGT_LITE_REQUIRE_AARCH64=1 "${1:-python3}" -m pytest -q -p no:cacheprovider tests/platform/test_aarch64_c.py
