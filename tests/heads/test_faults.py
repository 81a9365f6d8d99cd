"""Fault injection: an unplugged serial port, a killed recorder, a slow consumer, signals
during the demo."""
import logging
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from sgt_lite.heads.protocol import Decoder

try:
    import serial
except ImportError:
    serial = None
needs_serial = pytest.mark.skipif(serial is None, reason="needs pyserial")
REPO = pathlib.Path(__file__).resolve().parents[2]

RECORDER_CHILD = textwrap.dedent("""
    import sys, time
    from sgt_lite.heads.recorder import CsvRecorder, JsonlRecorder
    rec = {"csv": CsvRecorder, "jsonl": JsonlRecorder}[sys.argv[1]](sys.argv[2], "pan_tilt")
    k = 0
    while True:                                   # a 50 Hz stream until killed
        rec.write({"head_yaw": k % 50, "head_pitch": 1.0})
        print(k, time.monotonic(), flush=True)    # row k is written; its time
        k += 1
        time.sleep(0.02)
""")


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_recorder_killed_with_sigkill_keeps_all_but_the_last_second(kind, tmp_path):
    """Rows reach the OS at least once per second, so SIGKILL loses only the rows of the last
    second before the kill (the old recorder left a 0-byte file after 3 s)."""
    path = tmp_path / f"rec.{kind}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    proc = subprocess.Popen([sys.executable, "-c", RECORDER_CHILD, kind, str(path)], stdout=subprocess.PIPE,
                            text=True, env=env)
    reports = []
    try:
        for line in proc.stdout:
            k, t = line.split()
            reports.append((int(k), float(t)))
            if int(k) >= 150:                     # about 3 s of rows
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL and len(reports) > 150
    t_last = reports[-1][1]
    must_have = sum(1 for _, t in reports if t < t_last - 1.0)   # written more than 1 s before the last
    lines = path.read_text().splitlines()
    rows = lines[1:] if kind == "csv" else lines
    assert len(rows) >= must_have >= 100
    if kind == "csv":
        assert rows[:3] == ["0,0.000,1.000", "1,1.000,1.000", "2,2.000,1.000"]


class FakePort:
    """The hardware edge: a serial port that can be unplugged and plugged back."""

    plugged = True
    opened = 0
    written = bytearray()

    def __init__(self, port, baud, **kw):
        if not FakePort.plugged:
            raise serial.SerialException(f"could not open port {port}: [Errno 2] No such file or directory")
        FakePort.opened += 1

    def write(self, data):
        if not FakePort.plugged:
            raise serial.SerialException("write failed: [Errno 5] Input/output error")
        FakePort.written += data
        return len(data)

    def close(self):
        pass


@needs_serial
def test_serial_unplugged_mid_stream_reconnects_with_backoff(monkeypatch, caplog):
    monkeypatch.setattr(serial, "Serial", FakePort)
    from sgt_lite.heads.serial_link import SerialDriver

    FakePort.plugged, FakePort.opened, FakePort.written = True, 0, bytearray()
    head = SerialDriver("/dev/ttyUSB0", "pan_tilt", backoff_s=0.02, max_backoff_s=0.08)
    cmd = {"head_yaw": 10.0, "head_pitch": 5.0}
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            head.write(cmd)
        FakePort.plugged = False                     # unplugged
        t_end = time.monotonic() + 0.5
        while time.monotonic() < t_end:
            head.write(cmd)                          # never raises
            time.sleep(0.005)
        attempts_while_out = FakePort.opened
        FakePort.plugged = True                      # plugged back
        time.sleep(0.1)
        for _ in range(3):
            head.write(cmd)
    head.close()
    assert head.reconnects == 1 and head.dropped_commands > 50
    assert attempts_while_out == 1                   # the first open; retries failed without opening
    lost = [r for r in caplog.records if "lost" in r.getMessage()]
    assert len(lost) == 1                            # logged once
    frames = Decoder().feed(bytes(FakePort.written))
    values = [f[1] for f in frames]
    i = values.index([0.0, 0.0], 1)                  # after the reconnect: neutral first ...
    assert values[:3] == [[10.0, 5.0]] * 3 and values[i + 1] == [10.0, 5.0]   # ... then the stream


@needs_serial
def test_backoff_grows_then_caps(monkeypatch):
    monkeypatch.setattr(serial, "Serial", FakePort)
    from sgt_lite.heads.serial_link import SerialDriver

    FakePort.plugged = True
    head = SerialDriver("/dev/ttyUSB0", "pan_tilt", backoff_s=0.01, max_backoff_s=0.04)
    FakePort.plugged = False
    waits = []
    t_end = time.monotonic() + 0.4
    while time.monotonic() < t_end:
        head.write({"head_yaw": 0.0})
        waits.append(head._wait)
        time.sleep(0.002)
    assert sorted(set(waits))[:3] == [0.01, 0.02, 0.04] and max(waits) == 0.04
    FakePort.plugged = True
    head.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_demo_parks_the_head_and_closes(sig, tmp_path):
    out = tmp_path / "c.csv"
    proc = subprocess.Popen([sys.executable, "-m", "sgt_lite", "demo", "--head", f"csv:{out}", "--no-playback",
                             "--profile", "neck3_eyes2_lids"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(3.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "head at neutral, ports closed" in err
    rows = np.loadtxt(out, delimiter=",", skiprows=1)[:, 1:]
    np.testing.assert_allclose(rows[-1], 0.0)
    v = np.diff(rows, axis=0) * 50
    assert np.abs(v[:, 0]).max() <= 180 + 1e-6          # no jump to neutral: eased within max_vel


def test_audio_overflow_is_counted_and_shown_in_the_status(monkeypatch):
    from sgt_lite.audio import RingBuffer
    from sgt_lite.demo import _status
    import io

    ring = RingBuffer(3200)
    for _ in range(10):                                  # a callback outpacing a stalled consumer
        ring.write(np.zeros(640, np.float32))

    class Source:
        dropped = ring.dropped

    buf = io.StringIO()

    class A:
        latency_s = 0.055
    _status(buf, {"frames": 10, "commands": 5, "audio_s": 1.0, "cpu": 0.002}, A, Source, 1.0)
    assert ring.dropped == 3200 and "overflows 3200 samples" in buf.getvalue()
