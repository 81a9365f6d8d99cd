"""Reachy Mini: --head parsing, the profile, sign conventions, argument checks, and the
daemon tests (reachy_cases.py) re-run inside a private network namespace."""
import math
import pathlib
import sys

import pytest

from robotenv import assert_all_passed, free_port, need, run_isolated
from sgt_lite.errors import ConfigError
from sgt_lite.heads import HeadDriverError, parse_head
from sgt_lite.heads.reachy_mini import ReachyMiniHead, antenna_radians, pose_from_matrix, reachy_angles
from sgt_lite.shaping import HeadProfile, MotionShaper

HINT = "pip install 'sgt-lite[reachy]'"


@pytest.mark.parametrize("spec, args", [
    ("reachy_mini", {"host": "localhost", "port": 8000, "layer": "target"}),
    ("reachy_mini:offsets", {"host": "localhost", "port": 8000, "layer": "offsets"}),
    ("reachy_mini::8123", {"host": "localhost", "port": 8123, "layer": "target"}),
    ("reachy_mini:reachy-mini.local:8000:offsets", {"host": "reachy-mini.local", "port": 8000, "layer": "offsets"}),
    ("reachy_mini:192.168.1.42:8001:target", {"host": "192.168.1.42", "port": 8001, "layer": "target"}),
])
def test_head_spec(spec, args):
    assert parse_head(spec) == ("reachy_mini", args)


@pytest.mark.parametrize("spec, words", [
    ("reachy_mini:", "give both HOST and PORT"),
    ("reachy_mini:somehost", "give both HOST and PORT"),
    ("reachy_mini:h:0", "PORT must be 1..65535"),
    ("reachy_mini:h:80x", "PORT must be a whole number"),
    ("reachy_mini:h:1:2:3", "give both HOST and PORT"),
])
def test_bad_head_spec_names_the_form(spec, words):
    with pytest.raises(ConfigError, match=words) as e:
        parse_head(spec)
    assert "reachy_mini[:HOST:PORT][:offsets]" in str(e.value)


def test_profile_has_the_sdk_limits_and_no_eyes():
    p = HeadProfile.load("reachy_mini")
    assert sorted(p.joints) == ["head_pitch", "head_roll", "head_yaw"]
    assert (p.joints["head_yaw"].min, p.joints["head_yaw"].max) == (-65.0, 65.0)
    for j in ("head_pitch", "head_roll"):
        assert (p.joints[j].min, p.joints[j].max) == (-40.0, 40.0)
    assert p.servo_rate_hz == 50


def test_gaze_folds_into_the_head():
    """Reachy has no eyes: a gaze to the left turns the head left by gaze_to_head of it."""
    from sgt_lite.animator import Frame

    shaper = MotionShaper("reachy_mini")
    for i in range(150):                 # frames as a stream delivers them: 25 fps into a 50 Hz loop
        if i % 2 == 0:
            shaper.push(Frame(i // 2 * 0.04, 0.0, 0.0, 0.0, 20.0, -10.0, 0.0))
        cmd = shaper.tick()
    assert abs(cmd.joints["head_yaw"] - 10.0) < 0.2 and abs(cmd.joints["head_pitch"] + 5.0) < 0.2
    assert "eye_yaw" not in cmd.joints


def test_pitch_is_flipped_for_the_sdk_and_back():
    roll, pitch, yaw = reachy_angles({"head_yaw": 20.0, "head_pitch": 10.0, "head_roll": -5.0})
    assert (roll, pitch, yaw) == (-5.0, -10.0, 20.0)
    # a matrix built the SDK's way (extrinsic xyz: Rz Ry Rx) reads back to the sgt-lite pose
    r, p, y = (math.radians(a) for a in (roll, pitch, yaw))
    rx = [[1, 0, 0], [0, math.cos(r), -math.sin(r)], [0, math.sin(r), math.cos(r)]]
    ry = [[math.cos(p), 0, math.sin(p)], [0, 1, 0], [-math.sin(p), 0, math.cos(p)]]
    rz = [[math.cos(y), -math.sin(y), 0], [math.sin(y), math.cos(y), 0], [0, 0, 1]]
    mul = lambda a, b: [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]  # noqa: E731
    m = mul(rz, mul(ry, rx))
    got = pose_from_matrix([row + [0.0] for row in m] + [[0, 0, 0, 1]])
    assert got == pytest.approx({"head_yaw": 20.0, "head_pitch": 10.0, "head_roll": -5.0})
    assert antenna_radians(25.0) == pytest.approx([-math.radians(25.0), math.radians(25.0)])


def test_matches_the_sdks_own_pose_matrix():
    need("reachy_mini", "reachy", HINT)
    from reachy_mini.utils import create_head_pose

    pose = {"head_yaw": -33.0, "head_pitch": 12.5, "head_roll": 7.0}
    roll, pitch, yaw = reachy_angles(pose)
    assert pose_from_matrix(create_head_pose(roll=roll, pitch=pitch, yaw=yaw, degrees=True)) == pytest.approx(pose)


@pytest.mark.parametrize("kw, words", [
    ({"layer": "primary"}, "layer must be one of"),
    ({"port": 0}, "port must be a whole number 1..65535"),
    ({"port": True}, "port must be a whole number"),
    ({"host": ""}, "host must be a host name"),
    ({"antennas": "yes"}, "antennas must be True or False"),
    ({"timeout": float("nan")}, "timeout must be a number"),
    ({"profile": "neck3_eyes2_lids"}, "Reachy Mini has no eyes"),
])
def test_bad_arguments_fail_before_connecting(kw, words):
    with pytest.raises(ConfigError, match=words):
        ReachyMiniHead(**kw)


def test_without_the_sdk_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "reachy_mini", None)      # as if it were not installed
    with pytest.raises(ConfigError, match=r"needs its SDK.*sgt-lite\[reachy\]"):
        ReachyMiniHead()


def test_nothing_listening_is_a_clear_error():
    need("reachy_mini", "reachy", HINT)
    port = free_port()                                          # bound and released: nobody listens
    with pytest.raises(HeadDriverError, match=f"no Reachy Mini daemon answered at localhost:{port}.*"
                                              "reachy-mini-daemon"):
        ReachyMiniHead(port=port, timeout=2.0)


def test_against_the_real_daemon_in_a_private_network():
    need("reachy_mini", "reachy", HINT)
    result = run_isolated("reachy", pathlib.Path(__file__).with_name("reachy_cases.py"), timeout=900)
    assert_all_passed(result, at_least=17)
