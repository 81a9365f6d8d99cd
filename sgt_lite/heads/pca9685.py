"""PCA9685 16-channel PWM board over I2C (smbus2), with per-servo pulse calibration."""
import errno
import glob
import logging
import math
import numbers
import re
import time

from ..errors import ConfigError
from .base import HeadDriver, HeadDriverError

log = logging.getLogger(__name__)

MODE1, MODE2, PRESCALE, LED0_ON_L, ALL_LED_OFF_H = 0x00, 0x01, 0xFE, 0x06, 0xFD
SLEEP, AUTO_INCREMENT, RESTART, OUTDRV, FULL_OFF = 0x10, 0x20, 0x80, 0x04, 0x10
OSC_HZ = 25_000_000
SAFE_US = (500.0, 2500.0)      # pulse widths hobby servos accept, unless the profile says otherwise
PULSE_LIMITS_US = (100.0, 3000.0)
I2C_DEVICES = "/dev/i2c-*"


def i2c_buses() -> list:
    """Numbers of the I2C buses this machine has (``/dev/i2c-N``), sorted."""
    found = (re.fullmatch(r"i2c-(\d+)", p.rsplit("/", 1)[-1]) for p in glob.glob(I2C_DEVICES))
    return sorted(int(m.group(1)) for m in found if m)


def bus_open_error(bus: int, exc: OSError) -> HeadDriverError:
    """What to do when /dev/i2c-``bus`` cannot be opened: I2C off (how to turn it on, on a Pi
    or a Jetson), another bus number (the ones there are), or permissions."""
    node = I2C_DEVICES.replace("*", str(bus))
    if exc.errno == errno.EACCES or isinstance(exc, PermissionError):
        return HeadDriverError(f"no permission to open {node}: add yourself to the i2c group "
                               "(sudo usermod -aG i2c $USER, then log in again) or run as root")
    buses = i2c_buses()
    if exc.errno == errno.ENOENT:
        here = (f"I2C buses here: {', '.join(map(str, buses))} (e.g. --head pca9685:{buses[-1]})" if buses
                else "no I2C bus here at all, so I2C is off")
        return HeadDriverError(
            f"{node} does not exist; {here}. Raspberry Pi: sudo raspi-config -> Interface Options -> I2C, "
            "or add dtparam=i2c_arm=on to /boot/firmware/config.txt (/boot/config.txt before Bookworm) and "
            "reboot; the header's pins 3/5 are bus 1. Jetson: the header's I2C is on by default but its bus "
            "number depends on the model (pins 3/5: bus 1 on a Nano, 8 on a Xavier NX, 7 on an Orin Nano); "
            "list them with i2cdetect -l (apt install i2c-tools), and set pin functions with "
            "sudo /opt/nvidia/jetson-io/jetson-io.py")
    return HeadDriverError(f"cannot open I2C bus {bus} ({node}): {exc}; I2C buses here: "
                           f"{', '.join(map(str, buses)) or 'none'}")


def prescale_for(freq_hz: float) -> int:
    """PRE_SCALE register value: round(25 MHz / (4096 * f)) - 1 (121 for 50 Hz)."""
    return int(round(OSC_HZ / (4096.0 * freq_hz))) - 1


def _real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def check_servos(profile) -> dict:
    """{joint: Servo} for a PCA9685 head, or a :class:`ConfigError` naming the joint and field.

    The profile loader checks the same and more; this is the driver's own check of what it
    is about to drive, whatever built the profile. Every joint needs a ``servo`` table;
    channels are whole numbers 0..15, one joint each; ``min_us < max_us``, both inside the
    servo's safe pulse range (``safe_min_us`` / ``safe_max_us``, 500..2500 us by default,
    never beyond 100..3000 us); ``min_deg != max_deg``; ``invert`` is true or false.
    """
    where = getattr(profile, "name", "profile")
    servos, used = {}, {}
    for name, joint in profile.joints.items():
        s = joint.servo
        if s is None:
            raise ConfigError(f"{where}: joint {name!r} has no servo table; a PCA9685 head drives every joint "
                              f"of its profile: add servo = {{ channel = N }} or remove the joint")
        ch = s.channel
        if isinstance(ch, bool) or not isinstance(ch, numbers.Integral) or not 0 <= ch <= 15:
            raise ConfigError(f"{where}: joints.{name}.servo.channel: expected a whole number 0..15, got {ch!r}")
        if ch in used:
            raise ConfigError(f"{where}: joints.{name}.servo.channel: channel {ch} is already {used[ch]!r}'s; "
                              "each joint needs its own channel")
        used[ch] = name
        lo, hi = getattr(s, "safe_min_us", SAFE_US[0]), getattr(s, "safe_max_us", SAFE_US[1])
        if not (_real(lo) and _real(hi) and PULSE_LIMITS_US[0] <= lo < hi <= PULSE_LIMITS_US[1]):
            raise ConfigError(f"{where}: joints.{name}.servo: the safe pulse range must lie within "
                              f"{PULSE_LIMITS_US[0]:g}..{PULSE_LIMITS_US[1]:g} us, got {lo!r}..{hi!r}")
        for key in ("min_us", "max_us", "min_deg", "max_deg"):
            if not _real(getattr(s, key)):
                raise ConfigError(f"{where}: joints.{name}.servo.{key}: expected a finite number, "
                                  f"got {getattr(s, key)!r}")
        if not lo <= s.min_us < s.max_us <= hi:
            raise ConfigError(f"{where}: joints.{name}.servo: need {lo:g} <= min_us < max_us <= {hi:g} us, got "
                              f"min_us={s.min_us:g}, max_us={s.max_us:g} (use invert = true to reverse a servo)")
        if s.min_deg == s.max_deg:
            raise ConfigError(f"{where}: joints.{name}.servo: min_deg and max_deg must differ, both are {s.min_deg:g}")
        if not isinstance(s.invert, bool):
            raise ConfigError(f"{where}: joints.{name}.servo.invert: expected true or false, got {s.invert!r}")
        servos[name] = s
    return servos


