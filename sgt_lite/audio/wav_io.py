"""Audio files in: WAV read with numpy alone (PCM 8/16/24/32-bit, float32/64,
WAVE_FORMAT_EXTENSIBLE, streamed headers with no length); FLAC, OGG, MP3 and the rest
through ``soundfile`` when it is installed. WAV out: 16-bit PCM."""
import logging
import os
import struct

import numpy as np

from ..errors import BadAudioError, ModelFileError
from .resample import resample

log = logging.getLogger(__name__)

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_READ_BLOCK = 1 << 18         # samples per block: a few MB whatever the file's length
_CODECS = {0x0002: "MS ADPCM", 0x0006: "A-law", 0x0007: "mu-law", 0x0011: "IMA ADPCM", 0x0055: "MP3"}


def _convert_hint(path) -> str:
    return f"convert it first, e.g. 'ffmpeg -i {path} -ac 1 -ar 16000 -sample_fmt s16 out.wav'"


def _scan(f, size: int, path):
    """(fmt chunk body, data offset, data length) of a RIFF/WAVE file open as ``f``, seeking
    past every other chunk; a data size past the end (a streamed or cut-off file) means 'to
    the end'."""
    fmt = data_at = None
    data_len = 0
    off = 12
    while off + 8 <= size:
        f.seek(off)
        head = f.read(8)
        cid, n = head[:4], struct.unpack("<I", head[4:8])[0]
        if cid == b"fmt ":
            fmt = f.read(min(n, 1 << 16))
        elif cid == b"data":
            data_at, data_len = off + 8, max(0, min(n, size - off - 8))
            if fmt is not None:
                break
        off += 8 + n + (n & 1)
    if fmt is None or len(fmt) < 16:
        raise BadAudioError(f"{path}: WAV without a valid fmt chunk; {_convert_hint(path)}")
    if data_at is None:
        raise BadAudioError(f"{path}: WAV without a data chunk (no audio); {_convert_hint(path)}")
    return fmt, data_at, data_len


def _format(fmt: bytes, path):
    """(sample kind tag, bytes per sample, channels, rate) from a fmt chunk, or BadAudioError."""
    tag, channels, rate, _, block, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE:
        if len(fmt) < 40:
            raise BadAudioError(f"{path}: WAVE_FORMAT_EXTENSIBLE header too short ({len(fmt)} bytes)")
        tag = struct.unpack("<H", fmt[24:26])[0]            # the sub-format GUID starts with the tag
    if tag not in (_PCM, _FLOAT):
        name = _CODECS.get(tag, f"format 0x{tag:04x}")
        raise BadAudioError(f"{path}: {name} WAV is not supported (PCM or float only); {_convert_hint(path)}")
    if channels < 1 or rate < 1:
        raise BadAudioError(f"{path}: WAV header says {channels} channels at {rate} Hz")
    width = bits // 8
    ok = {_PCM: (1, 2, 3, 4), _FLOAT: (4, 8)}[tag]
    if bits % 8 or width not in ok or block != width * channels:
        kind = "PCM" if tag == _PCM else "float"
        raise BadAudioError(f"{path}: {bits}-bit {kind} WAV (block {block} bytes) is not supported; "
                            f"use {'8, 16, 24 or 32' if tag == _PCM else '32 or 64'}-bit; {_convert_hint(path)}")
    return tag, width, channels, int(rate)


def _decode(payload: bytes, tag: int, width: int, channels: int) -> np.ndarray:
    """Whole sample frames of raw WAV data -> mono float32 (sample by sample, so decoding a
    file in blocks gives the same values as decoding it at once)."""
    raw = np.frombuffer(payload, np.uint8)
    if tag == _FLOAT:
        x = raw.view("<f4" if width == 4 else "<f8").astype(np.float32)
    elif width == 1:
        x = (raw.astype(np.float32) - 128.0) / 128.0
    elif width == 3:
        b = raw.reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)).astype(np.float32)
    else:
        x = raw.view("<i2" if width == 2 else "<i4").astype(np.float32) / float(2 ** (8 * width - 1))
    x = x.reshape(-1, channels)
    return x.mean(axis=1, dtype=np.float32) if channels > 1 else x[:, 0].copy()


class AudioReader:
    """An audio file read block by block as mono float32, in constant memory.

    Made by :func:`open_wav`; ``rate`` (Hz), ``channels`` and ``frames`` (samples per channel,
    from the header; for non-WAV formats libsndfile's count) describe the file. :meth:`read`
    returns the next ``n`` samples (fewer at the end, none after it); :meth:`blocks` iterates.
    Every block holds exactly the values :func:`read_wav` gives for that stretch.

    >>> from sgt_lite.audio import SAMPLE_WAV
    >>> with open_wav(SAMPLE_WAV) as src:
    ...     sizes = [len(b) for b in src.blocks(16000)]
    >>> src.rate, sizes[:2], sum(sizes) == src.frames
    (16000, [16000, 16000], True)
    """

    def __init__(self, path, f, rate, channels, frames, decode):
        self.path, self.rate, self.channels, self.frames = path, rate, channels, frames
        self.length_hint = frames
        self._f, self._decode, self.position = f, decode, 0

    def read(self, n: int) -> np.ndarray:
        n = max(0, min(int(n), self.frames - self.position)) if self.frames is not None else max(0, int(n))
        x = self._decode(n) if n else np.zeros(0, np.float32)
        self.position += len(x)
        return x

    def blocks(self, n: int):
        """Yields successive blocks of ``n`` samples until the end of the file."""
        while True:
            x = self.read(n)
            if not len(x):
                return
            yield x

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _open_raw(path):
    try:
        return open(path, "rb")
    except FileNotFoundError as exc:
        raise ModelFileError(f"audio file not found: {path}") from exc
    except OSError as exc:
        raise BadAudioError(f"cannot read {path}: {exc.strerror or exc}") from exc


