"""Signals and parking in a real ``sgt-lite demo`` process (issue #10, defects 1 and 14).

The head is a CSV recorder; a slow profile whose neutral is 30 deg away from where speech
puts the neck makes parking long enough (about 1.5 s) to signal the process while it parks.
"""
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

SLOW = """
[head]
name = "slow neck"
servo_rate_hz = 50

[joints.head_yaw]
min = -60.0
max = 60.0
neutral = 30.0
max_vel = 30.0
max_acc = 60.0

[joints.head_pitch]
min = -25.0
max = 30.0
max_vel = 120.0
max_acc = 800.0
"""
DT = 1 / 50


class Demo:
    """``sgt-lite demo`` in a subprocess; stderr read line by line (status lines end in CR)."""

    def __init__(self, csv, profile, *extra):
        self.proc = subprocess.Popen([sys.executable, "-m", "sgt_lite", "demo", "--head", f"csv:{csv}",
                                      "--no-playback", "--profile", str(profile), *extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines, self.text = queue.Queue(), []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.text.append(line)
            self.lines.put((time.monotonic(), line))
        self.lines.put((time.monotonic(), None))

    def wait_for(self, pattern, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                t, line = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"demo exited before printing {pattern!r}:\n{self.stderr()}")
            if re.search(pattern, line):
                return t
        self.proc.kill()
        pytest.fail(f"no {pattern!r} within {timeout} s:\n{self.stderr()}")

    def finish(self, timeout=60):
        self.proc.wait(timeout=timeout)
        end = time.monotonic()
        time.sleep(0.05)
        return end

    def stderr(self):
        return "".join(self.text)


@pytest.fixture
def slow_profile(tmp_path):
    p = tmp_path / "slow.toml"
    p.write_text(SLOW)
    return p


def _rows(path):
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)[:, 1:]


def test_sigterm_right_after_the_head_opens_still_parks_and_closes(tmp_path):
    out = tmp_path / "c.csv"
    demo = Demo(out, "pan_tilt")
    demo.wait_for(r"^head csv:.* ready")                      # driver open, model not loaded yet
    demo.proc.send_signal(signal.SIGTERM)
    demo.finish()
    err = demo.stderr()
    assert demo.proc.returncode == 0, err
    assert "head at neutral, ports closed" in err and "Traceback" not in err
    rows = _rows(out)                                        # (the old demo died here: rc -15, empty file)
    np.testing.assert_allclose(rows[-1], 0.0)                # close() sent neutral ...
    assert len(rows) < 100 and np.abs(rows).max() < 5.0      # ... and speech had hardly started, if at all


def test_a_second_sigterm_does_not_cut_parking_short_and_parking_is_paced(tmp_path, slow_profile):
    out = tmp_path / "c.csv"
    demo = Demo(out, slow_profile)
    demo.wait_for(r"playing the bundled sample|listening")
    time.sleep(3.0)                                           # speech has turned the neck away from 30 deg
    demo.proc.send_signal(signal.SIGTERM)
    t_park = demo.wait_for(r"^parking")
    demo.proc.send_signal(signal.SIGTERM)                     # impatient operator
    t_end = demo.finish()
    err = demo.stderr()
    assert demo.proc.returncode == 0, err
    assert "head at neutral, ports closed" in err
    loop_cmds = int(re.findall(r"(\d+) commands", err)[-1])
    rows = _rows(out)
    parked = rows[loop_cmds:-1]                               # the park commands, then close's neutral
    assert len(parked) > 30 and abs(rows[loop_cmds - 1, 0] - 30.0) > 10
    np.testing.assert_allclose(parked[-1], [30.0, 0.0], atol=1e-3)   # parking finished: at neutral
    assert np.abs(np.diff(rows[loop_cmds - 1:-1, 0])).max() / DT <= 30.0 + 0.1   # within max_vel
    # written in real time, one per servo period (the old list API wrote them all in ~1 ms);
    # half the schedule as a floor, so a slow test machine can only make this pass more easily
    assert t_end - t_park >= 0.5 * len(parked) * DT


def test_a_third_signal_forces_the_exit_and_the_driver_still_closes(tmp_path, slow_profile):
    out = tmp_path / "c.csv"
    demo = Demo(out, slow_profile)
    demo.wait_for(r"playing the bundled sample|listening")
    time.sleep(3.0)
    demo.proc.send_signal(signal.SIGINT)
    demo.wait_for(r"^parking")
    demo.proc.send_signal(signal.SIGINT)
    time.sleep(0.2)                                           # separate signals, not one coalesced
    demo.proc.send_signal(signal.SIGINT)
    demo.finish()
    err = demo.stderr()
    assert demo.proc.returncode == 130, err
    assert "forced exit" in err
    rows = _rows(out)
    np.testing.assert_allclose(rows[-1], [30.0, 0.0], atol=1e-3)     # close() still sent neutral
    assert abs(rows[-2, 0] - 30.0) > 1.0                              # ... as a jump: parking was cut short
