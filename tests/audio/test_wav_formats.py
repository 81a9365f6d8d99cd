"""WAV files as TTS engines and audio tools write them: float32/64, 24- and 32-bit PCM,
WAVE_FORMAT_EXTENSIBLE, streamed headers with no length, odd chunks before the data; FLAC,
OGG and MP3 through soundfile when it is installed; an empty file is a clear error."""
import struct
import subprocess
import sys

import numpy as np
import pytest

from sgt_lite.audio import read_wav
from sgt_lite.errors import BadAudioError

RATE = 22050
KSDATAFORMAT = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"   # the GUID's tail


def _signal(n=RATE // 2, channels=1):
    t = np.arange(n) / RATE
    x = 0.6 * np.sin(2 * np.pi * 220 * t)
    return np.stack([x, -0.5 * x][:channels], axis=1)


def _encode(x, tag, bits):
    if tag == 3:
        return x.astype("<f4" if bits == 32 else "<f8").tobytes()
    if bits == 8:
        return np.round(x * 127 + 128).astype(np.uint8).tobytes()
    q = np.round(x * (2 ** (bits - 1) - 1)).astype("<i4")
    if bits == 24:
        return q.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    return q.astype("<i2" if bits == 16 else "<i4").tobytes()


def _wav(path, x, tag=1, bits=16, extensible=False, streamed=False, extra_chunk=False):
    channels = x.shape[1]
    data = _encode(x.ravel(), tag, bits)
    block = channels * bits // 8
    if extensible:
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, RATE, RATE * block, block, bits, 22, bits,
                          (1 << channels) - 1) + struct.pack("<H", tag) + KSDATAFORMAT
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, RATE, RATE * block, block, bits)
        if tag == 3:
            fmt += struct.pack("<H", 0)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if extra_chunk:                                   # odd-sized LIST chunk: one pad byte follows
        chunks += b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\x00"
    size = 0xFFFFFFFF if streamed else len(data)
    chunks += b"data" + struct.pack("<I", size) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", 0xFFFFFFFF if streamed else 4 + len(chunks)) + b"WAVE" + chunks)
    return path


CASES = [  # (tag, bits, extensible, tolerance)
    (3, 32, False, 1e-7), (3, 64, False, 1e-7), (1, 24, False, 2e-7), (1, 32, False, 1e-9),
    (1, 16, False, 4e-5), (1, 8, False, 1e-2), (3, 32, True, 1e-7), (1, 24, True, 2e-7), (1, 16, True, 4e-5)]


@pytest.mark.parametrize("tag,bits,extensible,tol", CASES,
                         ids=[f"{'float' if t == 3 else 'pcm'}{b}{'-ext' if e else ''}" for t, b, e, _ in CASES])
def test_reads_every_common_encoding(tmp_path, tag, bits, extensible, tol):
    x = _signal()
    got, rate = read_wav(_wav(tmp_path / "a.wav", x, tag, bits, extensible))
    assert rate == RATE and got.dtype == np.float32 and got.shape == (x.shape[0],)
    np.testing.assert_allclose(got, x[:, 0], atol=tol + 1e-7)


def test_stereo_streamed_header_and_odd_chunks(tmp_path):
    x = _signal(channels=2)
    got, rate = read_wav(_wav(tmp_path / "s.wav", x, 3, 32, streamed=True, extra_chunk=True))
    np.testing.assert_allclose(got, x.mean(axis=1), atol=1e-6)


def test_resamples_on_request(tmp_path):
    got, rate = read_wav(_wav(tmp_path / "r.wav", _signal(), 3, 32), sample_rate=16000)
    assert rate == 16000 and got.size == int(np.ceil(_signal().shape[0] * 16000 / RATE))


def test_espeak_like_stream_truncated_mid_sample(tmp_path):
    path = _wav(tmp_path / "t.wav", _signal(), 1, 16, streamed=True)
    path.write_bytes(path.read_bytes()[:-1])                 # a killed writer leaves half a sample
    got, _ = read_wav(path)
    assert got.size == _signal().shape[0] - 1


@pytest.mark.parametrize("tag,why", [(7, "mu-law"), (2, "ADPCM")])
def test_compressed_wav_says_how_to_convert(tmp_path, tag, why):
    path = _wav(tmp_path / "c.wav", _signal(), 1, 16)
    raw = bytearray(path.read_bytes())
    raw[20:22] = struct.pack("<H", tag)
    path.write_bytes(bytes(raw))
    with pytest.raises(BadAudioError, match="ffmpeg -i"):
        read_wav(path)


def test_empty_wav_is_a_clear_error(tmp_path):
    path = _wav(tmp_path / "empty.wav", np.zeros((0, 1)), 1, 16)
    with pytest.raises(BadAudioError, match="no audio"):
        read_wav(path)
    res = subprocess.run([sys.executable, "-m", "sgt_lite", "animate", str(path), "--backend", "numpy"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "Traceback" not in res.stderr and "no audio" in res.stderr, res.stderr


def test_not_audio_at_all(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("hello")
    with pytest.raises(BadAudioError, match="ffmpeg"):
        read_wav(path)


@pytest.mark.parametrize("fmt,ext", [("FLAC", "flac"), ("OGG", "ogg"), ("MP3", "mp3")])
def test_compressed_formats_through_soundfile(tmp_path, fmt, ext):
    sf = pytest.importorskip("soundfile")
    if fmt not in sf.available_formats():
        pytest.skip(f"this libsndfile cannot write {fmt}")
    x = _signal(RATE)[:, 0]
    path = tmp_path / f"speech.{ext}"
    sf.write(str(path), x, RATE, format=fmt)
    got, rate = read_wav(path)
    assert rate == RATE and abs(got.size - x.size) < 2000
    n = min(got.size, x.size) - 2000
    lag = int(np.argmax(np.correlate(got[1000:1000 + n], x[1000:1000 + 400], "valid")))   # codec delay
    assert np.corrcoef(got[1000 + lag:1000 + lag + 4000], x[1000:5000])[0, 1] > 0.95


def test_without_soundfile_a_flac_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "speech.flac"
    path.write_bytes(b"fLaC\x00\x00\x00\x22" + b"\x00" * 64)
    monkeypatch.setitem(sys.modules, "soundfile", None)      # not installed
    with pytest.raises(BadAudioError, match="pip install soundfile"):
        read_wav(path)
