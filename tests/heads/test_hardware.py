"""Tests on real hardware; skipped unless SGT_LITE_HARDWARE=1 (see tests/conftest.py).

    SGT_LITE_HARDWARE=1 SGT_LITE_I2C_BUS=1 SGT_LITE_SERIAL_PORT=/dev/ttyUSB0 pytest tests/heads/test_hardware.py
"""
import os
import time

import numpy as np
import pytest

pytestmark = pytest.mark.hardware


def test_pca9685_sweeps_the_pan_tilt_and_parks():
    from sgt_lite.heads.pca9685 import PCA9685Driver
    from sgt_lite.shaping import MotionShaper

    shaper = MotionShaper("pan_tilt")
    with PCA9685Driver(shaper.profile, bus=int(os.environ.get("SGT_LITE_I2C_BUS", "1"))) as head:
        for k in range(100):                       # 2 s of a slow nod-and-turn
            head.write({"head_yaw": 20 * np.sin(k / 15), "head_pitch": 8 * np.sin(k / 10)})
            time.sleep(0.02)
        assert shaper.park_to(head)


def test_serial_mcu_receives_frames():
    from sgt_lite.heads.serial_link import SerialDriver

    port = os.environ.get("SGT_LITE_SERIAL_PORT", "/dev/ttyUSB0")
    with SerialDriver(port, "neck3_eyes2_lids") as head:
        for k in range(100):
            head.write({"head_yaw": 10 * np.sin(k / 10), "eyelid": float(k % 50 == 0)})
            time.sleep(0.02)
    assert head.commands_sent == 101 and head.reconnects == 0


def test_microphone_feeds_the_ring_buffer():
    from sgt_lite.demo import _MicSource

    mic = _MicSource(16000)
    try:
        got = 0
        t_end = time.time() + 1.0
        while time.time() < t_end:
            got += mic.read().size
        assert got > 12000
    finally:
        mic.close()
