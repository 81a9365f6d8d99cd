# sgt-lite servo head on an RP2040 (Raspberry Pi Pico) or ESP32 with a PCA9685 board,
# in MicroPython. Frames arrive on a UART from `sgt-lite demo --head serial:PORT` (the same
# protocol and the same safety rules as firmware_examples/common/sgt_proto.c and
# sgt_limit.c): a frame is applied only if its sequence number advances, every channel is
# clamped to its range and follows at no more than its speed limit, and a watchdog eases
# the servos to neutral when no frame was applied for 500 ms.
#
# The hardware is touched only in main(); the rest also runs on CPython (the test suite
# imports this file with a fake `machine` module and checks it against the C code).
import sys
import time

SYNC = 0xA5
MAX_CHANNELS = 16
SEQ_WINDOW = 32
SEQ_RESYNC = 3
WATCHDOG_MS = 500
STEP_MS = 5
MAX_DT_MS = 20
MIN_US, MAX_US = 500, 2500
ADDR = 0x40

# Per channel, in centi-units (degrees x 100; the eyelid in per cent closed x 100):
# (lo, hi, neutral, speed limit per second, pulse us at lo, pulse us at hi). Generated from
# the profile (the speed limit is max_vel x 1.25) with
#   python -c "from sgt_lite.heads.serial_link import firmware_table; print(firmware_table('neck3_eyes2_lids', 'python'))"
# sgt-lite table begin
LIMITS = [
    (-7000, 7000, 0, 22500, 722, 2278),      # head_yaw
    (-2500, 3000, 0, 17500, 1222, 1833),     # head_pitch
    (-2000, 2000, 0, 11250, 1278, 1722),     # head_roll
    (-3000, 3000, 0, 62500, 1167, 1833),     # eye_yaw
    (-2000, 2000, 0, 50000, 1722, 1278),     # eye_pitch
    (0, 10000, 0, 150000, 1100, 1900),       # eyelid
]
# sgt-lite table end

try:
    ticks_ms, ticks_diff, sleep_ms = time.ticks_ms, time.ticks_diff, time.sleep_ms
except AttributeError:                                     # CPython (tests)
    def ticks_ms():
        return int(time.monotonic() * 1000)

    def ticks_diff(a, b):
        return a - b

    def sleep_ms(ms):
        time.sleep(ms / 1000)


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


class Decoder:
    """Frames from a byte stream: feed(data) returns every (seq, [centi-units]) completed,
    skipping corrupted frames and frames whose seq does not advance."""

    def __init__(self):
        self.buf = bytearray()
        self.frames = self.crc_errors = self.seq_rejects = 0
        self.forget_seq()

    def forget_seq(self):
        self.last_seq = None
        self.run_seq = self.run_len = 0

    def seq_accept(self, seq):
        ahead = None if self.last_seq is None else (seq - self.last_seq) & 0xFF
        if ahead == 0:                                      # the last applied frame again: never twice
            self.seq_rejects += 1
            return False
        if ahead is not None and ahead > SEQ_WINDOW:
            consecutive = self.run_len > 0 and seq == (self.run_seq + 1) & 0xFF
            self.run_len = self.run_len + 1 if consecutive else 1
            self.run_seq = seq
            if self.run_len < SEQ_RESYNC:
                self.seq_rejects += 1
                return False
        self.last_seq, self.run_len = seq, 0
        return True

    def feed(self, data):
        buf = self.buf + data
        out = []
        while True:
            start = 0
            while start < len(buf) and buf[start] != SYNC:
                start += 1
            buf = buf[start:]
            if len(buf) < 3:
                break
            n = buf[2]
            if not 0 < n <= MAX_CHANNELS:
                buf = buf[1:]
                continue
            size = 3 + 2 * n + 2
            if len(buf) < size:
                break
            if crc16(buf[1:3 + 2 * n]) != buf[size - 2] | (buf[size - 1] << 8):
                self.crc_errors += 1
                buf = buf[1:]                               # resynchronise on the next sync byte
                continue
            seq = buf[1]
            vals = []
            for ch in range(n):
                v = buf[3 + 2 * ch] | (buf[4 + 2 * ch] << 8)
                vals.append(v - 65536 if v & 0x8000 else v)
            buf = buf[size:]
            if self.seq_accept(seq):
                self.frames += 1
                out.append((seq, vals))
        self.buf = buf
        return out


