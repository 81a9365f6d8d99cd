"""ReachyMiniHead against the real Reachy Mini daemon, in MuJoCo (``--sim --headless``) and
in ``--mockup-sim``. Runs only inside the private network namespace that
test_reachy_mini.py creates (the daemon announces itself over mDNS)."""
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from robotenv import free_port, need

# Read-back tolerances (degrees). The mockup applies the IK and echoes the pose; MuJoCo
# simulates the Stewart platform, which lands 1-2 deg short at 20-30 deg and lags by
# its PD servo loop; a loaded runner slows it further, so trajectories are aligned in time
# before they are compared (aligned_rms).
TOL = {"mockup": {"static": 0.5, "track": 1.0}, "mujoco": {"static": 3.0, "track": 3.0}}
START_TIMEOUT_S = 180


def _status(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/daemon/status", timeout=2) as r:
        return json.loads(r.read())


def start_daemon(kind, folder: pathlib.Path):
    exe = pathlib.Path(sys.executable).with_name("reachy-mini-daemon")
    assert exe.exists(), f"{exe} not found: install the [reachy] extra in this venv"
    port = free_port()
    home = folder / "home"
    home.mkdir(parents=True)
    log = open(folder / "daemon.log", "w")
    cmd = [str(exe), "--sim" if kind == "mujoco" else "--mockup-sim", "--headless", "--no-media",
           "--dataset-update-interval", "0", "--no-wake-up-on-start", "--no-goto-sleep-on-stop",
           "--fastapi-port", str(port)]
    proc = subprocess.Popen(cmd, env=dict(os.environ, HOME=str(home)), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            log.close()
            tail = (folder / "daemon.log").read_text()[-4000:]
            raise AssertionError(f"the daemon exited ({proc.returncode}):\n{tail}")
        try:
            if _status(port).get("state") == "running":
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_daemon(proc)
            raise AssertionError(f"the daemon did not start in {START_TIMEOUT_S} s")
        time.sleep(0.3)
    proc.log = log
    return proc, port


def stop_daemon(proc):
    """By PID: SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if getattr(proc, "log", None):
        proc.log.close()


@pytest.fixture(scope="module", params=["mockup", "mujoco"])
def daemon(request, isolated, tmp_path_factory):
    need("reachy_mini", "reachy", "pip install 'sgt-lite[reachy]'")
    proc, port = start_daemon(request.param, tmp_path_factory.mktemp(request.param))
    yield request.param, port
    stop_daemon(proc)


def _head(port, **kw):
    from sgt_lite.heads.reachy_mini import ReachyMiniHead

    return ReachyMiniHead(port=port, timeout=20.0, **kw)


def _settle(read, want, tol, timeout=8.0):
    """Polls ``read()`` until every joint is within ``tol`` of ``want``; returns the last reading."""
    deadline = time.monotonic() + timeout
    while True:
        got = read()
        if all(abs(got[k] - v) <= tol for k, v in want.items()) or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def _hold(head, pose, seconds=0.6):
    for _ in range(int(seconds * 50)):
        head.write(pose)
        time.sleep(0.02)


def test_static_poses_follow(daemon):
    kind, port = daemon
    tol = TOL[kind]["static"]
    with _head(port) as head:
        for pose in ({"head_yaw": 20.0, "head_pitch": 0.0, "head_roll": 0.0},
                     {"head_yaw": 0.0, "head_pitch": 15.0, "head_roll": 0.0},   # chin up
                     {"head_yaw": 0.0, "head_pitch": -15.0, "head_roll": 10.0},
                     {"head_yaw": -25.0, "head_pitch": 8.0, "head_roll": -12.0}):
            _hold(head, pose)
            got = _settle(head.read_pose, pose, tol)
            for k, v in pose.items():
                assert abs(got[k] - v) <= tol, f"{kind}: commanded {pose}, read back {got}"


def test_out_of_range_is_clamped_before_the_daemon(daemon):
    kind, port = daemon
    with _head(port) as head:
        _hold(head, {"head_yaw": 0.0, "head_pitch": 90.0, "head_roll": 0.0})
        assert head.pose["head_pitch"] == 40.0 and head.clamped > 0
        got = _settle(head.read_pose, {"head_pitch": 40.0}, TOL[kind]["static"] + 1.0)
        assert abs(got["head_pitch"] - 40.0) <= TOL[kind]["static"] + 1.0, got
        with pytest.raises(Exception, match="not a finite number"):
            head.write({"head_yaw": float("nan")})


def aligned_rms(sent, seen, band):
    """Per-joint rms error between a commanded and a read-back trajectory after aligning them
    in time: a monotonic alignment (dynamic time warping) in which each read-back sample
    lags its command by 0..``band`` samples. A loaded runner slows the simulation, so its
    lag grows during a run; a fixed lag would blame the runner, not the robot."""
    n, m = len(sent), len(seen)
    d = ((sent[:, None, :] - seen[None, :, :]) ** 2).sum(-1)
    cost = np.full((n, m), np.inf)
    for i in range(n):
        for j in range(i, min(m, i + band + 1)):
            prev = 0.0 if i == j == 0 else min(cost[i - 1, j - 1] if i and j else np.inf,
                                               cost[i - 1, j] if i else np.inf,
                                               cost[i, j - 1] if j else np.inf)
            cost[i, j] = d[i, j] + prev
    i, j, path = n - 1, m - 1, [(n - 1, m - 1)]
    while i or j:
        steps = [(a, b) for a, b in ((i - 1, j - 1), (i - 1, j), (i, j - 1)) if a >= 0 and b >= 0]
        i, j = min(steps, key=lambda ab: cost[ab])
        path.append((i, j))
    idx = np.array(path[::-1])
    err = sent[idx[:, 0]] - seen[idx[:, 1]]
    return np.sqrt(np.mean(err ** 2, axis=0)), float(np.mean(idx[:, 1] - idx[:, 0]))


def test_streamed_speech_motion_tracks(daemon):
    """The whole path: Animator on speech -> MotionShaper (reachy_mini profile) -> set_target at
    50 Hz, with a look-at turn half-way; the read-back follows the commands."""
    from sgt_lite import Animator
    from sgt_lite.audio import SAMPLE_WAV, read_wav
    from sgt_lite.shaping import MotionShaper

    kind, port = daemon
    anim = Animator(backend="numpy")
    x, _ = read_wav(SAMPLE_WAV, sample_rate=anim.sample_rate)
    frames = anim.step(x[: 5 * anim.sample_rate])
    shaper = MotionShaper("reachy_mini")
    n, tail, dt = 200, 75, shaper.dt                      # 4 s at 50 Hz, then 1.5 s holding the last pose
    sent, seen = [], []
    with _head(port) as head:
        neutral = {"head_yaw": 0.0, "head_pitch": 0.0, "head_roll": 0.0}
        _hold(head, neutral)
        _settle(head.read_pose, neutral, TOL[kind]["static"])
        head.speaking = True
        t0, fi = time.monotonic(), 0
        for k in range(n + tail):
            if k < n:
                while fi < len(frames) and frames[fi].t <= (k + 1) * dt:
                    shaper.push(frames[fi])
                    fi += 1
                if k == n // 2:
                    shaper.look_at(18.0, -6.0)
                head.write(shaper.tick())
            else:
                head.write(head.pose)
            sent.append([head.pose[j] for j in ("head_yaw", "head_pitch", "head_roll")])
            r = head.read_pose()
            seen.append([r[j] for j in ("head_yaw", "head_pitch", "head_roll")])
            time.sleep(max(0.0, t0 + (k + 1) * dt - time.monotonic()))
        antennas = head.read_antennas()
        shaper.park_to(head)
        parked = _settle(head.read_pose, {"head_yaw": 0.0, "head_pitch": 0.0, "head_roll": 0.0},
                         TOL[kind]["static"])
    sent, seen = np.array(sent), np.array(seen)
    assert sent.std(0).max() > 3.0, f"the commanded motion is too small to test: std {sent.std(0)}"
    rms, lag = aligned_rms(sent, seen, band=tail)
    print(f"{kind}: rms error yaw/pitch/roll {np.round(rms, 2)} deg after alignment (mean lag {lag * dt:.2f} s), "
          f"commanded std {np.round(sent.std(0), 2)}, read-back std {np.round(seen.std(0), 2)}")
    assert rms.max() <= TOL[kind]["track"], f"{kind}: read-back rms error {rms} (mean lag {lag * dt:.2f} s)"
    moving = sent.std(0) > 2.0
    assert np.all(seen.std(0)[moving] >= 0.5 * sent.std(0)[moving]), f"{kind}: the head moved too little: " \
        f"{seen.std(0)} for commands with std {sent.std(0)}"
    assert all(abs(v) <= TOL[kind]["static"] for v in parked.values()), f"parking ended at {parked}"
    assert abs(antennas[0] + 25.0) < 2.0 and abs(antennas[1] - 25.0) < 2.0, f"speaking antennas at {antennas}"


def test_antennas_show_speaking(daemon):
    kind, port = daemon
    with _head(port) as head:
        for speaking, spread in ((True, 25.0), (False, 10.0)):
            head.speaking = speaking
            _hold(head, {"head_yaw": 0.0}, 1.0)
            deadline = time.monotonic() + 5
            while True:
                right, left = head.read_antennas()
                if (abs(right + spread) < 2 and abs(left - spread) < 2) or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert abs(right + spread) < 2 and abs(left - spread) < 2, (kind, speaking, right, left)


def test_offsets_layer_stacks_on_the_apps_own_target(daemon):
    """An app commands its primary pose; our motion rides on top through the speech-offset
    layer (own connection, then the app's own ReachyMini); closing hands the head back."""
    from reachy_mini import ReachyMini
    from reachy_mini.utils import create_head_pose
    from reachy_mini.utils.interpolation import compose_world_offset
    from sgt_lite.heads.reachy_mini import ReachyMiniHead, pose_from_matrix, reachy_angles

    kind, port = daemon
    tol = TOL[kind]["static"] + 0.5
    app = ReachyMini(port=port, connection_mode="localhost_only", media_backend="no_media", timeout=20.0)
    try:
        app.set_target(head=create_head_pose(yaw=20.0, degrees=True))
        with _head(port, layer="offsets") as head:
            assert head.read_pose()  # connected
            ours = {"head_pitch": 10.0, "head_roll": 0.0, "head_yaw": 0.0}
            _hold(head, ours)
            # the daemon composes offsets in the world frame, as the SDK's wobbler expects
            roll, pitch, yaw = reachy_angles(ours)
            want = pose_from_matrix(compose_world_offset(create_head_pose(yaw=20.0, degrees=True),
                                                         create_head_pose(roll=roll, pitch=pitch, yaw=yaw)))
            assert want["head_pitch"] > 9.0 and abs(want["head_roll"]) > 3.0      # not a plain sum
            got = _settle(head.read_pose, want, tol)
            assert all(abs(got[k] - v) <= tol for k, v in want.items()), f"{kind}: stacked pose {got}"
        back = {"head_yaw": 20.0, "head_pitch": 0.0, "head_roll": 0.0}
        with ReachyMiniHead(mini=app, layer="offsets") as shared:
            got = _settle(shared.read_pose, back, tol)       # the offsets were zeroed on close
            assert all(abs(got[k] - v) <= tol for k, v in back.items()), f"{kind}: after close {got}"
            _hold(shared, {"head_yaw": -10.0})
            got = _settle(shared.read_pose, {"head_yaw": 10.0}, tol)
            assert abs(got["head_yaw"] - 10.0) <= tol, got
        app.set_target(head=create_head_pose(yaw=0.0, degrees=True))   # the app's connection stays open
        got = _settle(lambda: pose_from_matrix(app.get_current_head_pose()), {"head_yaw": 0.0}, tol)
        assert abs(got["head_yaw"]) <= tol, got
    finally:
        app.__exit__(None, None, None)


def test_close_is_safe_twice_and_write_after_close_fails(daemon):
    from sgt_lite.heads import HeadDriverError

    _, port = daemon
    head = _head(port)
    head.close()
    head.close()
    with pytest.raises(HeadDriverError, match="closed"):
        head.write({"head_yaw": 1.0})


def test_open_head_spec_reaches_the_daemon(daemon):
    from sgt_lite.heads import open_head

    kind, port = daemon
    with open_head(f"reachy_mini::{port}", "reachy_mini") as head:
        _hold(head, {"head_yaw": 12.0})
        got = _settle(head.read_pose, {"head_yaw": 12.0}, TOL[kind]["static"])
        assert abs(got["head_yaw"] - 12.0) <= TOL[kind]["static"], got


def test_a_vanished_daemon_is_a_head_driver_error(isolated, tmp_path):
    need("reachy_mini", "reachy", "pip install 'sgt-lite[reachy]'")
    from sgt_lite.heads import HeadDriverError

    proc, port = start_daemon("mockup", tmp_path)
    try:
        head = _head(port)
        head.write({"head_yaw": 5.0})
    finally:
        stop_daemon(proc)
    with pytest.raises(HeadDriverError, match="lost the Reachy Mini daemon"):
        for _ in range(300):                    # the SDK notices within its 1 s heartbeat
            head.write({"head_yaw": 5.0})
            time.sleep(0.02)
    head.close()                                # still safe: logs, does not raise
    assert head.closed


def test_demo_cli_drives_the_daemon_and_parks(daemon):
    """`sgt-lite demo --head reachy_mini::PORT` end to end: the reachy_mini profile by default,
    motion while the speech plays, parked at neutral when it ends."""
    from sgt_lite.audio import SAMPLE_WAV
    from sgt_lite.heads.reachy_mini import ReachyMiniHead

    kind, port = daemon
    proc = subprocess.run([sys.executable, "-m", "sgt_lite", "demo", "--head", f"reachy_mini::{port}", "--input",
                           SAMPLE_WAV, "--duration", "3", "--no-playback", "--backend", "numpy"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "profile 'Reachy Mini'" in proc.stdout and "stopped: head at neutral" in proc.stdout, proc.stdout[-2000:]
    assert "did not reach neutral" not in proc.stdout, proc.stdout[-2000:]
    commands = [int(n) for n in re.findall(r"(\d+) commands", proc.stdout)]
    assert commands and commands[-1] >= 3 * 50 * 0.9, f"3 s at 50 Hz: {commands}"
    with ReachyMiniHead(port=port, timeout=20.0) as head:
        neutral = {"head_yaw": 0.0, "head_pitch": 0.0, "head_roll": 0.0}
        got = _settle(head.read_pose, neutral, TOL[kind]["static"])
        assert all(abs(v) <= TOL[kind]["static"] for v in got.values()), got
