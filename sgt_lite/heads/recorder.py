"""Drivers that record or show commands: CSV, JSON lines, a console view."""
import json
import math
import os
import shutil
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
    """A live view for a terminal: one line per joint, its marker ``O`` crossing the joint's
    range over the terminal's width (about 2 degrees per character in 80 columns; ``+``
    marks neutral), and a status line under them (:meth:`set_status`), redrawn in place
    every ``every``-th command. ``width`` defaults to the terminal's; a stream that is not
    a terminal gets plain lines, one pose per draw, instead of the in-place view.

    >>> import io
    >>> with ConsoleView("pan_tilt", stream=io.StringIO(), width=40) as view:
    ...     view.set_status("25.0 fps | 12 commands")
    ...     view.write({"head_yaw": 30.0, "head_pitch": -10.0})
    ...     print(*view.lines(view.pose), sep=chr(10))
    yaw       ----------+----O-----   +30.0
    pitch     -----O---+-----------   -10.0
    25.0 fps | 12 commands
    """

    LABEL, VALUE = 10, 8

    def __init__(self, profile="pan_tilt", stream=None, every=2, width=None, ansi=None):
        self.stream = stream or sys.stdout
        self.every, self.width, self.ansi = every, width, ansi
        self.status = ""
        self._lines_drawn = 0
        super().__init__(profile)

    def _open(self):
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ConfigError(f"every must be a whole number >= 1 (draw every n-th command), got {self.every!r}")
        if self.width is None:
            self.width = shutil.get_terminal_size((80, 24)).columns
        if isinstance(self.width, bool) or not isinstance(self.width, int) or self.width < 30:
            raise ConfigError(f"width must be a whole number of columns >= 30, got {self.width!r}")
        if self.ansi is None:
            self.ansi = bool(getattr(self.stream, "isatty", lambda: False)())

    def set_status(self, text: str):
        """The line shown under the joints (the demo's fps, CPU and overflow counters)."""
        self.status = " ".join(str(text).split())

    def lines(self, pose) -> list:
        """The view's lines for a pose, each at most ``width - 1`` characters."""
        bar = self.width - 1 - self.LABEL - self.VALUE
        out = []
        for name, j in self.profile.joints.items():
            v = pose[name]
            cells = ["-"] * bar
            span = j.max - j.min
            k = int(round((bar - 1) * (j.neutral - j.min) / span))
            cells[min(max(k, 0), bar - 1)] = "+"
            cells[min(max(int(round((bar - 1) * (v - j.min) / span)), 0), bar - 1)] = "O"
            label = name.replace("head_", "").replace("eye_", "eye ")[:self.LABEL - 1]
            value = f"{100 * v:6.0f}%" if name == "eyelid" else f"{v:+7.1f}"
            out.append(f"{label:<{self.LABEL}}{''.join(cells)}{value:>{self.VALUE}}")
        out.append(self.status[:self.width - 1])
        return out

    def _send(self, pose):
        if self.commands_sent % self.every:
            return
        lines = self.lines(pose)
        if not self.ansi:                    # a pipe or a file: one plain line per draw
            parts = [f"{n} {pose[n]:+.1f}" for n in self.profile.joints] + ([self.status] if self.status else [])
            self.stream.write(" | ".join(parts) + "\n")
        else:
            up = f"\r\x1b[{self._lines_drawn - 1}A" if self._lines_drawn > 1 else "\r"
            self.stream.write(up + "\n".join(ln + "\x1b[K" for ln in lines))
            self._lines_drawn = len(lines)
        self.stream.flush()

    def _close(self):
        if self.ansi and self._lines_drawn:
            self.stream.write("\n")
            self.stream.flush()