def open_wav(path) -> AudioReader:
    """Opens an audio file for reading in blocks (see :class:`AudioReader`): WAV with numpy
    alone, every encoding :func:`read_wav` takes; other formats through ``soundfile``. The same
    errors as :func:`read_wav`, raised here, before any audio is read (a file with no samples
    is a :class:`BadAudioError`)."""
    f = _open_raw(path)
    try:
        head = f.read(12)
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            fmt, data_at, data_len = _scan(f, os.fstat(f.fileno()).st_size, path)
            tag, width, channels, rate = _format(fmt, path)
            block = width * channels
            frames = data_len // block

            at = data_at

            def decode(n):
                nonlocal at
                f.seek(at)
                payload = f.read(n * block)
                at += len(payload)
                return _decode(payload[:len(payload) // block * block], tag, width, channels)

            reader = AudioReader(path, f, rate, channels, frames, decode)
        elif head[:4] in (b"RIFF", b"RF64"):
            raise BadAudioError(f"{path}: a RIFF file that is not WAVE (or RF64); {_convert_hint(path)}")
        else:
            f.close()
            reader = _open_soundfile(path)
    except BaseException:
        f.close()
        raise
    if reader.frames == 0:
        reader.close()
        raise BadAudioError(f"{path} has no audio samples (an empty recording?)")
    return reader


def _soundfile(path):
    try:
        import soundfile as sf
    except ImportError:
        raise BadAudioError(f"{path} is not a WAV file; FLAC, OGG and MP3 are read through soundfile: "
                            f"pip install soundfile; or {_convert_hint(path)}") from None
    return sf


def _open_soundfile(path) -> AudioReader:
    sf = _soundfile(path)
    try:
        f = sf.SoundFile(str(path))
    except Exception as exc:          # soundfile raises its own LibsndfileError / RuntimeError
        raise BadAudioError(f"cannot read {path} as audio ({exc}); {_convert_hint(path)}") from exc

    def decode(n):
        try:
            x = f.read(n, dtype="float32", always_2d=True)
        except Exception as exc:
            raise BadAudioError(f"cannot read {path} as audio ({exc}); {_convert_hint(path)}") from exc
        return x.mean(axis=1, dtype=np.float32) if x.shape[1] > 1 else x[:, 0].copy()

    if f.frames == 0:
        f.close()
        raise BadAudioError(f"{path} has no audio samples (an empty recording?)")
    # libsndfile's frame count is an estimate for some formats (MP3): frames=None, read to the end
    reader = AudioReader(path, f, int(f.samplerate), int(f.channels), None, decode)
    reader.length_hint = max(int(f.frames), 0)
    return reader


def read_wav(path, sample_rate: int = None):
    """Reads an audio file as mono float32 (in [-1, 1] for integer formats); returns
    ``(samples, rate)``.

    WAV needs nothing but numpy: PCM 8/16/24/32-bit, float32/64, WAVE_FORMAT_EXTENSIBLE,
    headers with no length (written while streaming). Other formats (FLAC, OGG, MP3, ...)
    go through ``soundfile`` if it is installed. Several channels are averaged to mono;
    with ``sample_rate`` given, the audio is resampled to it. A file with no samples is a
    :class:`BadAudioError`.

    >>> from sgt_lite.audio import SAMPLE_WAV
    >>> x, sr = read_wav(SAMPLE_WAV)
    >>> sr, x.dtype
    (16000, dtype('float32'))
    """
    with open_wav(path) as src:
        if src.frames is not None:
            x = np.empty(src.frames, np.float32)
            for i in range(0, src.frames, _READ_BLOCK):
                x[i:i + _READ_BLOCK] = src.read(_READ_BLOCK)
        else:
            x = np.concatenate(list(src.blocks(_READ_BLOCK)) or [np.zeros(0, np.float32)])
        rate = src.rate
    if x.size == 0:
        raise BadAudioError(f"{path} has no audio samples (an empty recording?)")
    if sample_rate is not None and sample_rate != rate:
        x, rate = resample(x, rate, sample_rate), sample_rate
    return x, rate


def write_wav(path, samples: np.ndarray, sample_rate: int):
    """Writes mono float samples in [-1, 1] as a 16-bit PCM WAV."""
    import wave

    x = np.clip(np.nan_to_num(np.asarray(samples, np.float64)), -1.0, 1.0)
    pcm = np.round(x * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(pcm.tobytes())
