"""Serial link to a microcontroller running firmware_examples/ (see protocol.py)."""
import logging
import time

from ..errors import ConfigError
from .base import HeadDriver, HeadDriverError
from .protocol import encode

log = logging.getLogger(__name__)


class SerialDriver(HeadDriver):
    """Sends one protocol frame per command, channels in the profile's joint order
    (the eyelid as percent closed). ``port`` is a device path; pyserial opens it.

    If the port goes away mid-stream (USB unplugged), writes stop raising: the loss is
    logged once, the port is reopened with exponential back-off (``backoff_s`` doubling
    up to ``max_backoff_s``), and the first frame after a reconnect is the neutral pose.
    Meanwhile the firmware's watchdog eases the head to neutral.
    """

    def __init__(self, port, profile="pan_tilt", baud=115200, backoff_s=0.2, max_backoff_s=5.0):
        self.port, self.baud = port, int(baud)
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.seq = 0
        self.connected = False
        self.reconnects = 0
        self.dropped_commands = 0
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
        self.connected = True

    def _frame(self, joints):
        vals = [100.0 * joints[n] if n == "eyelid" else joints[n] for n in self.joint_names if n in joints]
        frame = encode(self.seq, vals)
        self.seq = (self.seq + 1) & 0xFF
        return frame

    def _send(self, joints):
        if not self.connected and not self._try_reconnect():
            self.dropped_commands += 1
            return
        try:
            self.ser.write(self._frame(joints))
        except (OSError, self._serial_mod.SerialException) as exc:
            log.error("serial port %s lost (%s); reconnecting with back-off, the firmware eases the head "
                      "to neutral meanwhile", self.port, exc)
            self._drop()
            self.dropped_commands += 1

    def _drop(self):
        self.connected = False
        try:
            self.ser.close()
        except Exception:
            pass
        self._wait = self.backoff_s
        self._next_try = time.monotonic() + self._wait

    def _try_reconnect(self):
        if time.monotonic() < self._next_try:
            return False
        try:
            self._connect()
        except HeadDriverError:
            self._wait = min(self._wait * 2, self.max_backoff_s)
            self._next_try = time.monotonic() + self._wait
            return False
        self.reconnects += 1
        log.warning("serial port %s reconnected (after %d attempts' back-off); sending neutral first",
                    self.port, self.reconnects)
        try:
            self.ser.write(self._frame(self.profile.neutral))
        except (OSError, self._serial_mod.SerialException):
            self._drop()
            return False
        return True

    def _close(self):
        if hasattr(self, "ser") and self.connected:
            self.ser.close()
