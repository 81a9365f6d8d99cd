"""The console view in an 80-column terminal: head motion of a couple of degrees moves the
marker, every joint has its line, the status line shows under them, nothing wraps. Checked
on a small terminal model, and for real with `sgt-lite demo` on a pty 80 columns wide."""
import io
import os
import re
import subprocess
import sys

import pytest

from sgt_lite.heads.recorder import ConsoleView

CSI = re.compile(r"\x1b\[(\d*)([A-Za-z])")


class Screen:
    """A terminal of ``cols`` columns: printable text, \\r, \\n, ESC[nA (up), ESC[K (erase to
    the end of the line); text past the last column wraps, as a terminal does."""

    def __init__(self, cols=80):
        self.cols, self.rows, self.r, self.c = cols, [[]], 0, 0
        self.wrapped = 0

    def feed(self, text):
        i = 0
        while i < len(text):
            m = CSI.match(text, i)
            if m:
                n, op = int(m.group(1) or 1), m.group(2)
                if op == "A":
                    self.r = max(0, self.r - n)
                elif op == "K":
                    del self.rows[self.r][self.c:]
                i = m.end()
                continue
            ch = text[i]
            i += 1
            if ch == "\r":
                self.c = 0
            elif ch == "\n":
                self._down()
                self.c = 0
            elif ch >= " ":
                if self.c == self.cols:
                    self.wrapped += 1
                    self._down()
                    self.c = 0
                row = self.rows[self.r]
                row.extend(" " * (self.c - len(row)))
                row[self.c:self.c + 1] = [ch]
                self.c += 1

    def _down(self):
        self.r += 1
        if self.r == len(self.rows):
            self.rows.append([])

    def lines(self):
        return ["".join(r).rstrip() for r in self.rows]


def _marker(line):
    return line.index("O")


def test_two_degrees_move_the_marker_in_80_columns():
    out, screen = io.StringIO(), Screen(80)
    with ConsoleView("neck3_eyes2_lids", stream=out, every=1, width=80, ansi=True) as view:
        view.set_status("25.0 fps | latency 55 ms | 0.50 ms CPU/s | overflows 0 | 1200 commands")
        positions = []
        for yaw in (0.0, 2.0, 4.0, 6.0):
            view.write({"head_yaw": yaw, "eyelid": 0.4})
            screen.feed(out.getvalue())
            out.seek(0)
            out.truncate()
            lines = screen.lines()
            assert len(lines) == len(view.profile.joints) + 1       # redrawn in place: no new lines
            positions.append(_marker(lines[0]))
        assert all(b > a for a, b in zip(positions, positions[1:])), positions
        assert lines[0].startswith("yaw") and lines[0].endswith("+6.0")
        assert "eyelid" in lines[-2] and lines[-2].endswith("40%")
        assert lines[-1].startswith("25.0 fps") and lines[-1].endswith("1200 commands")
    assert screen.wrapped == 0 and all(len(ln) < 80 for ln in screen.lines())


def test_not_a_terminal_gets_plain_lines():
    out = io.StringIO()
    with ConsoleView("pan_tilt", stream=out, every=1, width=80) as view:
        view.set_status("busy")
        view.write({"head_yaw": 12.0})
    assert "\x1b" not in out.getvalue()
    assert out.getvalue().splitlines()[0] == "head_yaw +12.0 | head_pitch +0.0 | busy"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty sizes set with Linux ioctls")
def test_demo_on_an_80_column_terminal_shows_motion_and_status():
    import fcntl
    import pty
    import struct
    import termios

    from sgt_lite.audio import SAMPLE_WAV

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "sgt_lite", "demo", "--input", SAMPLE_WAV, "--fast",
                             "--duration", "4", "--backend", "numpy"],
                            stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:                      # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    text = b"".join(chunks).decode("utf-8", "replace")
    screen = Screen(80)
    screen.feed(text)
    lines = screen.lines()
    assert screen.wrapped == 0, lines
    yaw = [ln for ln in lines if ln.startswith("yaw ")]
    status = [ln for ln in lines if " fps | latency " in ln or ln.startswith("parking")]
    assert len(yaw) == 1 and len(status) == 1, lines                # one view, redrawn in place
    assert "stopped: head at neutral" in text
    markers = {m.start() for m in re.finditer(r"\x1b\[K", text)}
    assert len(markers) > 20                                        # it was redrawn many times
    moved = [len({d.index("O") for d in re.findall(name + r" +([-+O]+)", text)}) for name in ("yaw", "pitch")]
    assert sum(moved) >= 5, moved                                   # and the markers moved
