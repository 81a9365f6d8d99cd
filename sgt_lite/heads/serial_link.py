"""Serial link to a microcontroller running firmware_examples/ (see protocol.py)."""
import logging
import time

from ..errors import ConfigError
from ..shaping import HeadProfile
from .base import HeadDriver, HeadDriverError
from .pca9685 import check_servos
from .protocol import MAX_CHANNELS, encode

log = logging.getLogger(__name__)

BAUD_RANGE = (300, 4_000_000)
FIRMWARE_SPEED_MARGIN = 1.25     # the firmware's speed limit over the profile's, so it never lags the host


def wire_scale(joint: str) -> float:
    """Wire units per joint unit: degrees travel as degrees, the eyelid (0..1) as per cent."""
    return 100.0 if joint == "eyelid" else 1.0


def firmware_table(profile, language: str = "c") -> str:
    """The per-channel limits table for the firmware examples, from a head profile.

    Rows in the profile's joint order (the channel order on the wire), in centi-units:
    range, neutral, speed limit (``max_vel`` x 1.25) and the pulse widths at both ends of
    the range from the joint's ``servo`` calibration (an inverted servo's are swapped).

    >>> print(firmware_table("pan_tilt", "python"))
    LIMITS = [
        (-6000, 6000, 0, 18750, 833, 2167),      # head_yaw
        (-2500, 3000, 0, 15000, 1781, 1162),     # head_pitch
    ]
    """
    profile = profile if isinstance(profile, HeadProfile) else HeadProfile.load(profile)
    if language not in ("c", "python"):
        raise ConfigError(f"firmware_table: language is 'c' or 'python', got {language!r}")
    check_servos(profile)
    lines = []
    for name, j in profile.joints.items():
        k = 100.0 * wire_scale(name)
        cells = [round(j.min * k), round(j.max * k), round(j.neutral * k),
                 round(j.max_vel * k * FIRMWARE_SPEED_MARGIN),
                 round(j.servo.pulse_us(j.min)), round(j.servo.pulse_us(j.max))]
        if not all(-32768 <= c <= 32767 for c in cells[:3]):
            raise ConfigError(f"{profile.name}: joint {name!r}: range beyond the wire's +-327.67")
        row = ", ".join(map(str, cells))
        lines.append(f"    ({row}),".ljust(45) + f"# {name}" if language == "python" else
                     f"  {{{row}}},".ljust(43) + f"// {name}")
    if language == "python":
        return "LIMITS = [\n" + "\n".join(lines) + "\n]"
    return "static const SgtLimitChannel kLimits[] = {\n" + "\n".join(lines) + "\n};"


class SerialDriver(HeadDriver):
    """Sends one protocol frame per command, channels in the profile's joint order
    (the eyelid as percent closed). ``port`` is a device path; pyserial opens it.

    If the port goes away mid-stream (USB unplugged), writes stop raising: the loss is
    logged once, the port is reopened with exponential back-off (``backoff_s`` doubling
    up to ``max_backoff_s``), and the first frame after a reconnect is the neutral pose.
    Meanwhile the firmware's watchdog eases the head to neutral.
    """

    def __init__(self, port, profile="pan_tilt", baud=115200, backoff_s=0.2, max_backoff_s=5.0):
        self.port, self.baud = port, baud
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.seq = 0
        self.connected = False
        self.reconnects = 0
        self.dropped_commands = 0
        super().__init__(profile)

    def _open(self):
        if not isinstance(self.port, str) or not self.port:
            raise ConfigError(f"serial port must be a device path such as /dev/ttyUSB0, got {self.port!r}")
        lo, hi = BAUD_RANGE
        if isinstance(self.baud, bool) or not isinstance(self.baud, int) or not lo <= self.baud <= hi:
            raise ConfigError(f"baud must be a whole number {lo}..{hi} (e.g. 115200), got {self.baud!r}")
        if len(self.joint_names) > MAX_CHANNELS:
            raise ConfigError(f"a frame carries at most {MAX_CHANNELS} channels; the profile has "
                              f"{len(self.joint_names)} joints")
        for name, j in self.profile.joints.items():
            if max(abs(j.min), abs(j.max)) * wire_scale(name) > 327.67:
                raise ConfigError(f"joint {name!r}: range [{j.min:g}, {j.max:g}] does not fit the frame's "
                                  "int16 centi-units (+-327.67)")
        for key in ("backoff_s", "max_backoff_s"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 3600:
                raise ConfigError(f"{key} must be a number of seconds in (0, 3600], got {v!r}")
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

    def _frame(self, pose):
        frame = encode(self.seq, [pose[n] * wire_scale(n) for n in self.joint_names])
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
