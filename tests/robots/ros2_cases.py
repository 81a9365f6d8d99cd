"""`sgt-lite ros2` against a subscriber in another process, over real ROS 2 (rclpy and Fast DDS
wheels). Runs only inside the private network namespace that test_ros2.py creates (DDS
discovers peers by multicast)."""
import json
import math
import os
import pathlib
import random
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

from robotenv import need

PEER = pathlib.Path(__file__).with_name("ros2_peer.py")


def _stop(proc):
    """By PID: SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def ros_env(isolated, tmp_path):
    need("rclpy", "ros2", "pip install 'sgt-lite[ros2]'")
    logs = tmp_path / "ros_log"
    logs.mkdir()
    return dict(os.environ, ROS_DOMAIN_ID=str(random.randint(1, 100)), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST",
                ROS_LOG_DIR=str(logs), ROS_HOME=str(tmp_path / "ros_home"), PYTHONUNBUFFERED="1")


def test_joint_states_reach_another_process(ros_env, tmp_path):
    from sgt_lite.audio import SAMPLE_WAV

    peer = subprocess.Popen([sys.executable, str(PEER), "--look-at", "1.0", "-1.0", "0.0", "--look-after", "120",
                             "--styles", "no_such_style", "calm"],
                            env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    node = subprocess.Popen([sys.executable, "-m", "sgt_lite", "ros2", "--input", SAMPLE_WAV, "--duration", "5",
                             "--no-playback", "--backend", "numpy", "--wait-for-subscriber", "60"],
                            env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        node_out, _ = node.communicate(timeout=180)
        peer_out, peer_err = peer.communicate(timeout=60)
    finally:
        _stop(node)
        _stop(peer)
    assert node.returncode == 0, node_out[-4000:]
    assert peer.returncode == 0, peer_err[-4000:]
    published = int(re.search(r"published (\d+) joint states", node_out).group(1))
    seen = json.loads(peer_out)
    received = len(seen["stamps"])
    print(f"published {published}, received {received} ({100 * received / published:.1f}%)")
    assert published >= 5 * 50, f"5 s at 50 Hz is 250 ticks, plus parking; published {published}"
    assert received >= 0.95 * published, f"received {received} of {published}\n{node_out[-3000:]}"
    assert seen["names"] == ["head_yaw", "head_pitch"]          # the pan_tilt profile's joints
    gaps = np.diff(seen["stamps"])
    assert 0.010 < float(np.median(gaps)) < 0.040, f"median stamp interval {np.median(gaps)} s (50 Hz: 0.020)"
    assert True in seen["speaking"], seen["speaking"]
    yaw = np.degrees([p[0] for p in seen["positions"]])
    k = seen["look_sent_at"]
    assert k is not None, "the look-at point was never sent"
    assert yaw[:k].min() > -30.0, "the head turned right before it was asked to"
    assert yaw[k:].min() < -35.0, f"look_at (1, -1, 0) should turn the head toward -45 deg: min {yaw[k:].min()}"
    assert "style 'no_such_style' ignored" in node_out and "unknown style" in node_out, node_out[-3000:]
    assert "style 'calm'" in node_out, node_out[-3000:]
    assert all(math.isfinite(v) for p in seen["positions"] for v in p)


def test_a_bad_node_name_is_a_head_driver_error(isolated, tmp_path, monkeypatch):
    need("rclpy", "ros2", "pip install 'sgt-lite[ros2]'")
    from sgt_lite.heads import HeadDriverError
    from sgt_lite.ros2_node import Ros2Head

    monkeypatch.setenv("ROS_LOG_DIR", str(tmp_path))
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    with pytest.raises(HeadDriverError, match="could not start the ROS 2 node 'not a valid name'"):
        Ros2Head("pan_tilt", node_name="not a valid name")
