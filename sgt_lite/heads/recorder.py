"""Drivers that record or show commands: CSV, JSON lines, a console view."""
import json
import math
import os
import sys
import time

from ..errors import ConfigError
from .base import HeadDriver


class CsvRecorder(HeadDriver):
    """Writes one row per command: ``n`` then the profile's joints.

    Rows reach the operating system at most ``flush_every_s`` after they were written
    (checked at every write) and at close, so a killed process loses at most the last
    second of commands.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "head.csv")
    >>> with CsvRecorder(path, "pan_tilt") as rec:
    ...     rec.write({"head_yaw": 12.5})
    >>> print(open(path).read())
    n,head_yaw,head_pitch
    0,12.500,0.000
    1,0.000,0.000
    <BLANKLINE>
    """

    def __init__(self, path, profile="pan_tilt", flush_every_s=1.0):
        self.path, self.flush_every_s = path, flush_every_s
        super().__init__(profile)

    def _open(self):
        v = self.flush_every_s
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 <= v <= 60 and math.isfinite(v)):
            raise ConfigError(f"flush_every_s must be 0..60 seconds, got {v!r}")
        if not isinstance(self.path, (str, os.PathLike)) or not str(self.path):
            raise ConfigError(f"a recorder needs a file path, got {self.path!r}")
        try:
            self._f = open(self.path, "w")
        except OSError as exc:
            raise ConfigError(f"cannot write {self.path}: {exc.strerror or exc}; check the folder exists "
                              "and is writable") from exc
        self._last_flush = time.monotonic()
        self._header()

    def _header(self):
        self._f.write("n," + ",".join(self.joint_names) + "\n")

    def _row(self, pose) -> str:
        return f"{self.commands_sent}," + ",".join(f"{pose[n]:.3f}" for n in self.joint_names) + "\n"

    def _send(self, pose):
        self._f.write(self._row(pose))
        now = time.monotonic()
        if now - self._last_flush >= self.flush_every_s:
            self._f.flush()
            self._last_flush = now

    def _close(self):
        if hasattr(self, "_f"):
            self._f.close()                # flushes


class JsonlRecorder(CsvRecorder):
    """One JSON object per command (``n`` and every joint), flushed like :class:`CsvRecorder`."""

    def _header(self):
        pass

    def _row(self, pose) -> str:
        return json.dumps({"n": self.commands_sent, **{k: round(v, 3) for k, v in pose.items()}}) + "\n"


class ConsoleView(HeadDriver):
    """A one-line bar view of every joint, redrawn in place (for a terminal)."""

    def __init__(self, profile="pan_tilt", stream=None, every=5):
        self.stream = stream or sys.stdout
        self.every = every
        super().__init__(profile)

    def _open(self):
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ConfigError(f"every must be a whole number >= 1 (draw every n-th command), got {self.every!r}")

    def _send(self, pose):
        if self.commands_sent % self.every:
            return
        parts = []
        for n, j in self.profile.joints.items():
            v = pose[n]
            pos = int(round(8 * (v - j.min) / (j.max - j.min)))
            parts.append(f"{n[:9]:>9} {'-' * pos}|{'-' * (8 - pos)} {v:+6.1f}")
        self.stream.write("\r" + "  ".join(parts) + "   ")
        self.stream.flush()

    def _close(self):
        self.stream.write("\n")
