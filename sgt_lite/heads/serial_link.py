"""Serial link to a microcontroller running firmware_examples/ (see protocol.py)."""
import logging

from ..errors import ConfigError
from .base import HeadDriver, HeadDriverError
from .protocol import encode

log = logging.getLogger(__name__)


class SerialDriver(HeadDriver):
    """Sends one protocol frame per command, channels in the profile's joint order
    (the eyelid as percent closed). ``port`` is a device path; pyserial opens it."""

    def __init__(self, port, profile="pan_tilt", baud=115200):
        self.port, self.baud = port, int(baud)
        self.seq = 0
        super().__init__(profile)

    def _open(self):
        try:
            import serial
        except ImportError as exc:
            raise ConfigError("the serial driver needs pyserial: pip install 'sgt-lite[robot]'") from exc
        self._serial_mod = serial
        self._connect()

    def _connect(self):
        try:
            self.ser = self._serial_mod.Serial(self.port, self.baud, timeout=0, write_timeout=0.2)
        except (OSError, self._serial_mod.SerialException) as exc:
            raise HeadDriverError(f"cannot open serial port {self.port}: {exc}") from exc

    def _send(self, joints):
        vals = [100.0 * joints[n] if n == "eyelid" else joints[n] for n in self.joint_names if n in joints]
        frame = encode(self.seq, vals)
        self.seq = (self.seq + 1) & 0xFF
        try:
            self.ser.write(frame)
        except (OSError, self._serial_mod.SerialException) as exc:
            raise HeadDriverError(f"serial port {self.port} failed: {exc}") from exc

    def _close(self):
        if hasattr(self, "ser"):
            self.ser.close()
