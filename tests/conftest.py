import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import types

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(os.environ.get("SGT_LITE_SHARED", REPO.parent / "shared"))
STYLETALK = SHARED / "data" / "styletalk"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SGT_LITE_HARDWARE") == "1":
        return
    skip = pytest.mark.skip(reason="needs real hardware; set SGT_LITE_HARDWARE=1")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def styletalk():
    if not (STYLETALK / "wav").is_dir():
        pytest.skip(f"shared StyleTalk data not found at {STYLETALK} (set SGT_LITE_SHARED)")
    return STYLETALK


@pytest.fixture(scope="session")
def speech(styletalk):
    from sgt_lite.audio import read_wav

    x, sr = read_wav(styletalk / "wav" / "Obama_clip1.wav")
    assert sr == 16000
    return x


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def build_c():
    """build_c(out, sources, include): compiles C with the system compiler (skips without one)."""
    import shutil
    import subprocess

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")

    def build(out, sources, include, extra=()):
        subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", *extra,
                        "-I", str(include), *map(str, sources), "-lm", "-o", str(out)], check=True)
        return out
    return build


def _sanitizer_runtime(cc, name):
    path = subprocess.run([cc, f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    return path if os.path.isabs(path) and os.path.exists(path) else None


@pytest.fixture
def run_under_asan(tmp_path):
    """``run(sources, includes, script, flags=())``: builds the C sources as a CPython extension with
    ASan + UBSan (no recovery) and runs ``script`` with the built file's path as ``sys.argv[1]``;
    returns the CompletedProcess. Skips where gcc, its sanitizer runtimes or Python.h are missing."""
    cc = shutil.which("gcc")
    include = sysconfig.get_paths().get("include")
    if cc is None or not include or not (pathlib.Path(include) / "Python.h").exists():
        pytest.skip("needs gcc and the Python headers")
    asan, ubsan = _sanitizer_runtime(cc, "libasan.so"), _sanitizer_runtime(cc, "libubsan.so")
    if asan is None or ubsan is None:
        pytest.skip("gcc has no shared ASan/UBSan runtime")

    def run(sources, includes, script, flags=()):
        so = tmp_path / "_asan_ext.so"
        subprocess.run([cc, "-shared", "-fPIC", "-g", "-O1", "-ffp-contract=off", *flags, "-fsanitize=address,undefined",
                        "-fno-sanitize-recover=all", "-I", include, *[f"-I{d}" for d in includes],
                        *map(str, sources), "-lm", "-o", str(so)], check=True)
        env = dict(os.environ, LD_PRELOAD=f"{asan}:{ubsan}", ASAN_OPTIONS="detect_leaks=0:abort_on_error=0")
        return subprocess.run([sys.executable, "-c", script, str(so)], capture_output=True, text=True, env=env,
                              timeout=300)
    return run


MIC_RATE, MIC_BLOCK = 16000, 320          # the demo's microphone callback: 20 ms blocks at 16 kHz


class SimClock:
    """A simulated clock: time moves only when the code under test sleeps (or a fake blocks)."""

    def __init__(self, now=500.0):
        self.now = now
        self.devices = []

    def clock(self):
        return self.now

    def sleep(self, s):
        assert s >= 0
        self.advance(s)

    def advance(self, s):
        self.now += s
        for dev in self.devices:
            dev.pump(self.now)


class FakeInputStream:
    """``sounddevice.InputStream`` (the audio-device edge): block k reaches the callback at
    ``start + (k + 1) * 20 ms`` of the simulated clock; blocks due inside a hiccup ``(h0, h1)``
    (seconds after start) are held and arrive at once at h1."""

    def __init__(self, sim, audio, hiccups, samplerate, channels, dtype, blocksize, callback):
        assert (samplerate, channels, dtype, blocksize) == (MIC_RATE, 1, "float32", MIC_BLOCK)
        self.sim, self.audio, self.hiccups, self.callback = sim, audio, hiccups, callback
        self.k, self.t0, self.closed = 0, None, False

    def start(self):
        self.t0 = self.sim.now
        self.sim.devices.append(self)

    def pump(self, now):
        while self.t0 is not None and not self.closed:
            due = (self.k + 1) * MIC_BLOCK / MIC_RATE
            if self.t0 + due > now or any(h0 <= due < h1 and now < self.t0 + h1 for h0, h1 in self.hiccups):
                return
            i = (self.k * MIC_BLOCK) % (len(self.audio) - MIC_BLOCK)
            self.callback(self.audio[i:i + MIC_BLOCK, None], MIC_BLOCK, None, None)
            self.k += 1

    def delivered_s(self):
        return self.k * MIC_BLOCK / MIC_RATE

    def stop(self):
        self.closed = True

    def close(self):
        self.closed = True


@pytest.fixture
def stamping_head():
    """The class of a head driver at the servo-bus edge (or standing in for the ROS publisher, with
    ``spin_some`` and ``speaking`` like ``Ros2Head``) that records (simulated time, shaper time,
    audio the microphone delivered) per command: ``StampingHead(profile, sim, shaper, slow)``, where
    ``slow`` = {command number: seconds that write blocks} (a bus that hangs once)."""
    from sgt_lite.heads.base import HeadDriver

    class StampingHead(HeadDriver):
        def __init__(self, profile, sim, shaper, slow=None):
            self.sim, self.shaper, self.slow, self.log = sim, shaper, dict(slow or {}), []
            self.speaking, self.spins = None, 0
            super().__init__(profile)

        def spin_some(self, timeout_s=0.0):
            self.spins += 1

        def _send(self, joints):
            self.log.append((self.sim.now, self.shaper.t, self.sim.devices[0].delivered_s()))
            self.sim.advance(self.slow.pop(len(self.log), 0.0))
    return StampingHead


@pytest.fixture
def sim_clock():
    """The class of :class:`SimClock`, a simulated clock (``sim_clock(start)``): time moves only
    when the code under test sleeps or a fake blocks."""
    return SimClock


@pytest.fixture
def sim_microphone(monkeypatch):
    """``start(audio, hiccups=()) -> SimClock``: the demo's sounddevice input becomes a
    FakeInputStream of ``audio`` on a fresh simulated clock (its stream: ``clock.devices[0]``)."""
    from sgt_lite import demo

    def start(audio, hiccups=()):
        sim = SimClock()

        def InputStream(**kw):
            return FakeInputStream(sim, audio, hiccups, **kw)
        monkeypatch.setattr(demo, "_sounddevice", lambda: (types.SimpleNamespace(InputStream=InputStream), None))
        return sim
    return start
