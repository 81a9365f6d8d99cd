"""Serial protocol: the Python encoder and decoder, the portable C decoder and the MicroPython
example's decoder agree, frame for frame and on every sequence-number decision."""
import importlib.util
import json
import pathlib
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sgt_lite.heads.protocol import SEQ_RESYNC, SEQ_WINDOW, Decoder, SeqCheck, crc16, encode

HERE = pathlib.Path(__file__).parent
REPO = HERE.parents[1]
VECTOR_FILE = json.loads((HERE / "vectors" / "proto_vectors.json").read_text())
VECTORS = VECTOR_FILE["vectors"]
SEQ_STREAMS = VECTOR_FILE["seq_streams"]


@pytest.fixture(scope="module")
def c_decoder(tmp_path_factory, build_c):
    common = REPO / "firmware_examples" / "common"
    return build_c(tmp_path_factory.mktemp("proto") / "proto_stream",
                   [common / "sgt_proto.c", HERE / "c" / "proto_stream.c"], common)


@pytest.fixture(scope="module")
def micropython_main():
    spec = importlib.util.spec_from_file_location("sgt_micropython_main",
                                                  REPO / "firmware_examples" / "micropython_pca9685" / "main.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)            # imports `machine` only inside main()
    return mod


def _c_decode(exe, data: bytes):
    out = subprocess.run([str(exe)], input=data, capture_output=True, check=True).stdout.decode().splitlines()
    frames = [(int(line.split()[0]), [int(v) for v in line.split()[1:]]) for line in out[:-1]]
    summary = dict(zip(out[-1].split()[::2], map(int, out[-1].split()[1::2])))
    return frames, summary


def test_vectors_file_is_what_the_generator_makes():
    spec = importlib.util.spec_from_file_location("make_vectors", HERE / "vectors" / "make_vectors.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.render() == (HERE / "vectors" / "proto_vectors.json").read_text()


def test_python_encoder_matches_committed_vectors():
    for v in VECTORS:
        assert encode(v["seq"], v["degrees"]).hex() == v["hex"]


def test_c_decoder_decodes_the_vectors(c_decoder):
    # each to a fresh decoder: the vectors' seq values jump, which the sequence check would skip
    for v in VECTORS:
        frames, summary = _c_decode(c_decoder, bytes.fromhex(v["hex"]))
        assert summary["frames"] == 1 and summary["crc_errors"] == 0
        assert frames == [(v["seq"], [int(round(d * 100)) for d in v["degrees"]])]


def test_c_decoder_returns_every_frame_completed_by_one_byte(c_decoder):
    """A false sync byte announcing a 16-channel frame holds back the frames behind it; when
    its CRC fails, four whole frames are already buffered and complete on that one byte."""
    stream = b"\xa5\x00\x10" + b"".join(encode(k, [float(k)]) for k in range(1, 7))
    frames, summary = _c_decode(c_decoder, stream)
    assert [seq for seq, _ in frames] == [1, 2, 3, 4, 5, 6]
    assert [cents for _, cents in frames] == [[100 * k] for k in range(1, 7)]
    assert summary["max_per_byte"] == 4 and summary["frames"] == 6 and summary["crc_errors"] == 1
    assert [s for s, _ in Decoder().feed(stream)] == [1, 2, 3, 4, 5, 6]


def test_c_and_python_decoders_agree_on_streams_with_many_multi_frame_bytes(c_decoder):
    rng = np.random.default_rng(3)
    stream, sent = bytearray(), 0
    for k in range(3000):
        if rng.random() < 0.08:                    # a false sync byte announcing a long frame
            stream += bytes([0xA5, int(rng.integers(256)), int(rng.integers(8, 17))])
        stream += encode(k, rng.uniform(-90, 90, int(rng.integers(1, 4))))
        sent += 1
    py = Decoder()
    got_py = py.feed(bytes(stream))
    got_c, summary = _c_decode(c_decoder, bytes(stream))
    assert summary["max_per_byte"] >= 2
    assert [s for s, _ in got_c] == [s for s, _ in got_py] == [k & 0xFF for k in range(sent)]
    assert summary["frames"] == py.frames == sent
    for (_, vals), (_, cents) in zip(got_py, got_c):
        assert [int(round(v * 100)) for v in vals] == cents


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
    got_c, summary = _c_decode(c_decoder, bytes(stream))
    good = [k for k in range(250) if k not in damaged]
    py_seqs = [s for s, _ in got_py]
    assert len(got_py) >= len(good) - 3                  # a damaged frame may swallow the next one
    assert set(good) - set(py_seqs) <= {k + 1 for k in damaged}
    assert [s for s, _ in got_c] == py_seqs and summary["frames"] == len(got_py)
    for (s, vals), (_, cents) in zip(got_py, got_c):
        assert [int(round(v * 100)) for v in vals] == cents


@pytest.mark.parametrize("stream", SEQ_STREAMS, ids=[s["name"] for s in SEQ_STREAMS])
def test_seq_decisions_agree_in_python_c_and_micropython(stream, c_decoder, micropython_main):
    seqs, accepted = stream["seqs"], stream["accepted"]
    check = SeqCheck()
    assert [check.accept(s) for s in seqs] == accepted
    data = b"".join(encode(s, [float(i)]) for i, s in enumerate(seqs))    # the value tells frames apart
    expect = [(s, [100 * i]) for i, (s, a) in enumerate(zip(seqs, accepted)) if a]
    got_c, summary = _c_decode(c_decoder, data)
    assert got_c == expect and summary["seq_rejects"] == accepted.count(False)
    mp = micropython_main.Decoder()
    assert mp.feed(data) == expect and mp.seq_rejects == accepted.count(False)
    py = Decoder()
    assert [(s, [round(v * 100) for v in vals]) for s, vals in py.feed(data)] == expect


@settings(max_examples=300, deadline=None)
@given(seqs=st.lists(st.integers(0, 255), max_size=60), start=st.integers(0, 255))
def test_seq_check_never_applies_a_duplicate_and_always_resyncs(seqs, start):
    check = SeqCheck()
    applied = [s for s in seqs if check.accept(s)]
    assert all(a != b for a, b in zip(applied, applied[1:]))
    # whatever came before, a new stream of consecutive frames gets through after at most
    # SEQ_RESYNC rejections (SEQ_RESYNC - 1, unless it runs over a copy of the last frame)
    results = [check.accept((start + i) & 0xFF) for i in range(SEQ_RESYNC + 3)]
    assert results[SEQ_RESYNC:] == [True] * 3 and results.count(False) <= SEQ_RESYNC


def test_seq_check_accepts_gaps_up_to_the_window():
    check = SeqCheck()
    assert check.accept(0) and check.accept(SEQ_WINDOW) and not check.accept(2 * SEQ_WINDOW + 1)


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
    d = Decoder(check_seq=False)
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


def test_arduino_sketch_uses_the_shared_c_files():
    sketch = REPO / "firmware_examples" / "arduino_servo_head"
    for name in ("sgt_proto.c", "sgt_proto.h", "sgt_limit.c", "sgt_limit.h"):
        assert (sketch / name).resolve() == (REPO / "firmware_examples" / "common" / name).resolve()


def test_micropython_decoder_matches_the_vectors(micropython_main):
    for v in VECTORS:
        raw = bytes.fromhex(v["hex"])
        n = raw[2]
        assert micropython_main.crc16(raw[1:3 + 2 * n]) == raw[-2] | (raw[-1] << 8)
        d = micropython_main.Decoder()
        assert d.feed(raw[:5]) == [] and d.feed(raw[5:]) == [(v["seq"], [int(round(x * 100)) for x in v["degrees"]])]


def test_micropython_decoder_matches_python_on_a_damaged_stream(micropython_main):
    rng = np.random.default_rng(5)
    stream = bytearray()
    for k in range(400):
        f = bytearray(encode(k, rng.uniform(-90, 90, int(rng.integers(1, 7)))))
        if k % 9 == 4:
            f[rng.integers(1, len(f))] ^= 0x21
        if k % 17 == 0:
            stream += b"\xa5\x01\x0c"
        stream += f
    py = [(s, [round(v * 100) for v in vals]) for s, vals in Decoder().feed(bytes(stream))]
    mp, got = micropython_main.Decoder(), []
    for i in range(0, len(stream), 13):              # a UART hands over odd-sized chunks
        got += mp.feed(bytes(stream[i:i + 13]))
    assert got == py and len(got) > 300


def test_the_protocol_module_documents_the_sequence_rules():
    import sgt_lite.heads.protocol as proto

    assert "SEQ_WINDOW" in proto.__doc__ and "SEQ_RESYNC" in proto.__doc__
    header = (REPO / "firmware_examples" / "common" / "sgt_proto.h").read_text()
    assert f"#define SGT_PROTO_SEQ_WINDOW {SEQ_WINDOW}\n" in header
    assert f"#define SGT_PROTO_SEQ_RESYNC {SEQ_RESYNC}\n" in header
    mp = (REPO / "firmware_examples" / "micropython_pca9685" / "main.py").read_text()
    assert f"SEQ_WINDOW = {SEQ_WINDOW}\n" in mp and f"SEQ_RESYNC = {SEQ_RESYNC}\n" in mp
