"""Serial protocol: Python encoder, Python decoder and the portable C decoder agree."""
import json
import pathlib
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sgt_lite.heads.protocol import Decoder, crc16, encode

REPO = pathlib.Path(__file__).resolve().parents[2]
VECTORS = json.loads((pathlib.Path(__file__).parent / "vectors" / "proto_vectors.json").read_text())["vectors"]


@pytest.fixture(scope="module")
def c_decoder(tmp_path_factory, build_c):
    common = REPO / "firmware_examples" / "common"
    return build_c(tmp_path_factory.mktemp("proto") / "proto_stream",
                   [common / "sgt_proto.c", pathlib.Path(__file__).parent / "c" / "proto_stream.c"], common)


def _c_decode(exe, data: bytes):
    out = subprocess.run([str(exe)], input=data, capture_output=True, check=True).stdout.decode().splitlines()
    frames = [(int(l.split()[0]), [int(v) for v in l.split()[1:]]) for l in out[:-1]]
    summary = out[-1].split()
    return frames, int(summary[1]), int(summary[3])


def test_python_encoder_matches_committed_vectors():
    for v in VECTORS:
        assert encode(v["seq"], v["degrees"]).hex() == v["hex"]


def test_c_decoder_decodes_the_vectors(c_decoder):
    stream = b"".join(bytes.fromhex(v["hex"]) for v in VECTORS)
    frames, n, errors = _c_decode(c_decoder, stream)
    assert n == len(VECTORS) and errors == 0
    for (seq, cents), v in zip(frames, VECTORS):
        assert seq == v["seq"]
        assert cents == [int(round(d * 100)) for d in v["degrees"]]


def test_both_decoders_resync_after_loss_and_corruption(c_decoder):
    rng = np.random.default_rng(0)
    frames = [encode(k, rng.uniform(-90, 90, 6)) for k in range(250)]
    stream = bytearray()
    damaged = set()
    for k, f in enumerate(frames):
        f = bytearray(f)
        if k % 7 == 3:
            del f[rng.integers(len(f))]                 # a lost byte
            damaged.add(k)
        elif k % 11 == 5:
            f[rng.integers(1, len(f))] ^= 0x5A          # a flipped byte
            damaged.add(k)
        if k % 13 == 0:
            stream += bytes(rng.integers(0, 256, 5, dtype=np.uint8))   # line noise between frames
        stream += f
    py = Decoder()
    got_py = py.feed(bytes(stream))
    got_c, n_c, _ = _c_decode(c_decoder, bytes(stream))
    good = [k for k in range(250) if k not in damaged]
    py_seqs = [s for s, _ in got_py]
    assert len(got_py) >= len(good) - 3                  # a damaged frame may swallow the next one
    assert set(good) - set(py_seqs) <= {k + 1 for k in damaged}
    assert [s for s, _ in got_c] == py_seqs and n_c == len(got_py)
    for (s, vals), (_, cents) in zip(got_py, got_c):
        assert [int(round(v * 100)) for v in vals] == cents


@settings(max_examples=200, deadline=None)
@given(seq=st.integers(0, 255), values=st.lists(st.floats(allow_nan=True, allow_infinity=False, width=32),
                                                  min_size=1, max_size=16),
       split=st.integers(0, 40))
def test_round_trip_any_values_any_split(seq, values, split):
    frame = encode(seq, values)
    d = Decoder()
    got = d.feed(frame[:split]) + d.feed(frame[split:])
    assert len(got) == 1 and got[0][0] == seq
    for v, back in zip(values, got[0][1]):
        expect = 0.0 if v != v else max(-327.68, min(327.67, round(v * 100) / 100))
        assert back == pytest.approx(expect, abs=0.006)


@settings(max_examples=200, deadline=None)
@given(noise=st.binary(max_size=200))
def test_decoder_never_crashes_on_garbage(noise):
    """Garbage ending in a sync byte may swallow the next frame, never the one after."""
    d = Decoder()
    d.feed(noise)
    frame = encode(9, [float(i) for i in range(16)])
    got = d.feed(frame * 3)
    assert got and got[-1] == (9, [float(i) for i in range(16)])


def test_crc_reference_value():
    assert crc16(b"123456789") == 0x29B1


def test_encoder_rejects_bad_channel_counts():
    with pytest.raises(ValueError, match="1..16"):
        encode(0, [])
    with pytest.raises(ValueError, match="1..16"):
        encode(0, [0.0] * 17)


def test_arduino_sketch_uses_the_shared_decoder():
    sketch = REPO / "firmware_examples" / "arduino_servo_head"
    for name in ("sgt_proto.c", "sgt_proto.h"):
        assert (sketch / name).resolve() == (REPO / "firmware_examples" / "common" / name).resolve()
    text = (sketch / "arduino_servo_head.ino").read_text()
    assert "SgtProtoFeed" in text and "kWatchdogMs = 500" in text


def test_micropython_decoder_matches_the_vectors():
    """Runs the MicroPython example's decode loop on CPython against the committed vectors."""
    src = (REPO / "firmware_examples" / "micropython_pca9685" / "main.py").read_text()
    crc_src = src[src.index("def crc16"):src.index("buf = bytearray()")]
    ns = {}
    exec(crc_src, ns)
    for v in VECTORS:
        raw = bytes.fromhex(v["hex"])
        n = raw[2]
        assert ns["crc16"](raw[1:3 + 2 * n]) == raw[-2] | (raw[-1] << 8)
