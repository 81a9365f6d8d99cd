#!/usr/bin/env bash
# CI leg: Reachy Mini through its SDK (the [reachy] extra: reachy-mini[mujoco]==1.12.0) against
# the real daemon, in headless MuJoCo and in --mockup-sim. tests/robots starts the daemon
# itself, inside a private network namespace (unshare -n, as root); a missing piece fails
# the leg instead of skipping (SGT_LITE_REQUIRE_ROBOTS). Needs Python >= 3.11.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1
start=$SECONDS
echo "=== CI leg: reachy (pip install -e '.[reachy]', real daemon in MuJoCo and mockup) ==="

# PyGObject and pycairo (SDK dependencies) build against these; unshare/ip isolate the daemon
apt_pkgs="libcairo2-dev libgirepository1.0-dev gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 util-linux iproute2"
if ! dpkg -s $apt_pkgs >/dev/null 2>&1; then
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $apt_pkgs; } \
    >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; exit 1; }
fi
python3 -m venv "$work/venv" || exit 1
"$work/venv/bin/pip" install -q -e ".[reachy]" "pytest>=7" || exit 1
echo "installed in $((SECONDS - start)) s"
SGT_LITE_REQUIRE_ROBOTS=reachy "$work/venv/bin/python" -m pytest -p no:cacheprovider tests/robots
rc=$?
[ "$rc" -eq 5 ] && { echo "pytest collected no tests: treating as failure" >&2; rc=1; }
echo "reachy leg: $((SECONDS - start)) s in all"
exit "$rc"
