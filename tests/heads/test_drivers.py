"""Drivers with fakes only at the hardware edge: a recording I2C bus, a pty peer, loopback UDP,
a headless SDL display."""
import io
import os
import socket

import numpy as np
import pytest

from sgt_lite.errors import ConfigError
from sgt_lite.heads import HeadDriverError, open_head
from sgt_lite.heads.pca9685 import LED0_ON_L, MODE1, PRESCALE, PCA9685Driver
from sgt_lite.heads.protocol import Decoder
from sgt_lite.heads.recorder import ConsoleView, CsvRecorder, JsonlRecorder


class FakeBus:
    """Records smbus2 calls; optionally fails the next N writes."""

    def __init__(self, fail=0):
        self.log, self.fail = [], fail

    def write_byte_data(self, addr, reg, value):
        self._maybe_fail()
        self.log.append(("byte", addr, reg, value))

    def write_i2c_block_data(self, addr, reg, data):
        self._maybe_fail()
        self.log.append(("block", addr, reg, list(data)))

    def _maybe_fail(self):
        if self.fail:
            self.fail -= 1
            raise OSError(121, "Remote I/O error")


def test_pca9685_register_sequence_and_exact_counts():
    bus = FakeBus()
    with PCA9685Driver("pan_tilt", bus=bus, address=0x41) as head:
        init = [e for e in bus.log if e[0] == "byte"][:5]
        assert init == [("byte", 0x41, MODE1, 0x10), ("byte", 0x41, PRESCALE, 121), ("byte", 0x41, 0x01, 0x04),
                        ("byte", 0x41, MODE1, 0x20), ("byte", 0x41, MODE1, 0xA0)]
        bus.log.clear()
        head.write({"head_yaw": 45.0, "head_pitch": -20.0})
    period_us = 1e6 * 4096 * 122 / 25e6                      # 19988.48 us at prescale 121
    yaw_us = 500 + (45 + 90) / 180 * 2000                    # 2000 us
    pitch_us = 600 + (1 - (-20 + 80) / 160) * 1800           # inverted servo: 1725 us
    yaw_counts = round(yaw_us / period_us * 4096)
    pitch_counts = round(pitch_us / period_us * 4096)
    assert (yaw_counts, pitch_counts) == (410, 353)
    assert bus.log[0] == ("block", 0x41, LED0_ON_L + 0, [0, 0, yaw_counts & 0xFF, yaw_counts >> 8])
    assert bus.log[1] == ("block", 0x41, LED0_ON_L + 4, [0, 0, pitch_counts & 0xFF, pitch_counts >> 8])
    neutral = round(1500 / period_us * 4096)                 # close() goes to neutral: 1500 us both
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


def test_pca9685_validates_profile():
    with pytest.raises(ConfigError, match="no joint with a \\[servo\\]"):
        PCA9685Driver(_profile_without_servos(), bus=FakeBus())


def _profile_without_servos():
    from sgt_lite.shaping import HeadProfile

    return HeadProfile.from_dict({"joints": {"head_yaw": {"min": -1, "max": 1, "max_vel": 1, "max_acc": 1}}})


def test_serial_driver_against_a_real_pty_peer():
    pytest.importorskip("serial")
    from sgt_lite.heads.serial_link import SerialDriver

    master, slave = os.openpty()
    try:
        head = SerialDriver(os.ttyname(slave), "neck3_eyes2_lids")
        for k in range(5):
            head.write({"head_yaw": k, "head_pitch": -k, "head_roll": 0.5, "eye_yaw": 2.0, "eye_pitch": 0.0,
                        "eyelid": 0.25})
        head.close()
        head.close()
        data = b""
        while True:
            try:
                os.set_blocking(master, False)
                chunk = os.read(master, 4096)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            data += chunk
        frames = Decoder().feed(data)
        assert [f[0] for f in frames] == [0, 1, 2, 3, 4, 5]
        assert frames[3][1] == [3.0, -3.0, 0.5, 2.0, 0.0, 25.0]      # eyelid as percent
        assert frames[5][1] == [0.0] * 6                             # neutral on close
    finally:
        os.close(master)
        os.close(slave)


def test_serial_port_missing_is_a_clear_error():
    pytest.importorskip("serial")
    from sgt_lite.heads.serial_link import SerialDriver

    with pytest.raises(HeadDriverError, match="cannot open serial port /dev/nonexistent"):
        SerialDriver("/dev/nonexistent")


def test_osc_on_loopback():
    from sgt_lite.heads.osc import parse_osc

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(2)
    with open_head(f"osc:127.0.0.1:{rx.getsockname()[1]}", "display_eyes") as head:
        head.write({"head_yaw": 1.5, "eye_yaw": -3.0, "eyelid": 1.0})
        addr, vals = parse_osc(rx.recv(1024))
    assert addr == "/sgt/joints"
    assert vals[:1] == [1.5] and vals[3] == -3.0 and vals[5] == 1.0
    rx.close()


def test_headless_display_renders_gaze_and_blink(monkeypatch):
    pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    from sgt_lite.heads.display import DisplayEyes

    with DisplayEyes(size=(320, 320)) as head:
        def pupil_x(**joints):
            head.write(joints)
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
        x_tilt, _ = pupil_x(head_yaw=30.0)                 # the whole face turns to the image right
    assert x_left > x0 + 3 and x_right < x0 - 3 and x_tilt > x_left
    assert n0 > 50 and n_closed < 0.3 * n0


def test_recorders_and_console(tmp_path):
    with CsvRecorder(tmp_path / "c.csv", "pan_tilt") as rec:
        rec.write({"head_yaw": 1.0, "head_pitch": 2.0})
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines[0] == "n,head_yaw,head_pitch" and lines[1] == "0,1.000,2.000" and lines[2] == "1,0.000,0.000"
    with JsonlRecorder(tmp_path / "c.jsonl", "pan_tilt") as rec:
        rec.write({"head_yaw": 1.0, "head_pitch": 2.0})
    assert '"head_yaw": 1.0' in (tmp_path / "c.jsonl").read_text()
    out = io.StringIO()
    with ConsoleView("pan_tilt", stream=out, every=1) as view:
        view.write({"head_yaw": 30.0, "head_pitch": 0.0})
    assert "head_yaw" in out.getvalue() and "+30.0" in out.getvalue()


def test_open_head_specs(tmp_path):
    with pytest.raises(ConfigError, match="choose one of"):
        open_head("laser", "pan_tilt")
    with pytest.raises(ConfigError, match="host:port"):
        open_head("osc:nowhere", "pan_tilt")
    head = open_head(f"csv:{tmp_path / 'x.csv'}", "pan_tilt")
    head.close()
    head.close()
