"""`sgt-lite ros2`: the message helpers, argument and install errors, and the two-process
test over real ROS 2 (ros2_cases.py) re-run inside a private network namespace."""
import math
import pathlib
import sys

import pytest

from robotenv import assert_all_passed, need, run_isolated
from sgt_lite.cli import build_parser, main
from sgt_lite.errors import ConfigError
from sgt_lite.ros2_node import Ros2Head, joint_positions, look_at_angles


@pytest.mark.parametrize("point, angles", [
    ((2.0, 0.0, 0.0), (0.0, 0.0)),
    ((1.0, 1.0, 0.0), (45.0, 0.0)),            # y is the robot's left: positive yaw
    ((1.0, -1.0, 0.0), (-45.0, 0.0)),
    ((1.0, 0.0, 1.0), (0.0, 45.0)),            # above: chin up
    ((0.0, 0.0, -3.0), (0.0, -90.0)),
])
def test_look_at_angles(point, angles):
    assert look_at_angles(*point) == pytest.approx(angles)


@pytest.mark.parametrize("point", [(0.0, 0.0, 0.0), (math.nan, 1.0, 0.0), (1.0, math.inf, 0.0)])
def test_look_at_ignores_unusable_points(point):
    assert look_at_angles(*point) is None


def test_joint_positions_are_radians_except_the_eyelid():
    names = ["head_yaw", "eye_pitch", "eyelid"]
    assert joint_positions({"head_yaw": -30.0, "eye_pitch": 10.0, "eyelid": 0.25}, names) == pytest.approx(
        [math.radians(-30.0), math.radians(10.0), 0.25])


def test_cli_arguments():
    args = build_parser().parse_args(["ros2", "--input", "x.wav", "--profile", "reachy_mini", "--namespace", "/robot",
                                      "--joint-prefix", "neck_", "--wait-for-subscriber", "5"])
    assert (args.input, args.profile, args.namespace, args.joint_prefix, args.wait_for_subscriber) == \
        ("x.wav", "reachy_mini", "/robot", "neck_", 5.0)


def test_without_rclpy_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "rclpy", None)             # as if it were not installed
    with pytest.raises(ConfigError, match=r"needs ROS 2's Python packages.*sgt-lite\[ros2\]"):
        Ros2Head("pan_tilt")


def test_bad_node_arguments():
    with pytest.raises(ConfigError, match="node name must be a string"):
        Ros2Head("pan_tilt", node_name=3)


def test_cli_reports_a_bad_profile_in_one_line(capsys):
    assert main(["ros2", "--profile", "no_such_head"]) == 1
    assert "head profile no_such_head not found" in capsys.readouterr().err


def test_over_real_ros2_in_a_private_network():
    need("rclpy", "ros2", "pip install 'sgt-lite[ros2]'")
    result = run_isolated("ros2", pathlib.Path(__file__).with_name("ros2_cases.py"), timeout=600)
    assert_all_passed(result, at_least=2)
