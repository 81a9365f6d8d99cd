"""Head profiles are validated strictly at load, before any hardware is touched (issue #10, defect 10)."""
import copy
import math

import pytest

from sgt_lite.errors import ConfigError
from sgt_lite.shaping import HeadProfile, MotionShaper

BASE = {
    "head": {"name": "test head", "servo_rate_hz": 50, "intensity": 1.0, "deadband": 0.3,
             "gaze_to_head": 0.5, "vor_gain": 1.0, "idle_after_s": 0.6},
    "joints": {
        "head_yaw": {"min": -60.0, "max": 60.0, "neutral": 0.0, "max_vel": 150.0, "max_acc": 900.0,
                     "servo": {"channel": 0, "min_us": 500, "max_us": 2500, "min_deg": -90, "max_deg": 90}},
        "eyelid": {"min": 0.0, "max": 1.0, "max_vel": 12.0, "max_acc": 400.0,
                   "servo": {"channel": 1, "min_us": 1100, "max_us": 1900, "min_deg": 0, "max_deg": 1,
                             "invert": False}},
    },
}


def _with(path, value):
    d = copy.deepcopy(BASE)
    *parents, key = path.split(".")
    node = d
    for p in parents:
        node = node[p]
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return d


DELETE = object()
YAW, SERVO = "joints.head_yaw", "joints.head_yaw.servo"

# (field path, bad value, what the error must say) -- one row per defect in the issue and its kin
BAD = [
    (f"{YAW}.nuetral", 0.0, r"nuetral: unknown key \(did you mean 'neutral'\?\)"),
    ("head.intensty", 1.0, r"head.intensty: unknown key \(did you mean 'intensity'\?\)"),
    ("jionts", {}, r"jionts: unknown key \(did you mean 'joints'\?\)"),
    ("joints.head_yaww", BASE["joints"]["head_yaw"], r"unknown joint \(did you mean 'head_yaw'\?\)"),
    (f"{SERVO}.invert", "false", r"servo.invert: expected true or false, got the string 'false'"),
    (f"{SERVO}.invert", 0, r"servo.invert: expected true or false"),
    (f"{SERVO}.channel", 1.5, r"servo.channel: expected a whole number, got 1.5"),
    (f"{SERVO}.channel", True, r"servo.channel: expected a whole number, got true \(a boolean\)"),
    (f"{SERVO}.channel", 16, r"servo.channel: 16 is outside \[0, 15\]"),
    (f"{SERVO}.channel", 1, r"channel 1 is used by both"),
    (f"{SERVO}.chanel", 1, r"did you mean 'channel'"),
    (f"{SERVO}.channel", DELETE, r"servo.channel: missing"),
    (f"{SERVO}.min_us", 2500, r"min_us must be below max_us \(set invert"),
    (f"{SERVO}.max_us", 1e9, r"servo.max_us: 1e\+09 is outside \[500, 2500\]"),
    (f"{SERVO}.min_us", 100, r"servo.min_us: 100 is outside \[500, 2500\]"),
    (f"{SERVO}.min_us", math.nan, r"servo.min_us: expected a finite number"),
    (f"{SERVO}.max_us", "2000", r"servo.max_us: expected a number, got the string '2000'"),
    (f"{SERVO}.safe_max_us", 5000, r"safe_max_us: 5000 is outside"),
    ("head.safe_min_us", 2600, r"safe_min_us must be below safe_max_us"),
    (f"{SERVO}.min_deg", 90, r"min_deg must be below max_deg"),
    (f"{SERVO}.max_deg", -90, r"min_deg must be below max_deg"),
    (f"{SERVO}.min_deg", math.nan, r"servo.min_deg: expected a finite number"),
    (f"{SERVO}.max_deg", 1e308, r"servo.max_deg: 1e\+308 is outside"),
    (f"{YAW}.min", -1e308, r"head_yaw.min: -1e\+308 is outside \[-3600, 3600\]"),
    (f"{YAW}.max", math.inf, r"head_yaw.max: expected a finite number"),
    (f"{YAW}.min", math.nan, r"head_yaw.min: expected a finite number"),
    (f"{YAW}.min", "-60", r"head_yaw.min: expected a number, got the string '-60'"),
    (f"{YAW}.min", 60.0, r"head_yaw: needs min < max"),
    (f"{YAW}.neutral", 61.0, r"head_yaw.neutral: 61 is outside \[-60, 60\]"),
    (f"{YAW}.max_vel", 0.0, r"head_yaw.max_vel: 0 is outside \(0,"),
    (f"{YAW}.max_acc", -5.0, r"head_yaw.max_acc: -5 is outside \(0,"),
    (f"{YAW}.max_vel", 1e308, r"head_yaw.max_vel: 1e\+308 is outside"),
    (f"{YAW}.max_acc", DELETE, r"head_yaw.max_acc: missing"),
    (f"{YAW}.servo", "ch0", r"head_yaw.servo: expected a table"),
    ("joints.eyelid.max", 2.0, r"eyelid.max: 2 is outside \[0, 1\]"),
    ("head.intensity", math.nan, r"head.intensity: expected a finite number"),
    ("head.intensity", -1.0, r"head.intensity: -1 is outside"),
    ("head.deadband", math.nan, r"head.deadband: expected a finite number"),
    ("head.deadband", 1e6, r"head.deadband: 1e\+06 is outside"),
    ("head.gaze_to_head", math.inf, r"head.gaze_to_head: expected a finite number"),
    ("head.vor_gain", 3.0, r"head.vor_gain: 3 is outside \[0, 1\]"),
    ("head.idle_after_s", math.nan, r"head.idle_after_s: expected a finite number"),
    ("head.idle_after_s", 0.0, r"head.idle_after_s: 0 is outside \(0,"),
    ("head.servo_rate_hz", 0, r"head.servo_rate_hz: 0 is outside \[1, 1000\]"),
    ("head.servo_rate_hz", "50", r"head.servo_rate_hz: expected a number"),
    ("head.name", 5, r"head.name: expected a string"),
    ("head", [], r"head: expected a table"),
    ("joints", {}, r"at least one \[joints.NAME\] table"),
]


