"""Helpers for the robot-stack tests (Reachy Mini's daemon, ROS 2).

Whatever these tests start runs in a fresh network namespace with only loopback up
(``unshare -n``, as root): Reachy Mini's daemon announces itself over mDNS on every
interface and DDS discovers peers by multicast, and neither may leak onto a network.
``test_*.py`` re-runs a ``*_cases.py`` module inside such a namespace; the cases refuse
to start anything outside one.

Set ``SGT_LITE_REQUIRE_ROBOTS=reachy,ros2`` (the CI legs do) to make a missing SDK, a
missing ``unshare`` or a non-root user fail instead of skip.
"""
import importlib
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
NETNS_ENV = "SGT_LITE_IN_NETNS"
REQUIRE_ENV = "SGT_LITE_REQUIRE_ROBOTS"


def required() -> set:
    return {s.strip() for s in os.environ.get(REQUIRE_ENV, "").split(",") if s.strip()}


def unavailable(stack: str, why: str):
    """Skips, or fails when the CI leg requires ``stack``."""
    if stack in required():
        pytest.fail(f"{why} ({REQUIRE_ENV} requires {stack!r})")
    pytest.skip(why)


def need(module: str, stack: str, hint: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        unavailable(stack, f"{module} is not importable ({exc}); {hint}")


def interfaces() -> list:
    """This process's network interfaces (/sys/class/net would show the namespace sysfs was
    mounted in, not ours)."""
    return sorted(name for _, name in socket.if_nameindex())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_isolated(stack: str, cases: pathlib.Path, timeout: float, env=None) -> subprocess.CompletedProcess:
    """Runs pytest on ``cases`` inside ``unshare -n`` with loopback up."""
    if os.geteuid() != 0:
        unavailable(stack, "a private network namespace needs root (unshare -n)")
    if not (shutil.which("unshare") and shutil.which("ip")):
        unavailable(stack, "unshare (util-linux) and ip (iproute2) are needed for a private network namespace")
    cmd = ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
           sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(cases)]
    full_env = dict(os.environ, **(env or {}), **{NETNS_ENV: "1"})
    return subprocess.run(cmd, cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def assert_all_passed(result: subprocess.CompletedProcess, at_least: int):
    out = result.stdout
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    assert result.returncode == 0, f"the isolated run failed (rc {result.returncode}):\n{out[-8000:]}"
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= at_least, f"expected >= {at_least} passed: {summary}\n{out[-4000:]}"
    assert not re.search(r"skipped|xfail|deselected", summary), f"nothing may be skipped: {summary}\n{out[-4000:]}"
    print(out[-3000:])
