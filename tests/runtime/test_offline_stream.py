"""animate() streams its input in blocks: the same frames as animating the whole signal at once
(file or array, resampled or not), block reads equal to whole reads for every WAV encoding, and
peak memory that does not grow with the file's length."""
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sgt_lite import animate
from sgt_lite.animator import Animator
from sgt_lite.audio import SAMPLE_WAV, as_float32, open_wav, read_wav, resample, write_wav
from sgt_lite.errors import BadAudioError, ModelFileError
from sgt_lite.offline import FRAME_DTYPE, resampled_blocks


def whole_signal_frames(audio, rate=None, seed=0):
    """What animate() computed before it streamed: the whole file read and resampled at once."""
    anim = Animator(backend="numpy", seed=seed)
    if isinstance(audio, str):
        x, rate = read_wav(audio)
    else:
        x, rate = as_float32(audio), rate or anim.sample_rate
    if rate != anim.sample_rate:
        x = resample(x, rate, anim.sample_rate)
    frames = anim.step(x)
    return np.array([tuple(f) for f in frames], dtype=FRAME_DTYPE)


def _wav(path, x, rate, bits=16, channels=1, tag=1):
    """A WAV of ``x`` (frames x channels) as PCM 8/16/24/32-bit or float32 (tag 3)."""
    x = np.asarray(x, np.float64).reshape(-1, channels)
    if tag == 3:
        data = x.astype("<f4").tobytes()
    elif bits == 24:
        data = np.round(x * (2 ** 23 - 1)).astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    elif bits == 8:
        data = np.round(x * 127 + 128).astype(np.uint8).tobytes()
    else:
        data = np.round(x * (2 ** (bits - 1) - 1)).astype("<i2" if bits == 16 else "<i4").tobytes()
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    body = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    return str(path)


@pytest.fixture(scope="module")
def sample():
    return read_wav(SAMPLE_WAV)[0]


def test_sample_file_frames_equal_the_whole_signal():
    got, ref = animate(SAMPLE_WAV, backend="numpy", seed=3), whole_signal_frames(SAMPLE_WAV, seed=3)
    assert got.dtype == FRAME_DTYPE and len(got) == len(ref) > 250
    assert got.tobytes() == ref.tobytes()


@pytest.mark.parametrize("rate,bits,channels,chunk_s", [(44100, 16, 1, 1.0), (22050, 24, 2, 0.37), (48000, 32, 1, 2.5),
                                                        (8000, 8, 1, 0.1)])
def test_resampled_file_frames_equal_the_whole_signal(tmp_path, sample, rate, bits, channels, chunk_s):
    x = resample(sample, 16000, rate)
    path = _wav(tmp_path / "a.wav", np.stack([x, 0.5 * x][:channels], axis=1), rate, bits, channels)
    got = animate(path, backend="numpy", chunk_s=chunk_s)
    assert got.tobytes() == whole_signal_frames(path).tobytes() and len(got) > 250


@pytest.mark.parametrize("dtype,rate", [(np.float32, None), (np.int16, None), (np.float64, 44100), (np.int32, 22050)])
def test_array_input_frames_equal_the_whole_signal(sample, dtype, rate):
    x = sample if rate is None else resample(sample, 16000, rate)
    if np.dtype(dtype).kind == "i":
        x = np.round(x * (np.iinfo(dtype).max * 0.9)).astype(dtype)
    else:
        x = x.astype(dtype)
    got = animate(x, rate, backend="numpy")
    assert got.tobytes() == whole_signal_frames(x, rate).tobytes() and len(got) > 250


def test_array_input_is_not_converted_whole(sample):
    # a float64 array of an hour would be copied to float32 whole; blocks are views converted one by one
    from sgt_lite.offline import audio_blocks

    x = sample.astype(np.float64)
    blocks, n = audio_blocks(x, None, 16000, block_s=0.5)
    sizes = [len(b) for b in blocks]
    assert n == x.size and max(sizes) == 8000 and sum(sizes) == x.size


def test_bad_array_input_errors_as_before():
    with pytest.raises(BadAudioError, match="1-D"):
        animate(np.zeros((100, 2), np.float32), backend="numpy")
    with pytest.raises(BadAudioError, match="unsupported audio dtype"):
        animate(np.zeros(100, np.uint8), backend="numpy")
    assert len(animate(np.zeros(0, np.float32), backend="numpy")) == 0