def _div_round(num, den):
    return (num + den // 2) // den if num >= 0 else -((-num + den // 2) // den)


class Limiter:
    """Clamps frame values to each channel's range and moves toward them no faster than its
    speed limit; eases to neutral when no frame came for watchdog_ms (integer maths, the
    same as sgt_limit.c)."""

    def __init__(self, limits, watchdog_ms, now_ms):
        if not 0 < len(limits) <= MAX_CHANNELS:
            raise ValueError("1..16 channels")
        for lo, hi, neutral, max_vel, us_lo, us_hi in limits:
            if not (lo < hi and lo <= neutral <= hi and 0 < max_vel <= 10000000
                    and MIN_US <= us_lo <= MAX_US and MIN_US <= us_hi <= MAX_US):
                raise ValueError("bad limits row %r" % ((lo, hi, neutral, max_vel, us_lo, us_hi),))
        self.limits, self.watchdog_ms = limits, watchdog_ms
        self.target = [row[2] for row in limits]
        self.current = list(self.target)
        self.carry = [0] * len(limits)
        self.last_frame = self.last_step = now_ms
        self.watchdog = False
        self.clamped = 0

    def frame(self, centi, now_ms):
        for ch in range(min(len(centi), len(self.limits))):
            lo, hi = self.limits[ch][0], self.limits[ch][1]
            v = centi[ch]
            if v < lo or v > hi:
                self.clamped += 1
                v = lo if v < lo else hi
            self.target[ch] = v
        self.last_frame, self.watchdog = now_ms, False

    def step(self, now_ms):
        dt = min(max(ticks_diff(now_ms, self.last_step), 0), MAX_DT_MS)
        self.last_step = now_ms
        if not self.watchdog and ticks_diff(now_ms, self.last_frame) > self.watchdog_ms:
            self.watchdog = True
            self.target = [row[2] for row in self.limits]
        for ch, row in enumerate(self.limits):
            budget = row[3] * dt + self.carry[ch]
            step, d = budget // 1000, self.target[ch] - self.current[ch]
            if -step <= d <= step:
                self.current[ch], self.carry[ch] = self.target[ch], 0
            else:
                self.current[ch] += step if d > 0 else -step
                self.carry[ch] = budget % 1000
        return self.watchdog

    def pulse_us(self, ch):
        lo, hi, _, _, us_lo, us_hi = self.limits[ch]
        return us_lo + _div_round((self.current[ch] - lo) * (us_hi - us_lo), hi - lo)


class PCA9685:
    """The board over I2C: 50 Hz, totem-pole outputs, pulse widths per channel."""

    def __init__(self, i2c, addr=ADDR, freq=50):
        self.i2c, self.addr = i2c, addr
        prescale = round(25000000 / (4096 * freq)) - 1
        i2c.writeto_mem(addr, 0x00, b"\x10")                  # sleep to set the prescaler
        i2c.writeto_mem(addr, 0xFE, bytes([prescale]))
        i2c.writeto_mem(addr, 0x01, b"\x04")
        i2c.writeto_mem(addr, 0x00, b"\x20")                  # wake, auto-increment
        sleep_ms(1)
        i2c.writeto_mem(addr, 0x00, b"\xa0")
        self.period_us = 1e6 * 4096 * (prescale + 1) / 25000000

    def set_us(self, ch, us):
        us = max(MIN_US, min(MAX_US, us))
        off = int(round(us / self.period_us * 4096))
        self.i2c.writeto_mem(self.addr, 0x06 + 4 * ch, bytes([0, 0, off & 0xFF, off >> 8]))


class Head:
    """UART bytes in, limited servo pulses out; poll(now_ms) every few milliseconds."""

    def __init__(self, uart, board, limits=LIMITS, now_ms=0):
        self.uart, self.board = uart, board
        self.decoder = Decoder()
        self.limiter = Limiter(limits, WATCHDOG_MS, now_ms)
        self.last_step = now_ms
        self.write_servos()

    def write_servos(self):
        for ch in range(len(self.limiter.limits)):
            self.board.set_us(ch, self.limiter.pulse_us(ch))

    def poll(self, now_ms):
        data = self.uart.read()
        if data:
            for _, centi in self.decoder.feed(data):
                self.limiter.frame(centi, now_ms)
        if ticks_diff(now_ms, self.last_step) >= STEP_MS:
            self.last_step = now_ms
            if self.limiter.step(now_ms):
                self.decoder.forget_seq()                    # watchdog: any seq may resume
            self.write_servos()


def main():
    from machine import I2C, UART, Pin

    i2c = I2C(0, sda=Pin(4), scl=Pin(5), freq=400000)        # Pico pins; ESP32: I2C(0, sda=21, scl=22)
    uart = UART(1, baudrate=115200, tx=Pin(8), rx=Pin(9))     # Pico UART1; ESP32: UART(2, rx=16, tx=17)
    head = Head(uart, PCA9685(i2c), now_ms=ticks_ms())
    while True:
        head.poll(ticks_ms())
        sleep_ms(1)


if sys.implementation.name == "micropython":                # on the board, not when imported by tests
    main()
