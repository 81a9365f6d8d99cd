# sgt-lite servo head on an RP2040 (Raspberry Pi Pico) or ESP32 with a PCA9685 board,
# in MicroPython. Frames arrive on UART0 from `sgt-lite demo --head serial:PORT`
# (the same protocol as firmware_examples/common/sgt_proto.c). A watchdog eases the
# servos to neutral when no frame arrives for more than 500 ms.
import time

from machine import I2C, UART, Pin

SYNC = 0xA5
ADDR = 0x40
CHANNELS = 6
NEUTRAL = [0.0] * CHANNELS
# per channel: (pulse us at -90 deg, pulse us at +90 deg)
CALIBRATION = [(500, 2500)] * CHANNELS
WATCHDOG_MS = 500

i2c = I2C(0, sda=Pin(4), scl=Pin(5), freq=400_000)          # Pico pins; ESP32: I2C(0, sda=21, scl=22)
uart = UART(1, baudrate=115200, tx=Pin(8), rx=Pin(9))       # Pico UART1; ESP32: UART(2, rx=16, tx=17)


def pca_init(freq=50):
    prescale = round(25_000_000 / (4096 * freq)) - 1
    i2c.writeto_mem(ADDR, 0x00, b"\x10")                    # sleep
    i2c.writeto_mem(ADDR, 0xFE, bytes([prescale]))
    i2c.writeto_mem(ADDR, 0x01, b"\x04")
    i2c.writeto_mem(ADDR, 0x00, b"\x20")                    # wake, auto-increment
    time.sleep_ms(1)
    i2c.writeto_mem(ADDR, 0x00, b"\xa0")
    return 1e6 * 4096 * (prescale + 1) / 25_000_000         # period in us


PERIOD_US = pca_init()


def set_servo(ch, deg):
    lo, hi = CALIBRATION[ch]
    deg = max(-90.0, min(90.0, deg))
    us = lo + (deg + 90.0) / 180.0 * (hi - lo)
    off = int(us / PERIOD_US * 4096)
    i2c.writeto_mem(ADDR, 0x06 + 4 * ch, bytes([0, 0, off & 0xFF, off >> 8]))


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


buf = bytearray()
current = list(NEUTRAL)
last_frame = time.ticks_ms()
for ch in range(CHANNELS):
    set_servo(ch, NEUTRAL[ch])

while True:
    data = uart.read()
    if data:
        buf.extend(data)
    while True:
        start = buf.find(bytes([SYNC]))
        if start < 0:
            buf = bytearray()
            break
        buf = buf[start:]
        if len(buf) < 3:
            break
        n = buf[2]
        if not 0 < n <= 16:
            buf = buf[1:]
            continue
        size = 3 + 2 * n + 2
        if len(buf) < size:
            break
        if crc16(buf[1:3 + 2 * n]) != buf[size - 2] | (buf[size - 1] << 8):
            buf = buf[1:]                                   # resynchronise
            continue
        for ch in range(min(n, CHANNELS)):
            v = buf[3 + 2 * ch] | (buf[4 + 2 * ch] << 8)
            current[ch] = (v - 65536 if v & 0x8000 else v) / 100.0
            set_servo(ch, current[ch])
        last_frame = time.ticks_ms()
        buf = buf[size:]
    if time.ticks_diff(time.ticks_ms(), last_frame) > WATCHDOG_MS:   # ease to neutral
        for ch in range(CHANNELS):
            step = max(-0.5, min(0.5, NEUTRAL[ch] - current[ch]))
            if step:
                current[ch] += step
                set_servo(ch, current[ch])
    time.sleep_ms(5)
