"""The serial frame protocol between sgt-lite and a microcontroller.

One frame::

    0xA5 | seq (u8) | n (u8) | n x int16 little-endian centi-units | CRC-16 (u16 LE)

The CRC is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over ``seq, n, payload``.
Angles travel in centi-degrees; the eyelid travels as per cent closed x 100 (0 = open,
10000 = closed). The decoder resynchronises after lost or corrupted bytes by scanning
for the next sync byte whose frame checks out, and returns every frame a chunk
completes (several can complete at once after a resync).

``seq`` goes up by one per frame (mod 256). A receiver applies a frame only if its
``seq`` is 1..``SEQ_WINDOW`` ahead of the last applied one, so duplicated and replayed
frames are skipped while lost frames (a gap) are not a problem. After a larger jump
(the host restarted, or a noise frame that passed the CRC moved the last ``seq``),
``SEQ_RESYNC`` rejected frames with consecutive ``seq`` values resynchronise the
receiver; a copy of the last applied frame is never applied, not even by a resync. A
firmware watchdog also forgets the last ``seq`` when no frame arrived for a while. :class:`SeqCheck` is the reference; ``firmware_examples/common/sgt_proto.c``
and the MicroPython example implement the same rules.
"""
import struct

SYNC = 0xA5
MAX_CHANNELS = 16
SEQ_WINDOW = 32
SEQ_RESYNC = 3


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


class SeqCheck:
    """Accepts a frame's ``seq`` only if it advances; resynchronises after a jump.

    >>> s = SeqCheck()
    >>> [s.accept(q) for q in (5, 6, 6, 9, 4, 200, 201, 202, 203)]
    [True, True, False, True, False, False, False, True, True]
    >>> s.rejected
    4
    """

    def __init__(self, window: int = SEQ_WINDOW, resync: int = SEQ_RESYNC):
        self.window, self.resync = window, resync
        self.rejected = 0
        self.reset()

    def reset(self):
        """Forgets the last ``seq``: the next frame is accepted whatever its number."""
        self.last = None
        self._run_seq, self._run_len = 0, 0

    def accept(self, seq: int) -> bool:
        seq &= 0xFF
        ahead = None if self.last is None else (seq - self.last) & 0xFF
        if ahead == 0:                 # the last applied frame again: never applied twice
            self.rejected += 1
            return False
        if ahead is not None and ahead > self.window:
            consecutive = self._run_len and seq == (self._run_seq + 1) & 0xFF
            self._run_len = self._run_len + 1 if consecutive else 1
            self._run_seq = seq
            if self._run_len < self.resync:
                self.rejected += 1
                return False
        self.last, self._run_len = seq, 0
        return True


class Decoder:
    """Streaming decoder: feed any bytes, get every (seq, [degrees]) frame they complete.

    Counts CRC errors; with ``check_seq`` (the default) frames whose ``seq`` does not
    advance are skipped and counted in ``seq_rejects`` (see :class:`SeqCheck`).

    >>> d = Decoder()
    >>> d.feed(b"\\x00\\x13" + encode(1, [10.0]) + encode(1, [10.0]) + encode(2, [-5.0])[:4])
    [(1, [10.0])]
    >>> d.seq_rejects
    1
    """

    def __init__(self, check_seq: bool = True):
        self.seq_check = SeqCheck() if check_seq else None
        self.reset()

    def reset(self):
        self.buf = bytearray()
        self.crc_errors = 0
        self.frames = 0
        if self.seq_check is not None:
            self.seq_check.reset()
            self.seq_check.rejected = 0

    @property
    def seq_rejects(self) -> int:
        return self.seq_check.rejected if self.seq_check is not None else 0

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
            del self.buf[:size]
            seq, count = body[0], body[1]
            if self.seq_check is not None and not self.seq_check.accept(seq):
                continue
            vals = struct.unpack_from("<%dh" % count, body, 2)
            out.append((seq, [v / 100.0 for v in vals]))
            self.frames += 1
