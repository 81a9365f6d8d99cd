"""Head drivers: PCA9685 servos, serial link to a microcontroller, display eyes, OSC, recorders.

``open_head("pca9685:1:0x40" | "serial:/dev/ttyUSB0" | "display" | "osc:host:port" |
"console" | "csv:out.csv" | "jsonl:out.jsonl", profile)`` builds one from a CLI spec.
"""
from ..errors import ConfigError
from .base import HeadDriver, HeadDriverError

HEAD_SPECS = "display | pca9685[:bus:addr] | serial:/dev/ttyUSB0[:baud] | osc:host:port | console | csv:out.csv | jsonl:out.jsonl"


def open_head(spec: str, profile) -> HeadDriver:
    kind, _, rest = spec.partition(":")
    if kind == "console":
        from .recorder import ConsoleView

        return ConsoleView(profile)
    if kind in ("csv", "jsonl"):
        from .recorder import CsvRecorder, JsonlRecorder

        if not rest:
            raise ConfigError(f"{kind} needs a path: {kind}:out.{kind}")
        return (CsvRecorder if kind == "csv" else JsonlRecorder)(rest, profile)
    if kind == "display":
        from .display import DisplayEyes

        return DisplayEyes(profile)
    if kind == "osc":
        from .osc import OscDriver

        host, _, port = rest.rpartition(":")
        if not port.isdigit():
            raise ConfigError("osc needs host:port, e.g. osc:127.0.0.1:9000")
        return OscDriver(host or "127.0.0.1", int(port), profile)
    if kind == "serial":
        from .serial_link import SerialDriver

        if not rest:
            raise ConfigError("serial needs a port, e.g. serial:/dev/ttyUSB0")
        port, _, baud = rest.partition(":")
        return SerialDriver(port, profile, baud=int(baud) if baud else 115200)
    if kind == "pca9685":
        from .pca9685 import PCA9685Driver

        parts = [p for p in rest.split(":") if p]
        bus = int(parts[0]) if parts else 1
        addr = int(parts[1], 0) if len(parts) > 1 else 0x40
        return PCA9685Driver(profile, bus=bus, address=addr)
    raise ConfigError(f"unknown head {spec!r}; choose one of: {HEAD_SPECS}")


__all__ = ["HEAD_SPECS", "HeadDriver", "HeadDriverError", "open_head"]
