"""Drivers with fakes only at the hardware edge: a recording I2C bus (and smbus2 module), a pty
peer, loopback UDP, a headless SDL display."""
import dataclasses
import io
import json
import logging
import math
import os
import socket
import sys
import time
import types

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sgt_lite.errors import ConfigError
from sgt_lite.heads import HeadDriverError, open_head, parse_head
from sgt_lite.heads.pca9685 import LED0_ON_L, MODE1, PRESCALE, PCA9685Driver
from sgt_lite.heads.protocol import Decoder
from sgt_lite.heads.recorder import ConsoleView, CsvRecorder, JsonlRecorder
from sgt_lite.shaping import HeadProfile

PERIOD_US = 1e6 * 4096 * 122 / 25e6                     # 19988.48 us at prescale 121 (50 Hz)
BAD_VALUES = [float("nan"), float("inf"), -float("inf"), "10", None, True]


class FakeBus:
    """Records smbus2 calls; optionally fails the next N writes."""

    def __init__(self, fail=0):
        self.log, self.fail, self.closed = [], fail, False

    def write_byte_data(self, addr, reg, value):
        self._maybe_fail()
        self.log.append(("byte", addr, reg, value))

    def write_i2c_block_data(self, addr, reg, data):
        self._maybe_fail()
        self.log.append(("block", addr, reg, list(data)))

    def close(self):
        self.closed = True

    def _maybe_fail(self):
        if self.fail:
            self.fail -= 1
            raise OSError(121, "Remote I/O error")

    def pulses_us(self):
        """{channel: last pulse width in us} from the LEDn_OFF writes."""
        out = {}
        for kind, _, reg, data in (e for e in self.log if e[0] == "block"):
            out[(reg - LED0_ON_L) // 4] = (data[2] | data[3] << 8) * PERIOD_US / 4096
        return out


@pytest.fixture
def smbus2(monkeypatch):
    """A fake smbus2 module: SMBus(n) hands out FakeBus objects (the hardware edge)."""
    mod = types.ModuleType("smbus2")
    mod.opened = []

    def SMBus(n):
        bus = FakeBus(fail=mod.fail_next)
        bus.number = n
        mod.opened.append(bus)
        return bus
    mod.SMBus, mod.fail_next = SMBus, 0
    monkeypatch.setitem(sys.modules, "smbus2", mod)
    return mod


def test_pca9685_register_sequence_and_exact_counts():
    bus = FakeBus()
    with PCA9685Driver("pan_tilt", bus=bus, address=0x41) as head:
        init = [e for e in bus.log if e[0] == "byte"][:5]
        assert init == [("byte", 0x41, MODE1, 0x10), ("byte", 0x41, PRESCALE, 121), ("byte", 0x41, 0x01, 0x04),
                        ("byte", 0x41, MODE1, 0x20), ("byte", 0x41, MODE1, 0xA0)]
        bus.log.clear()
        head.write({"head_yaw": 45.0, "head_pitch": -20.0})
    yaw_us = 500 + (45 + 90) / 180 * 2000                    # 2000 us
    pitch_us = 600 + (1 - (-20 + 80) / 160) * 1800           # inverted servo: 1725 us
    yaw_counts = round(yaw_us / PERIOD_US * 4096)
    pitch_counts = round(pitch_us / PERIOD_US * 4096)
    assert (yaw_counts, pitch_counts) == (410, 353)
    assert bus.log[0] == ("block", 0x41, LED0_ON_L + 0, [0, 0, yaw_counts & 0xFF, yaw_counts >> 8])
    assert bus.log[1] == ("block", 0x41, LED0_ON_L + 4, [0, 0, pitch_counts & 0xFF, pitch_counts >> 8])
    neutral = round(1500 / PERIOD_US * 4096)                 # close() goes to neutral: 1500 us both
    assert bus.log[2][3][2:] == [neutral & 0xFF, neutral >> 8] == bus.log[3][3][2:]


def test_pca9685_retries_then_stops_safely():
    bus = FakeBus()
    head = PCA9685Driver("pan_tilt", bus=bus)
    bus.fail = 2                                             # transient: retried
    head.write({"head_yaw": 1.0, "head_pitch": 1.0})
    bus.fail = 10                                            # persistent: safe stop
    with pytest.raises(HeadDriverError, match="I2C write failed"):
        head.write({"head_yaw": 1.0, "head_pitch": 1.0})
    assert head.closed
    head.close()                                             # still safe to call


def test_i2c_failure_closes_the_smbus_handle(smbus2):
    head = PCA9685Driver("pan_tilt", bus=3)
    (bus,) = smbus2.opened
    assert bus.number == 3 and not bus.closed
    bus.fail = 100
    with pytest.raises(HeadDriverError, match="I2C write failed"):
        head.write({"head_yaw": 5.0})
    assert bus.closed and head.closed
    head.close()
    smbus2.fail_next = 100                                   # fails during the board's set-up
    with pytest.raises(HeadDriverError):
        PCA9685Driver("pan_tilt", bus=1)
    assert smbus2.opened[-1].closed


def test_pca9685_every_joint_needs_a_servo():
    with pytest.raises(ConfigError, match="'head_roll' has no servo table"):
        PCA9685Driver("display_eyes", bus=FakeBus())


def _profile(**servo):
    yaw_servo = {"channel": 0, **servo}
    return {"joints": {"head_yaw": {"min": -60, "max": 60, "max_vel": 150, "max_acc": 900, "servo": yaw_servo},
                       "head_pitch": {"min": -25, "max": 30, "max_vel": 120, "max_acc": 800,
                                      "servo": {"channel": 1}}}}


BAD_SERVOS = [
    ({"invert": "false"}, "invert"),                # a string would invert the servo
    ({"invert": 1}, "invert"),
    ({"min_us": 2400, "max_us": 600}, "min_us"),     # reversed
    ({"max_us": 1e9}, "max_us"),                     # 100 % duty
    ({"min_us": 100}, "min_us"),                     # below the safe range
    ({"max_us": 2600}, "max_us"),
    ({"min_us": float("nan")}, "min_us"),
    ({"max_deg": float("inf")}, "max_deg"),
    ({"min_deg": 10, "max_deg": 10}, "min_deg|max_deg"),
    ({"channel": 1.5}, "channel"),
    ({"channel": True}, "channel"),
    ({"channel": 16}, "channel"),
    ({"channel": -1}, "channel"),
    ({"channel": 1}, "channel"),                     # the pitch servo's channel
    ({"channel": "0"}, "channel"),
]


@pytest.mark.parametrize("servo,field", BAD_SERVOS, ids=[repr(s) for s, _ in BAD_SERVOS])
def test_bad_servo_config_is_refused_before_any_bus_write(servo, field, smbus2):
    """The profile loader or the driver refuses it: either way, no bus is opened or written."""
    bus = FakeBus()
    with pytest.raises(ConfigError, match=field):
        PCA9685Driver(HeadProfile.from_dict(_profile(**servo)), bus=bus)
    with pytest.raises(ConfigError, match=field):
        PCA9685Driver(HeadProfile.from_dict(_profile(**servo)), bus=1)
    assert bus.log == [] and smbus2.opened == []


@pytest.mark.parametrize("servo,field", BAD_SERVOS + [({"safe_max_us": 1e6, "max_us": 1e5}, "safe pulse range")],
                         ids=[repr(s) for s, _ in BAD_SERVOS] + ["safe range 1e6"])
def test_driver_checks_servos_itself_for_profiles_built_in_code(servo, field, smbus2):
    """A profile assembled in code skips the loader's checks; the driver's own still hold."""
    profile = HeadProfile.load("pan_tilt")
    yaw = profile.joints["head_yaw"]
    joints = dict(profile.joints, head_yaw=dataclasses.replace(yaw, servo=dataclasses.replace(yaw.servo, **servo)))
    bus = FakeBus()
    with pytest.raises(ConfigError, match=field):
        PCA9685Driver(dataclasses.replace(profile, joints=joints), bus=bus)
    with pytest.raises(ConfigError, match=field):
        PCA9685Driver(dataclasses.replace(profile, joints=joints), bus=1)
    assert bus.log == [] and smbus2.opened == []


def test_the_safe_pulse_range_is_configurable():
    with pytest.raises(ConfigError, match="min_us"):
        PCA9685Driver(HeadProfile.from_dict(_profile(min_us=450, max_us=2550)), bus=FakeBus())
    profile = HeadProfile.from_dict(_profile(min_us=450, max_us=2550, safe_min_us=400, safe_max_us=2600))
    bus = FakeBus()
    with PCA9685Driver(profile, bus=bus) as head:
        head.write({"head_yaw": 60.0})
        assert bus.pulses_us()[0] == pytest.approx(450 + 150 / 180 * 2100, abs=3)


@pytest.mark.parametrize("bad", [{"address": 0x80}, {"address": "0x40"}, {"freq_hz": 0}, {"freq_hz": float("nan")},
                                 {"freq_hz": 400}, {"retries": -1}, {"bus": -1}, {"bus": True}])
def test_bad_driver_arguments_are_refused_before_any_bus_write(bad, smbus2):
    with pytest.raises(ConfigError):
        PCA9685Driver("pan_tilt", **{"bus": 1, **bad})
    assert smbus2.opened == []


def test_pca9685_clamps_direct_writes_to_the_joint_range():
    bus = FakeBus()
    head = PCA9685Driver("pan_tilt", bus=bus)
    head.write({"head_yaw": 500.0, "head_pitch": -1e300})
    yaw, pitch = bus.pulses_us()[0], bus.pulses_us()[1]
    assert yaw == pytest.approx(500 + (60 + 90) / 180 * 2000, abs=3)       # 60 deg: 2167 us, not 2499
    assert pitch == pytest.approx(600 + (1 - (-25 + 80) / 160) * 1800, abs=3)   # -25 deg (inverted)
    assert head.clamped == 2
    head.close()


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
def test_pca9685_refuses_non_finite_values_and_writes_nothing(value):
    bus = FakeBus()
    head = PCA9685Driver("pan_tilt", bus=bus)
    bus.log.clear()
    with pytest.raises(HeadDriverError, match="head_pitch"):
        head.write({"head_yaw": 10.0, "head_pitch": value})
    assert bus.log == [] and head.commands_sent == 0 and not head.closed
    with pytest.raises(HeadDriverError, match="unknown joint 'eye_yaw'"):
        head.write({"head_yaw": 10.0, "eye_yaw": 1.0})
    assert bus.log == []
    head.close()


def _drain(fd):
    os.set_blocking(fd, False)
    data = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except (BlockingIOError, OSError):
            return data
        if not chunk:
            return data
        data += chunk


@pytest.fixture
def pty_pair():
    pytest.importorskip("serial")
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_serial_driver_against_a_real_pty_peer(pty_pair):
    from sgt_lite.heads.serial_link import SerialDriver

    master, port = pty_pair
    head = SerialDriver(port, "neck3_eyes2_lids")
    for k in range(5):
        head.write({"head_yaw": k, "head_pitch": -k, "head_roll": 0.5, "eye_yaw": 2.0, "eye_pitch": 0.0,
                    "eyelid": 0.25})
    head.close()
    head.close()
    frames = Decoder().feed(_drain(master))
    assert [f[0] for f in frames] == [0, 1, 2, 3, 4, 5]
    assert frames[3][1] == [3.0, -3.0, 0.5, 2.0, 0.0, 25.0]      # eyelid as percent
    assert frames[5][1] == [0.0] * 6                             # neutral on close


def test_serial_partial_command_keeps_every_channel_in_place(pty_pair):
    """A command that leaves joints out still sends all six channels: the others hold."""
    from sgt_lite.heads.serial_link import SerialDriver

    master, port = pty_pair
    with SerialDriver(port, "neck3_eyes2_lids") as head:
        head.write({"head_pitch": 10.0})
        head.write({"head_yaw": 20.0, "eyelid": 0.5})
    frames = Decoder().feed(_drain(master))
    assert frames[0][1] == [0.0, 10.0, 0.0, 0.0, 0.0, 0.0]
    assert frames[1][1] == [20.0, 10.0, 0.0, 0.0, 0.0, 50.0]     # the eyelid on its own channel (5)


def test_serial_clamps_and_refuses_non_finite(pty_pair):
    from sgt_lite.heads.serial_link import SerialDriver

    master, port = pty_pair
    head = SerialDriver(port, "neck3_eyes2_lids")
    head.write({"head_yaw": 500.0, "eyelid": 3.0})
    for value in BAD_VALUES:
        with pytest.raises(HeadDriverError, match="eye_yaw"):
            head.write({"head_yaw": 1.0, "eye_yaw": value})
    frames = Decoder().feed(_drain(master))
    assert len(frames) == 1 and frames[0][1] == [70.0, 0.0, 0.0, 0.0, 0.0, 100.0]
    head.close()


def test_serial_port_missing_is_a_clear_error():
    pytest.importorskip("serial")
    from sgt_lite.heads.serial_link import SerialDriver

    with pytest.raises(HeadDriverError, match="cannot open serial port /dev/nonexistent"):
        SerialDriver("/dev/nonexistent")
    with pytest.raises(ConfigError, match="baud"):
        SerialDriver("/dev/nonexistent", baud="fast")


def _receiver(port=0):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", port))
    rx.settimeout(2)
    return rx


def test_osc_on_loopback():
    from sgt_lite.heads.osc import parse_osc

    rx = _receiver()
    with open_head(f"osc:127.0.0.1:{rx.getsockname()[1]}", "display_eyes") as head:
        head.write({"head_yaw": 1.5, "eye_yaw": -3.0, "eyelid": 1.0})
        addr, vals = parse_osc(rx.recv(1024))
        assert addr == "/sgt/joints"
        assert vals[:1] == [1.5] and vals[3] == -3.0 and vals[5] == 1.0
        head.write({"head_yaw": 500.0, "eye_yaw": -1e9})
        assert parse_osc(rx.recv(1024))[1][:4] == [60.0, 0.0, 0.0, -35.0]     # clamped to the ranges
        for value in BAD_VALUES:
            with pytest.raises(HeadDriverError, match="eyelid"):
                head.write({"eyelid": value})
        rx.settimeout(0.2)
        with pytest.raises(socket.timeout):
            rx.recv(1024)                                                    # nothing was sent
    rx.close()


def test_osc_survives_an_absent_receiver_then_reaches_a_new_one(caplog):
    from sgt_lite.heads.osc import parse_osc

    probe = _receiver()
    port = probe.getsockname()[1]
    probe.close()                                   # nobody listens on this port now
    head = open_head(f"osc:127.0.0.1:{port}", "display_eyes")
    with caplog.at_level(logging.WARNING, logger="sgt_lite.heads.osc"):
        for k in range(40):                         # each send after an ICMP unreachable is refused
            head.write({"head_yaw": float(k % 10)})
            time.sleep(0.002)
    assert head.dropped >= 5 and head.commands_sent == 40
    assert len([r for r in caplog.records if "not reachable" in r.getMessage()]) == 1
    rx = _receiver(port)                            # the receiver (re)starts
    try:
        head.write({"head_yaw": 7.0})
        assert parse_osc(rx.recv(1024))[1][0] == 7.0
    finally:
        head.close()
        rx.close()


def test_osc_unresolvable_host_is_a_config_error():
    with pytest.raises(ConfigError, match="cannot be resolved"):
        open_head("osc:nohost.invalid:9000", "display_eyes")


def test_headless_display_renders_gaze_and_blink(monkeypatch):
    pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    from sgt_lite.heads.display import DisplayEyes

    with DisplayEyes(size=(320, 320)) as head:
        def pupil_x(**joints):
            head.write({"head_yaw": 0.0, "eyelid": 0.0, **joints})
            img = head.frame()
            box = np.zeros(img.shape[:2], bool)
            box[100:200, 50:290] = True                       # the eye band, inside the face
            dark = (img.sum(axis=2) < 80) & box               # pupils only
            ys, xs = np.nonzero(dark)
            return xs.mean(), dark.sum()
        x0, n0 = pupil_x(eye_yaw=0.0)
        x_left, _ = pupil_x(eye_yaw=25.0)                  # its own left = the image right
        x_right, _ = pupil_x(eye_yaw=-25.0)
        _, n_closed = pupil_x(eye_yaw=0.0, eyelid=1.0)
        x_tilt, _ = pupil_x(head_yaw=30.0, eye_yaw=25.0)   # the whole face turns to the image right
    assert x_left > x0 + 3 and x_right < x0 - 3 and x_tilt > x_left
    assert n0 > 50 and n_closed < 0.3 * n0


def test_recorders_and_console(tmp_path):
    with CsvRecorder(tmp_path / "c.csv", "pan_tilt") as rec:
        rec.write({"head_yaw": 1.0, "head_pitch": 2.0})
        rec.write({"head_yaw": 3.0})                         # head_pitch holds
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines == ["n,head_yaw,head_pitch", "0,1.000,2.000", "1,3.000,2.000", "2,0.000,0.000"]
    with JsonlRecorder(tmp_path / "c.jsonl", "pan_tilt") as rec:
        rec.write({"head_yaw": 1.0, "head_pitch": 2.0})
    assert json.loads((tmp_path / "c.jsonl").read_text().splitlines()[0]) == {"n": 0, "head_yaw": 1.0,
                                                                              "head_pitch": 2.0}
    out = io.StringIO()
    with ConsoleView("pan_tilt", stream=out, every=1) as view:
        view.write({"head_yaw": 30.0, "head_pitch": 0.0})
    assert "head_yaw" in out.getvalue() and "+30.0" in out.getvalue()


@pytest.mark.parametrize("cls", [CsvRecorder, JsonlRecorder])
def test_recorders_clamp_and_refuse_non_finite(cls, tmp_path):
    path = tmp_path / "rec"
    with cls(path, "pan_tilt") as rec:
        rec.write({"head_yaw": 500.0, "head_pitch": -500.0})
        for value in BAD_VALUES:
            with pytest.raises(HeadDriverError, match="head_yaw"):
                rec.write({"head_yaw": value})
    rows = path.read_text().splitlines()
    if cls is CsvRecorder:
        assert rows[1:] == ["0,60.000,-25.000", "1,0.000,0.000"]
    else:
        assert [json.loads(r) for r in rows] == [{"n": 0, "head_yaw": 60.0, "head_pitch": -25.0},
                                                 {"n": 1, "head_yaw": 0.0, "head_pitch": 0.0}]
    assert not any(math.isnan(float(x)) for r in rows[1:] for x in r.replace("{", "").split(",")
                   if x.replace(".", "").replace("-", "").isdigit())


def test_recorder_in_a_missing_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot write"):
        open_head(f"csv:{tmp_path / 'no' / 'such' / 'x.csv'}", "pan_tilt")


def test_open_head_specs(tmp_path, smbus2):
    with pytest.raises(ConfigError, match="choose one of"):
        open_head("laser", "pan_tilt")
    head = open_head(f"csv:{tmp_path / 'x.csv'}", "pan_tilt")
    head.close()
    head.close()
    with open_head("pca9685:3:0x41", "pan_tilt") as head:
        assert smbus2.opened[-1].number == 3 and smbus2.opened[-1].log[0][1] == 0x41
    assert smbus2.opened[-1].closed


BAD_SPECS = [
    ("osc:nohost.invalid:99999", "PORT must be 1..65535.*osc:\\[HOST:\\]PORT"),
    ("osc::70000", "PORT must be 1..65535"),
    ("osc:host:0", "PORT must be 1..65535"),
    ("osc:nowhere", "PORT must be a whole number"),
    ("osc:127.0.0.1:", "PORT must be a whole number"),
    ("osc:127.0.0.1:9x", "PORT must be a whole number"),
    ("osc", "needs a port"),
    ("pca9685:x:y", "BUS must be a whole number.*pca9685\\[:BUS\\[:ADDR\\]\\]"),
    ("pca9685:1:y", "ADDR must be a whole number"),
    ("pca9685:1:0x80", "ADDR must be 0x03..0x77"),
    ("pca9685:1:0x40:5", "too many fields"),
    ("pca9685:-1", "BUS must be a whole number"),
    ("serial:/dev/tty:abc", "BAUD must be a whole number.*serial:PORT\\[:BAUD\\]"),
    ("serial:/dev/tty:0", "BAUD must be 300..4000000"),
    ("serial:/dev/tty:99999999999999999999", "BAUD must be 300..4000000"),
    ("serial", "needs a port"),
    ("serial:", "needs a port"),
    ("csv", "needs a file path"),
    ("jsonl:", "needs a file path"),
    ("console:x", "takes no argument"),
    ("display:big", "takes no argument"),
    ("", "unknown head"),
]


@pytest.mark.parametrize("spec,message", BAD_SPECS, ids=[s for s, _ in BAD_SPECS])
def test_bad_head_strings_are_config_errors_naming_the_form(spec, message):
    with pytest.raises(ConfigError, match=message):
        open_head(spec, "pan_tilt")


GOOD_SPECS = [
    ("pca9685", ("pca9685", {"bus": 1, "address": 0x40})),
    ("pca9685:7", ("pca9685", {"bus": 7, "address": 0x40})),
    ("pca9685:0:65", ("pca9685", {"bus": 0, "address": 65})),
    ("serial:/dev/ttyACM0", ("serial", {"port": "/dev/ttyACM0", "baud": 115200})),
    ("serial:COM3:57600", ("serial", {"port": "COM3", "baud": 57600})),
    ("serial:socket://127.0.0.1:7777", ("serial", {"port": "socket://127.0.0.1:7777", "baud": 115200})),
    ("osc:localhost:9000", ("osc", {"host": "localhost", "port": 9000})),
    ("osc:[::1]:9000", ("osc", {"host": "::1", "port": 9000})),
    ("osc:9000", ("osc", {"host": "127.0.0.1", "port": 9000})),
    ("csv:a:b.csv", ("csv", {"path": "a:b.csv"})),
]


@pytest.mark.parametrize("spec,parsed", GOOD_SPECS, ids=[s for s, _ in GOOD_SPECS])
def test_good_head_strings_parse(spec, parsed):
    assert parse_head(spec) == parsed


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10 ** 30, 10 ** 30)),
                       min_size=6, max_size=6))
def test_pca9685_never_emits_a_pulse_outside_a_servos_calibration(values):
    profile = HeadProfile.load("neck3_eyes2_lids")
    bus = FakeBus()
    head = PCA9685Driver(profile, bus=bus)
    bus.log.clear()
    cmd = dict(zip(profile.joints, values))
    finite = all(math.isfinite(v) for v in values)
    try:
        head.write(cmd)
    except HeadDriverError:
        assert not finite and bus.log == []
    else:
        assert finite
        pulses = bus.pulses_us()
        for name, j in profile.joints.items():
            s = j.servo
            lo, hi = sorted((s.pulse_us(j.min), s.pulse_us(j.max)))   # the joint's range, through the calibration
            assert lo - 3 <= pulses[s.channel] <= hi + 3                 # one PWM count is 4.9 us
            assert s.min_us - 3 <= pulses[s.channel] <= s.max_us + 3
