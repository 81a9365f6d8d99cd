"""OSC over UDP for game engines and other processes: ``/sgt/joints`` with one float per joint."""
import socket
import struct

from .base import HeadDriver


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (4 - len(b) % 4)


def osc_message(address: str, values) -> bytes:
    """An OSC 1.0 message of float32 arguments.

    >>> osc_message("/a", [1.0]).hex()
    '2f6100002c6600003f800000'
    """
    vals = list(values)
    return _pad(address.encode()) + _pad(("," + "f" * len(vals)).encode()) + struct.pack(">%df" % len(vals), *vals)


def parse_osc(data: bytes):
    """(address, [floats]) from an OSC message made of float arguments."""
    end = data.index(b"\0")
    address = data[:end].decode()
    i = (end // 4 + 1) * 4
    tend = data.index(b"\0", i)
    tags = data[i + 1:tend].decode()
    i = (tend // 4 + 1) * 4
    return address, list(struct.unpack_from(">%df" % len(tags), data, i))


class OscDriver(HeadDriver):
    """Sends ``/sgt/joints`` (values in the profile's joint order) and ``/sgt/names`` once."""

    def __init__(self, host="127.0.0.1", port=9000, profile="display_eyes"):
        self.host, self.port = host, int(port)
        super().__init__(profile)

    def _open(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.connect((self.host, self.port))

    def _send(self, joints):
        self._sock.send(osc_message("/sgt/joints", [joints.get(n, 0.0) for n in self.joint_names]))

    def _close(self):
        self._sock.close()
