#!/usr/bin/env bash
# CI leg: `sgt-lite ros2` over real ROS 2 (the [ros2] extra: rclpy, the message packages and
# Fast DDS as pip wheels; no ROS install, nothing sourced). The test runs a subscriber in
# another process, inside a private network namespace (unshare -n, as root); a missing piece
# fails the leg instead of skipping (SGT_LITE_REQUIRE_ROBOTS). Needs Python >= 3.11.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1
start=$SECONDS
echo "=== CI leg: ros2 (pip install -e '.[ros2]', a subscriber in another process) ==="
if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q util-linux iproute2; } \
    >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; exit 1; }
fi
python3 -m venv "$work/venv" || exit 1
"$work/venv/bin/pip" install -q -e ".[ros2]" "pytest>=7" || exit 1
echo "installed in $((SECONDS - start)) s"
SGT_LITE_REQUIRE_ROBOTS=ros2 "$work/venv/bin/python" -m pytest -p no:cacheprovider tests/robots/test_ros2.py
rc=$?
[ "$rc" -eq 5 ] && { echo "pytest collected no tests: treating as failure" >&2; rc=1; }
echo "ros2 leg: $((SECONDS - start)) s in all"
exit "$rc"