@pytest.mark.parametrize("rate_in,rate_out,block", [(44100, 16000, 1000), (22050, 16000, 4410), (8000, 16000, 333),
                                                    (48000, 16000, 7)])
def test_streamed_resampling_equals_whole_resampling(rate_in, rate_out, block):
    x = np.random.default_rng(0).standard_normal(rate_in // 2 + 17).astype(np.float32) * 0.3
    y = np.concatenate(list(resampled_blocks((x[i:i + block] for i in range(0, x.size, block)), rate_in, rate_out)))
    assert np.array_equal(y, resample(x, rate_in, rate_out))


@pytest.mark.parametrize("bits,channels,tag", [(8, 1, 1), (16, 2, 1), (24, 3, 1), (32, 1, 1), (32, 2, 3)])
def test_block_reads_equal_read_wav(tmp_path, bits, channels, tag):
    x = np.sin(np.arange(5003 * channels) / 9.0).reshape(-1, channels) * 0.7
    path = _wav(tmp_path / "b.wav", x, 22050, bits, channels, tag)
    whole, rate = read_wav(path)
    with open_wav(path) as src:
        assert (src.rate, src.channels, src.frames) == (22050, channels, 5003)
        blocks = list(src.blocks(1000))
    assert [len(b) for b in blocks] == [1000] * 5 + [3] and np.array_equal(np.concatenate(blocks), whole)


def test_open_wav_errors_before_reading(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        open_wav(tmp_path / "missing.wav")
    with pytest.raises(BadAudioError, match="no audio samples"):
        open_wav(_wav(tmp_path / "empty.wav", np.zeros((0, 1)), 16000))
    (tmp_path / "avi.wav").write_bytes(b"RIFF\x10\x00\x00\x00AVI LIST" + b"\x00" * 8)
    with pytest.raises(BadAudioError, match="not WAVE"):
        open_wav(tmp_path / "avi.wav")
    with pytest.raises(BadAudioError, match="no audio"):
        animate(_wav(tmp_path / "empty.wav", np.zeros((0, 1)), 16000), backend="numpy")


CHILD = textwrap.dedent("""
    import resource, sys
    from sgt_lite import animate
    out = animate(sys.argv[1], backend="numpy")
    print(len(out), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


def _long_wav(path, sample, minutes):
    """``minutes`` of the sample's speech repeated, written block by block as 16-bit PCM."""
    write_wav(path, sample, 16000)
    raw = path.read_bytes()
    pcm = raw[44:]
    reps = int(np.ceil(minutes * 60 * 16000 * 2 / len(pcm)))
    size = reps * len(pcm)
    with open(path, "wb") as f:
        f.write(raw[:4] + struct.pack("<I", 36 + size) + raw[8:40] + struct.pack("<I", size))
        for _ in range(reps):
            f.write(pcm)
    return str(path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in kB is Linux's unit")
def test_peak_memory_does_not_grow_with_length(tmp_path, sample):
    peaks = {}
    for minutes in (1, 3):
        path = _long_wav(tmp_path / f"{minutes}.wav", sample, minutes)
        res = subprocess.run([sys.executable, "-c", CHILD, path], capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        n, peak_kb = map(int, res.stdout.split())
        assert n >= minutes * 60 * 25 - 10
        peaks[minutes] = peak_kb / 1024
    # the whole-file path grew by 7.5 MB here (two more minutes as bytes, float32 and frame tuples)
    assert peaks[3] - peaks[1] < 3.0, peaks


def test_flac_streams_through_soundfile(tmp_path, sample):
    sf = pytest.importorskip("soundfile")
    if "FLAC" not in sf.available_formats():
        pytest.skip("this libsndfile cannot write FLAC")
    x = resample(sample, 16000, 22050)
    path = str(tmp_path / "speech.flac")
    sf.write(path, np.stack([x, 0.5 * x], axis=1), 22050, format="FLAC")
    with open_wav(path) as src:
        assert src.frames is None and src.length_hint == x.size and src.channels == 2
        blocks = list(src.blocks(4000))
    assert np.array_equal(np.concatenate(blocks), read_wav(path)[0])
    assert animate(path, backend="numpy").tobytes() == whole_signal_frames(path).tobytes()
