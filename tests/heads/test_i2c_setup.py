"""A PCA9685 on a bus that is not there: the error says how to turn I2C on (Pi, Jetson) and
which buses this machine has. The smbus2 module is stood in for (the hardware edge): its
SMBus(n) opens /dev/i2c-n in a folder the test controls."""
import errno
import os
import sys
import types

import pytest

from sgt_lite.heads import HeadDriverError
from sgt_lite.heads import pca9685
from sgt_lite.heads.pca9685 import PCA9685Driver


@pytest.fixture
def devices(tmp_path, monkeypatch):
    """A /dev stand-in and an smbus2 whose SMBus(n) opens dev/i2c-n as the real one does."""
    mod = types.ModuleType("smbus2")

    class SMBus:
        def __init__(self, n):
            path = str(tmp_path / f"i2c-{n}")
            if os.path.exists(path) and os.stat(path).st_mode & 0o777 == 0:   # as the kernel, for a user
                raise PermissionError(errno.EACCES, "Permission denied", path)
            self.fd = os.open(path, os.O_RDWR)                                 # FileNotFoundError

        def close(self):
            os.close(self.fd)
    mod.SMBus = SMBus
    monkeypatch.setitem(sys.modules, "smbus2", mod)
    monkeypatch.setattr(pca9685, "I2C_DEVICES", str(tmp_path / "i2c-*"))
    return tmp_path


def test_missing_bus_says_how_to_enable_i2c_and_lists_none(devices):
    with pytest.raises(HeadDriverError) as info:
        PCA9685Driver(bus=1)
    msg = str(info.value)
    assert "i2c-1" in msg and "no I2C bus" in msg
    assert "raspi-config" in msg and "dtparam=i2c_arm=on" in msg           # Raspberry Pi
    assert "jetson-io" in msg and "i2cdetect -l" in msg                    # Jetson
    assert isinstance(info.value.__cause__, OSError) and info.value.__cause__.errno == errno.ENOENT


def test_missing_bus_lists_the_buses_there_are(devices):
    for n in (7, 1, 0):
        (devices / f"i2c-{n}").write_bytes(b"")
    with pytest.raises(HeadDriverError) as info:
        PCA9685Driver(bus=8)
    msg = str(info.value)
    assert "buses here: 0, 1, 7" in msg and "--head pca9685:7" in msg


def test_bus_without_permission_says_which_group(devices):
    node = devices / "i2c-1"
    node.write_bytes(b"")
    node.chmod(0)
    with pytest.raises(HeadDriverError, match="i2c group"):
        PCA9685Driver(bus=1)
