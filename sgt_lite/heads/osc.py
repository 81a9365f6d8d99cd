"""OSC over UDP for game engines and other processes: ``/sgt/joints`` with one float per joint."""
import errno
import logging
import socket
import struct

from ..errors import ConfigError
from .base import HeadDriver

log = logging.getLogger(__name__)

# a receiver that is absent, restarting or unreachable: the datagram is lost, the head goes on
_TRANSIENT = {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENOBUFS, errno.EAGAIN,
              errno.EWOULDBLOCK, getattr(errno, "EHOSTDOWN", -1), getattr(errno, "ENETDOWN", -1)}


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
    """Sends ``/sgt/joints`` (values in the profile's joint order) over UDP.

    Sending never fails because of the receiver: when it is absent or restarting (the
    kernel reports "connection refused" after an ICMP port-unreachable), the datagram
    is dropped and counted in ``dropped``, the first drop is logged, and the stream goes
    on; it reaches the receiver again as soon as one listens.

    >>> with OscDriver("127.0.0.1", 9, "pan_tilt") as head:     # nothing listens on port 9
    ...     for _ in range(3):
    ...         head.write({"head_yaw": 10.0})
    >>> head.commands_sent
    4
    """

    def __init__(self, host="127.0.0.1", port=9000, profile="display_eyes"):
        self.host, self.port = host, port
        self.dropped = 0
        super().__init__(profile)

    def _open(self):
        if not isinstance(self.host, str) or not self.host:
            raise ConfigError(f"OSC host must be a host name or address, got {self.host!r}")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise ConfigError(f"OSC port must be a whole number 1..65535, got {self.port!r}")
        try:
            family, kind, proto, _, addr = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
        except (socket.gaierror, UnicodeError) as exc:
            raise ConfigError(f"OSC host {self.host!r} cannot be resolved ({exc}); give a reachable host name "
                              "or an IP address, e.g. osc:127.0.0.1:9000") from exc
        self._sock = socket.socket(family, kind, proto)
        self._sock.setblocking(False)          # a full send buffer drops a datagram, never stalls the loop
        self._sock.connect(addr)

    def _send(self, pose):
        try:
            self._sock.send(osc_message("/sgt/joints", [pose[n] for n in self.joint_names]))
        except OSError as exc:
            if exc.errno not in _TRANSIENT:
                raise
            self.dropped += 1
            if self.dropped == 1:
                log.warning("OSC receiver %s:%d not reachable (%s); dropping datagrams until it listens "
                            "(counted in .dropped)", self.host, self.port, exc.strerror or exc)

    def _close(self):
        if hasattr(self, "_sock"):
            self._sock.close()
