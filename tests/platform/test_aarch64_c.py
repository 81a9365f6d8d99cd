"""The portable C code cross-compiled for 64-bit ARM (Raspberry Pi 4/5, Jetson) and run under
qemu-aarch64 gives the same bytes as the x86 build: the MFCC core (features bit-identical, which
``-ffp-contract=off`` makes possible), the per-frame stages after the network (voice activity,
eye events, head motion), the serial protocol decoder and the firmware limiter.

Needs the Debian packages gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user-static
(``.ci/aarch64_golden.sh`` installs them); skips without them unless SGT_LITE_REQUIRE_AARCH64=1,
which turns the skip into a failure (CI sets it)."""
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

from sgt_lite.audio import SAMPLE_WAV, Frontend, FrontendConfig, read_wav
from sgt_lite.heads.protocol import Decoder, encode

REPO = pathlib.Path(__file__).resolve().parents[2]
CSRC = REPO / "sgt_lite" / "audio" / "csrc"
FRAMES = REPO / "sgt_lite" / "events" / "csrc"
COMMON = REPO / "firmware_examples" / "common"
HERE = pathlib.Path(__file__).parent
# the flags setup.py builds the extension with, plus the warnings the other C tests use
CFLAGS = ("-std=c99", "-O3", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror")
PROGRAMS = {
    "mfcc_raw": ([CSRC / "sgt_mfcc.c", HERE / "c" / "mfcc_raw.c"], CSRC),
    "mfcc_golden": ([CSRC / "sgt_mfcc.c", REPO / "tests" / "audio" / "c" / "mfcc_golden.c"], CSRC),
    "proto_stream": ([COMMON / "sgt_proto.c", REPO / "tests" / "heads" / "c" / "proto_stream.c"], COMMON),
    "limit_stream": ([COMMON / "sgt_limit.c", REPO / "tests" / "heads" / "c" / "limit_stream.c"], COMMON),
    "frames_stream": ([FRAMES / "sgt_frames.c", HERE / "c" / "frames_stream.c"], FRAMES),
}
# the frames core's own flags from setup.py: the same libm calls as Python's math module
EXTRA_CFLAGS = {"frames_stream": ("-fno-builtin", "-fexcess-precision=standard")}
EM_AARCH64 = 183


def _missing(reason):
    if os.environ.get("SGT_LITE_REQUIRE_AARCH64") == "1":
        pytest.fail(f"{reason} (SGT_LITE_REQUIRE_AARCH64=1; run .ci/aarch64_golden.sh as root)")
    pytest.skip(f"{reason}: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static "
                "(or run .ci/aarch64_golden.sh)")


@pytest.fixture(scope="module")
def toolchain():
    native = shutil.which("cc") or shutil.which("gcc")
    cross = shutil.which(os.environ.get("SGT_LITE_AARCH64_CC", "aarch64-linux-gnu-gcc"))
    qemu = shutil.which("qemu-aarch64-static") or shutil.which("qemu-aarch64")
    sysroot = pathlib.Path(os.environ.get("SGT_LITE_AARCH64_SYSROOT", "/usr/aarch64-linux-gnu"))
    if native is None:
        _missing("no native C compiler")
    if cross is None:
        _missing("no aarch64 cross compiler (aarch64-linux-gnu-gcc)")
    if qemu is None:
        _missing("no qemu-aarch64 user-mode emulator")
    if not (sysroot / "lib" / "ld-linux-aarch64.so.1").exists():
        _missing(f"no aarch64 C library under {sysroot}")
    return native, cross, qemu, sysroot


@pytest.fixture(scope="module")
def builds(toolchain, tmp_path_factory):
    """{name: (x86 command, aarch64 command)} for each harness, built with identical flags."""
    native, cross, qemu, sysroot = toolchain
    out = tmp_path_factory.mktemp("aarch64")
    cmds = {}
    for name, (sources, include) in PROGRAMS.items():
        pair = []
        for arch, cc in (("host", native), ("aarch64", cross)):
            exe = out / f"{name}.{arch}"
            subprocess.run([cc, *CFLAGS, *EXTRA_CFLAGS.get(name, ()), "-I", str(include), *map(str, sources), "-lm",
                            "-o", str(exe)], check=True)
            pair.append([str(exe)] if arch == "host" else [qemu, "-L", str(sysroot), str(exe)])
        cmds[name] = tuple(pair)
    return cmds


def _run_both(pair, args=(), data=b""):
    """Runs both builds; each must exit 0. Returns (host stdout, aarch64 stdout)."""
    outs = []
    for cmd in pair:
        res = subprocess.run([*cmd, *args], input=data, capture_output=True, timeout=300)
        assert res.returncode == 0, f"{cmd} exited {res.returncode}: {res.stderr.decode(errors='replace')}"
        outs.append(res.stdout)
    return outs


def _sample():
    x, rate = read_wav(SAMPLE_WAV, sample_rate=FrontendConfig().sample_rate)
    return np.ascontiguousarray(x, dtype=np.float32)


def test_the_cross_build_really_is_aarch64(builds):
    for name, (_, arm) in builds.items():
        head = pathlib.Path(arm[-1]).read_bytes()[:20]
        assert head[:4] == b"\x7fELF" and int.from_bytes(head[18:20], "little") == EM_AARCH64, name


@pytest.mark.parametrize("chunk", [1, 160, 4096])
def test_mfcc_features_of_the_bundled_sample_are_bit_identical(builds, chunk):
    x = _sample()
    host, arm = _run_both(builds["mfcc_raw"], [str(chunk)], x.tobytes())
    feats = np.frombuffer(arm, np.float32).reshape(-1, 14)
    assert feats.shape[0] == (x.size - 400) // 160 + 1 and np.isfinite(feats).all()
    if host != arm:
        diff = np.abs(np.frombuffer(host, np.float32).reshape(-1, 14) - feats)
        pytest.fail(f"aarch64 features differ from x86: {np.count_nonzero(diff)} values, max {diff.max():g}")
    # and both are right, not merely equal
    np.testing.assert_allclose(feats, Frontend(FrontendConfig(), backend="numpy").process(x), atol=1e-3)


def test_mfcc_bit_identical_on_noise_clipping_and_silence(builds):
    rng = np.random.default_rng(11)
    x = np.concatenate([0.3 * rng.standard_normal(8000), np.zeros(4000),       # log floor
                        rng.uniform(-3, 3, 4000),                              # beyond [-1, 1]
                        1e-7 * rng.standard_normal(4000),
                        np.full(2000, 1e9), rng.standard_normal(2000)]).astype(np.float32)   # clamped
    host, arm = _run_both(builds["mfcc_raw"], ["37"], x.tobytes())
    assert len(arm) == 14 * 4 * ((x.size - 400) // 160 + 1)
    assert host == arm


def test_mfcc_golden_harness_agrees_and_its_error_checks_pass_on_aarch64(builds):
    """mfcc_golden.c exits non-zero when a bad config is not refused with its status code."""
    x = _sample()[:16000]
    host, arm = _run_both(builds["mfcc_golden"], ["7"], x.tobytes())
    assert host == arm and len(arm.splitlines()) == (x.size - 400) // 160 + 1


def test_protocol_decoder_is_identical_on_aarch64(builds):
    rng = np.random.default_rng(5)
    stream = bytearray()
    for k in range(1500):
        if rng.random() < 0.05:
            stream += bytes(rng.integers(0, 256, int(rng.integers(1, 6)), dtype=np.uint8))   # line noise
        frame = bytearray(encode(k & 0xFF, rng.uniform(-330, 330, int(rng.integers(1, 17)))))
        if rng.random() < 0.03:
            frame[int(rng.integers(1, len(frame)))] ^= 0x41                             # corrupted
        stream += frame
    host, arm = _run_both(builds["proto_stream"], data=bytes(stream))
    assert host == arm
    lines = arm.decode().splitlines()
    py = Decoder()
    got = py.feed(bytes(stream))
    assert len(lines) - 1 == len(got) == py.frames > 1300
    assert [int(line.split()[0]) for line in lines[:-1]] == [s for s, _ in got]


def test_firmware_limiter_is_identical_on_aarch64(builds):
    rng = np.random.default_rng(9)
    lines = ["5 500 4294960000"]                # the 32-bit millisecond counter wraps mid-stream
    for _ in range(5):
        lo = int(rng.integers(-9000, 0))
        hi = int(rng.integers(lo + 1, 9001))
        lines.append(f"{lo} {hi} {int(rng.integers(lo, hi + 1))} {int(rng.choice([40, 900, 18000]))} "
                     f"{int(rng.integers(500, 1500))} {int(rng.integers(1500, 2501))}")
    t = 4294960000
    for _ in range(3000):
        t = (t + int(rng.choice([0, 5, 20, 700]))) % 2 ** 32
        if rng.random() < 0.3:
            vals = rng.integers(-32768, 32768, int(rng.integers(1, 8)))
            lines.append(f"F {t} {vals.size} " + " ".join(map(str, vals)))
        else:
            lines.append(f"S {t}")
    host, arm = _run_both(builds["limit_stream"], data=("\n".join(lines) + "\n").encode())
    assert host == arm and len(arm.splitlines()) > 2000


def _recorded_frames_input():
    """A real stream (speech, a pause, digital silence, noise, speech) through the Animator with
    the C stages, recorded as the frames harness's stdin, and the frames the Animator gave."""
    from sgt_lite import Animator
    from sgt_lite.audio.synthetic import white_noise
    from sgt_lite.events.native import frames_config, frames_choice

    if frames_choice() != "c":
        pytest.skip("the C frames extension is not built")
    anim = Animator(backend="numpy", seed=7, style="lively")
    st = anim._stream
    sp = st.spec
    cfg = frames_config(st.vad, st.renderer, sp.lo, sp.hi, sp.zero, sp.pose_rate, sp.noise_dim, sp.feat_mean,
                        sp.feat_std, st.xs.shape[1])
    lines = [f"{k} {len(v)} " + " ".join(map(repr, map(float, v))) if isinstance(v, list) else f"{k} 1 {float(v)!r}"
             for k, v in cfg.items()]
    remainder = [v for c in st.renderer.head._coef for v in c]
    hazard = st.hazard or [0.0, 0.0]
    style = remainder + list(st.offset) + list(hazard) + [1.0 if st.hazard else 0.0]
    lines.append("style 17 " + " ".join(map(repr, map(float, style))))
    blob = bytearray(("\n".join(lines) + "\nend\n").encode())
    real, chunks = st.native, []

    class Recorder:                       # hands every call on to the real C object, keeping run()'s inputs
        def __getattr__(self, name):
            return getattr(real, name)

        def run(self, n, stacked, raw, draws, u, t0):
            chunks.append((n, np.array(stacked[:n], np.float32), np.array(raw[:n], np.float32),
                           np.array(draws[:n], np.float32), np.array(u[:n], np.float64)))
            return real.run(n, stacked, raw, draws, u, t0)

    st.native = Recorder()
    x = _sample()
    audio = np.concatenate([x[:4 * 16000], np.zeros(2 * 16000, np.float32),
                            white_noise(2.0, -30.0, seed=3).astype(np.float32), x[4 * 16000:7 * 16000]])
    frames = []
    for i in range(0, audio.size, 480):
        frames += anim.step(audio[i:i + 480])
    for n, stacked, raw, draws, u in chunks:
        blob += np.int32(n).tobytes() + stacked.tobytes() + raw.tobytes() + draws.tobytes() + u.tobytes()
    blob += np.int32(-1).tobytes()
    return bytes(blob), np.array(frames)[:, 1:]


def test_frames_stages_are_bit_identical_on_aarch64(builds):
    data, want = _recorded_frames_input()
    host, arm = _run_both(builds["frames_stream"], data=data)
    rec = np.dtype([("out", "<f8", 6), ("speaking", "<i4")])
    got = np.frombuffer(host, rec)
    assert np.array_equal(got["out"], want)                 # the harness is the Animator's C stage
    assert 0 < got["speaking"].mean() < 1
    if host != arm:
        diff = np.abs(np.frombuffer(arm, rec)["out"] - got["out"])
        pytest.fail(f"aarch64 frames differ from x86: {np.count_nonzero(diff)} values, max {diff.max():g}")
