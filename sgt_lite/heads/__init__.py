"""Head drivers: PCA9685 servos, serial link to a microcontroller, display eyes, OSC, recorders.

``open_head("pca9685:1:0x40" | "serial:/dev/ttyUSB0" | "display" | "osc:host:port" |
"console" | "csv:out.csv" | "jsonl:out.jsonl" | "reachy_mini[:HOST:PORT][:offsets]", profile)`` builds one
from a CLI spec.
"""
import re

from ..errors import ConfigError

HEAD_SPECS = ("display | pca9685[:BUS[:ADDR]] | serial:PORT[:BAUD] | osc:[HOST:]PORT | console | csv:FILE | "
              "jsonl:FILE | reachy_mini[:HOST:PORT][:offsets]")
_FORMS = {
    "pca9685": "pca9685[:BUS[:ADDR]], e.g. pca9685:1:0x40",
    "serial": "serial:PORT[:BAUD], e.g. serial:/dev/ttyUSB0:115200",
    "osc": "osc:[HOST:]PORT, e.g. osc:127.0.0.1:9000",
    "csv": "csv:FILE, e.g. csv:out.csv",
    "jsonl": "jsonl:FILE, e.g. jsonl:out.jsonl",
    "console": "console (no argument)",
    "display": "display (no argument)",
    "reachy_mini": "reachy_mini[:HOST:PORT][:offsets], e.g. reachy_mini, reachy_mini:192.168.1.42:8000 or "
                   "reachy_mini::8000:offsets",
}


def _bad(spec, kind, what) -> ConfigError:
    return ConfigError(f"--head {spec!r}: {what}; expected {_FORMS[kind]}")


def _number(spec, kind, what, text, lo, hi, hex_ok=False) -> int:
    pattern = r"(0[xX][0-9a-fA-F]+|[0-9]+)" if hex_ok else r"[0-9]+"
    if not re.fullmatch(pattern, text):
        raise _bad(spec, kind, f"{what} must be a whole number, got {text!r}")
    value = int(text, 0) if hex_ok and text[:2].lower() == "0x" else int(text, 10)
    if not lo <= value <= hi:
        shown = f"0x{lo:02x}..0x{hi:02x}" if hex_ok else f"{lo}..{hi}"
        raise _bad(spec, kind, f"{what} must be {shown}, got {text}")
    return value


def parse_head(spec: str):
    """(kind, {argument: value}) from a ``--head`` string; :class:`ConfigError` naming the
    expected form for anything else.

    >>> parse_head("pca9685:1:0x41")
    ('pca9685', {'bus': 1, 'address': 65})
    >>> parse_head("osc::9000")
    ('osc', {'host': '127.0.0.1', 'port': 9000})
    """
    if not isinstance(spec, str):
        raise ConfigError(f"--head must be a string such as 'console', got {type(spec).__name__}")
    kind, sep, rest = spec.partition(":")
    if kind not in _FORMS:
        raise ConfigError(f"unknown head {spec!r}; choose one of: {HEAD_SPECS}")
    if kind in ("console", "display"):
        if sep:
            raise _bad(spec, kind, "takes no argument")
        return kind, {}
    if kind in ("csv", "jsonl"):
        if not rest:
            raise _bad(spec, kind, "needs a file path")
        return kind, {"path": rest}
    if kind == "pca9685":
        parts = rest.split(":") if sep else []
        if len(parts) > 2:
            raise _bad(spec, kind, "too many fields")
        bus = _number(spec, kind, "BUS", parts[0], 0, 255) if parts and parts[0] else 1
        addr = _number(spec, kind, "ADDR", parts[1], 0x03, 0x77, hex_ok=True) if len(parts) > 1 and parts[1] \
            else 0x40
        return kind, {"bus": bus, "address": addr}
    if kind == "serial":
        if "://" in rest:                  # a pyserial URL (socket://host:port, rfc2217://...) is the port
            port, baud = rest, ""
        else:
            port, _, baud = rest.partition(":")
        if not port:
            raise _bad(spec, kind, "needs a port")
        return kind, {"port": port, "baud": _number(spec, kind, "BAUD", baud, 300, 4_000_000) if baud else 115200}
    if kind == "reachy_mini":
        parts = rest.split(":") if sep else []
        layer = parts.pop() if parts and parts[-1] in ("offsets", "target") else "target"
        if len(parts) not in (0, 2):
            raise _bad(spec, kind, "give both HOST and PORT (HOST may be empty for localhost)")
        host = parts[0] if parts and parts[0] else "localhost"
        port = _number(spec, kind, "PORT", parts[1], 1, 65535) if parts else 8000
        return kind, {"host": host, "port": port, "layer": layer}
    if not rest:                             # osc
        raise _bad(spec, kind, "needs a port")
    host, _, port = rest.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host    # [::1]
    return kind, {"host": host or "127.0.0.1", "port": _number(spec, kind, "PORT", port, 1, 65535)}


def open_head(spec: str, profile) -> "HeadDriver":
    kind, args = parse_head(spec)
    if kind == "console":
        from .recorder import ConsoleView

        return ConsoleView(profile)
    if kind in ("csv", "jsonl"):
        from .recorder import CsvRecorder, JsonlRecorder

        return (CsvRecorder if kind == "csv" else JsonlRecorder)(args["path"], profile)
    if kind == "display":
        from .display import DisplayEyes

        return DisplayEyes(profile)
    if kind == "osc":
        from .osc import OscDriver

        return OscDriver(args["host"], args["port"], profile)
    if kind == "reachy_mini":
        from .reachy_mini import ReachyMiniHead

        return ReachyMiniHead(profile, **args)
    if kind == "serial":
        from .serial_link import SerialDriver

        return SerialDriver(args["port"], profile, baud=args["baud"])
    from .pca9685 import PCA9685Driver

    return PCA9685Driver(profile, bus=args["bus"], address=args["address"])


__all__ = ["HEAD_SPECS", "HeadDriver", "HeadDriverError", "open_head", "parse_head"]


def __getattr__(name):
    # The driver base pulls in numpy through the shaper; `sgt-lite --help` needs only HEAD_SPECS.
    if name in ("HeadDriver", "HeadDriverError"):
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module 'sgt_lite.heads' has no attribute {name!r}")
