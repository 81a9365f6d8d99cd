"""The serial frame protocol between sgt-lite and a microcontroller.

One frame::

    0xA5 | seq (u8) | n (u8) | n x int16 little-endian centi-degrees | CRC-16 (u16 LE)

The CRC is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over ``seq, n, payload``. The
eyelid travels as 0..100 "centi" units of closure per cent x 100 (0 = open, 10000 =
closed). The decoder resynchronises after lost or corrupted bytes by scanning for the
next sync byte whose frame checks out. ``firmware_examples/common/sgt_proto.c`` is the
same decoder in portable C.
"""
import struct

SYNC = 0xA5
MAX_CHANNELS = 16


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE.

    >>> hex(crc16(b"123456789"))
    '0x29b1'
    """
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def encode(seq: int, values) -> bytes:
    """One frame from channel values in degrees (clamped to the int16 range of centi-degrees).

    >>> encode(7, [1.5, -2.25]).hex()
    'a5070296001fff696e'
    """
    vals = list(values)
    if not 0 < len(vals) <= MAX_CHANNELS:
        raise ValueError(f"a frame carries 1..{MAX_CHANNELS} channels, got {len(vals)}")
    cents = [max(-32768, min(32767, int(round(v * 100.0)))) if v == v else 0 for v in vals]
    body = struct.pack("<BB%dh" % len(cents), seq & 0xFF, len(cents), *cents)
    return bytes([SYNC]) + body + struct.pack("<H", crc16(body))


class Decoder:
    """Streaming decoder: feed any bytes, get (seq, [degrees]) frames; counts CRC errors.

    >>> d = Decoder()
    >>> d.feed(b"\\x00\\x13" + encode(1, [10.0]) + encode(2, [-5.0])[:4])
    [(1, [10.0])]
    """

    def __init__(self):
        self.buf = bytearray()
        self.crc_errors = 0
        self.frames = 0

    def feed(self, data: bytes):
        self.buf += data
        out = []
        while True:
            start = self.buf.find(bytes([SYNC]))
            if start < 0:
                self.buf.clear()
                return out
            del self.buf[:start]
            if len(self.buf) < 3:
                return out
            n = self.buf[2]
            if not 0 < n <= MAX_CHANNELS:
                del self.buf[:1]
                continue
            size = 3 + 2 * n + 2
            if len(self.buf) < size:
                return out
            body = bytes(self.buf[1:3 + 2 * n])
            (crc,) = struct.unpack_from("<H", self.buf, 3 + 2 * n)
            if crc != crc16(body):
                self.crc_errors += 1
                del self.buf[:1]           # resynchronise on the next sync byte
                continue
            seq, count = body[0], body[1]
            vals = struct.unpack_from("<%dh" % count, body, 2)
            out.append((seq, [v / 100.0 for v in vals]))
            self.frames += 1
            del self.buf[:size]