class PCA9685Driver(HeadDriver):
    """Drives the profile's servos (every joint needs a ``servo`` table) at ``freq_hz``.

    ``bus`` is an I2C bus number (opened with smbus2) or an object with smbus2's
    ``write_byte_data`` / ``write_i2c_block_data`` (tests pass a fake). Everything is
    checked (profile, channels, pulses, address, frequency) before the bus is opened.
    Pulses never leave a servo's [min_us, max_us]. An I2C error is retried ``retries``
    times; then the driver stops safely (all outputs off, bus closed) and raises
    :class:`HeadDriverError`.

    >>> prescale_for(50)
    121
    """

    def __init__(self, profile="pan_tilt", bus=1, address=0x40, freq_hz=50.0, retries=3):
        self.bus_arg, self.address, self.freq_hz, self.retries = bus, address, freq_hz, retries
        super().__init__(profile)

    def _open(self):
        self.servos = check_servos(self.profile)
        if isinstance(self.address, bool) or not isinstance(self.address, int) or not 0x03 <= self.address <= 0x77:
            raise ConfigError(f"PCA9685 address must be an I2C address 0x03..0x77, got {self.address!r}")
        if not _real(self.freq_hz) or not 24 <= self.freq_hz <= 1526:
            raise ConfigError(f"PCA9685 freq_hz must be 24..1526, got {self.freq_hz!r}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or not 0 <= self.retries <= 100:
            raise ConfigError(f"retries must be a whole number 0..100, got {self.retries!r}")
        self.prescale = prescale_for(self.freq_hz)
        self.period_us = 1e6 * 4096 * (self.prescale + 1) / OSC_HZ
        longest = max(s.max_us for s in self.servos.values())
        if longest >= self.period_us:
            raise ConfigError(f"a {longest:g} us pulse does not fit the {self.period_us:.0f} us period of "
                              f"{self.freq_hz:g} Hz; lower freq_hz (servos want 50)")
        if isinstance(self.bus_arg, bool):
            raise ConfigError(f"bus must be an I2C bus number or an smbus2-like object, got {self.bus_arg!r}")
        if isinstance(self.bus_arg, int):
            if self.bus_arg < 0:
                raise ConfigError(f"I2C bus number must be >= 0, got {self.bus_arg}")
            try:
                from smbus2 import SMBus
            except ImportError as exc:
                raise ConfigError("the PCA9685 driver needs smbus2: pip install 'sgt-lite[robot]'") from exc
            try:
                self.bus = SMBus(self.bus_arg)
            except OSError as exc:
                raise bus_open_error(self.bus_arg, exc) from exc
        else:
            self.bus = self.bus_arg
        self._io(self.bus.write_byte_data, self.address, MODE1, SLEEP)          # sleep to set the prescaler
        self._io(self.bus.write_byte_data, self.address, PRESCALE, self.prescale)
        self._io(self.bus.write_byte_data, self.address, MODE2, OUTDRV)         # totem-pole outputs
        self._io(self.bus.write_byte_data, self.address, MODE1, AUTO_INCREMENT)  # wake
        time.sleep(0.0005)                                                       # oscillator start-up
        self._io(self.bus.write_byte_data, self.address, MODE1, RESTART | AUTO_INCREMENT)

    def pulse_us(self, joint: str, value: float) -> float:
        """The pulse width for a joint value, never outside the servo's [min_us, max_us]."""
        s = self.servos[joint]
        return min(max(s.pulse_us(value), s.min_us), s.max_us)

    def counts(self, joint: str, value: float) -> int:
        """OFF count (0..4095) for a joint value, through its servo calibration."""
        return max(0, min(4095, int(round(self.pulse_us(joint, value) / self.period_us * 4096))))

    def _send(self, pose):
        for name, value in pose.items():
            off = self.counts(name, value)
            reg = LED0_ON_L + 4 * self.servos[name].channel
            self._io(self.bus.write_i2c_block_data, self.address, reg, [0, 0, off & 0xFF, off >> 8])

    def _io(self, fn, *args):
        for attempt in range(self.retries + 1):
            try:
                return fn(*args)
            except OSError as exc:
                if attempt == self.retries:
                    log.error("PCA9685 at 0x%02x: I2C failed %d times (%s); stopping all outputs",
                              self.address, self.retries + 1, exc)
                    self._all_off()
                    self.closed = True
                    self._safe_close()
                    raise HeadDriverError(f"PCA9685 at 0x{self.address:02x}: I2C write failed: {exc}") from exc
                time.sleep(0.001 * (attempt + 1))

    def _all_off(self):
        try:  # ALL_LED_OFF_H full-off bit: servos go limp rather than hold a stale pulse
            self.bus.write_byte_data(self.address, ALL_LED_OFF_H, FULL_OFF)
        except OSError:
            pass

    def _close(self):
        bus, self.bus = getattr(self, "bus", None), None
        if bus is not None and isinstance(self.bus_arg, int):
            bus.close()
