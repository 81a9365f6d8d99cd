"""PCA9685 16-channel PWM board over I2C (smbus2), with per-servo pulse calibration."""
import logging
import time

from ..errors import ConfigError
from .base import HeadDriver, HeadDriverError

log = logging.getLogger(__name__)

MODE1, MODE2, PRESCALE, LED0_ON_L = 0x00, 0x01, 0xFE, 0x06
SLEEP, AUTO_INCREMENT, RESTART, OUTDRV = 0x10, 0x20, 0x80, 0x04
OSC_HZ = 25_000_000


def prescale_for(freq_hz: float) -> int:
    """PRE_SCALE register value: round(25 MHz / (4096 * f)) - 1 (121 for 50 Hz)."""
    return int(round(OSC_HZ / (4096.0 * freq_hz))) - 1


class PCA9685Driver(HeadDriver):
    """Drives the profile's servos (joints with a ``servo`` table) at ``freq_hz``.

    ``bus`` is an I2C bus number (opened with smbus2) or an object with smbus2's
    ``write_byte_data`` / ``write_i2c_block_data`` / ``read_byte_data`` (tests pass a
    fake). An I2C error is retried ``retries`` times; then the driver stops safely
    (all outputs off) and raises :class:`HeadDriverError`.

    >>> prescale_for(50)
    121
    """

    def __init__(self, profile="pan_tilt", bus=1, address=0x40, freq_hz=50.0, retries=3):
        self.bus_arg, self.address, self.freq_hz, self.retries = bus, address, freq_hz, retries
        super().__init__(profile)

    def _open(self):
        self.servos = {n: j.servo for n, j in self.profile.joints.items() if j.servo is not None}
        if not self.servos:
            raise ConfigError(f"profile {self.profile.name!r} has no joint with a [servo] table")
        channels = [s.channel for s in self.servos.values()]
        if len(set(channels)) != len(channels) or not all(0 <= c <= 15 for c in channels):
            raise ConfigError(f"servo channels must be distinct and within 0..15, got {channels}")
        if isinstance(self.bus_arg, int):
            try:
                from smbus2 import SMBus
            except ImportError as exc:
                raise ConfigError("the PCA9685 driver needs smbus2: pip install 'sgt-lite[robot]'") from exc
            self.bus = SMBus(self.bus_arg)
        else:
            self.bus = self.bus_arg
        self.prescale = prescale_for(self.freq_hz)
        self.period_us = 1e6 * 4096 * (self.prescale + 1) / OSC_HZ
        self._io(self.bus.write_byte_data, self.address, MODE1, SLEEP)          # sleep to set the prescaler
        self._io(self.bus.write_byte_data, self.address, PRESCALE, self.prescale)
        self._io(self.bus.write_byte_data, self.address, MODE2, OUTDRV)         # totem-pole outputs
        self._io(self.bus.write_byte_data, self.address, MODE1, AUTO_INCREMENT)  # wake
        time.sleep(0.0005)                                                       # oscillator start-up
        self._io(self.bus.write_byte_data, self.address, MODE1, RESTART | AUTO_INCREMENT)

    def counts(self, joint: str, value: float) -> int:
        """OFF count (0..4095) for a joint value, through its servo calibration."""
        us = self.servos[joint].pulse_us(value)
        return max(0, min(4095, int(round(us / self.period_us * 4096))))

    def _send(self, joints):
        for name, value in joints.items():
            if name in self.servos:
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
                    raise HeadDriverError(f"PCA9685 at 0x{self.address:02x}: I2C write failed: {exc}") from exc
                time.sleep(0.001 * (attempt + 1))

    def _all_off(self):
        try:  # ALL_LED_OFF_H full-off bit: servos go limp rather than hold a stale pulse
            self.bus.write_byte_data(self.address, 0xFD, 0x10)
        except OSError:
            pass

    def _close(self):
        if hasattr(self, "bus") and isinstance(self.bus_arg, int):
            self.bus.close()