@pytest.mark.parametrize("path,value,message", BAD, ids=[f"{p}={v!r}"[:60] for p, v, _ in BAD])
def test_bad_profile_values_are_refused_with_the_field_named(path, value, message):
    with pytest.raises(ConfigError, match=message):
        HeadProfile.from_dict(_with(path, value), "test.toml")


def test_the_base_profile_used_above_is_valid():
    p = HeadProfile.from_dict(copy.deepcopy(BASE), "test.toml")
    assert p.joints["head_yaw"].servo.pulse_us(90) == 2500 and p.joints["eyelid"].servo.invert is False


@pytest.mark.parametrize("name", ["pan_tilt", "neck3_eyes2_lids", "display_eyes"])
def test_the_shipped_profiles_load(name):
    p = HeadProfile.load(name)
    for j in p.joints.values():
        if j.servo is not None:
            lo, hi = sorted((j.servo.pulse_us(j.min), j.servo.pulse_us(j.max)))
            assert 500 <= lo < hi <= 2500


def test_the_safe_pulse_range_is_configurable_per_profile_and_per_servo():
    wide = _with("head.safe_max_us", 2700)
    wide["joints"]["head_yaw"]["servo"]["max_us"] = 2700
    assert HeadProfile.from_dict(wide, "t").joints["head_yaw"].servo.pulse_us(90) == 2700
    narrow = _with(f"{SERVO}.safe_min_us", 1000)
    with pytest.raises(ConfigError, match=r"servo.min_us: 500 is outside \[1000, 2500\]"):
        HeadProfile.from_dict(narrow, "t")
    default = _with(f"{SERVO}.min_us", DELETE)
    default["joints"]["head_yaw"]["servo"]["safe_min_us"] = 1000       # calibration defaults to it
    assert HeadProfile.from_dict(default, "t").joints["head_yaw"].servo.pulse_us(-90) == 1000


def test_a_string_invert_in_a_toml_file_names_the_file_and_field(tmp_path):
    p = tmp_path / "my_head.toml"
    p.write_text('[joints.head_yaw]\nmin = -60\nmax = 60\nmax_vel = 150\nmax_acc = 900\n'
                 'servo = { channel = 0, invert = "false" }\n')
    with pytest.raises(ConfigError, match=r"my_head.toml: joints.head_yaw.servo.invert: expected true or false"):
        HeadProfile.load(p)


def test_toml_nan_is_refused(tmp_path):
    p = tmp_path / "nan.toml"
    p.write_text("[joints.head_yaw]\nmin = nan\nmax = 60\nmax_vel = 150\nmax_acc = 900\n")
    with pytest.raises(ConfigError, match="finite"):
        HeadProfile.load(p)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -0.5, 1e9, "1", True])
def test_shaper_intensity_is_validated(bad):
    with pytest.raises(ConfigError, match="intensity"):
        MotionShaper("pan_tilt", intensity=bad)


def test_a_bad_profile_never_touches_the_pca9685(tmp_path):
    from sgt_lite.heads.pca9685 import PCA9685Driver

    class Bus:                                              # the I2C edge: records every transaction
        calls = []

        def write_byte_data(self, *a):
            self.calls.append(a)

        def write_i2c_block_data(self, *a):
            self.calls.append(a)

        def read_byte_data(self, *a):
            self.calls.append(a)
            return 0

        def close(self):
            pass
    p = tmp_path / "bad.toml"
    p.write_text("[joints.head_yaw]\nmin = -60\nmax = 60\nmax_vel = 150\nmax_acc = 900\n"
                 "servo = { channel = 0, min_us = 500, max_us = 1e9 }\n")
    with pytest.raises(ConfigError, match="max_us"):
        PCA9685Driver(str(p), bus=Bus())
    assert Bus.calls == []
