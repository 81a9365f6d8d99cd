"""Audio files in: WAV read with numpy alone (PCM 8/16/24/32-bit, float32/64,
WAVE_FORMAT_EXTENSIBLE, streamed headers with no length); FLAC, OGG, MP3 and the rest
through ``soundfile`` when it is installed. WAV out: 16-bit PCM."""
import logging
import struct
import wave

import numpy as np

from ..errors import BadAudioError, ModelFileError
from .resample import resample

log = logging.getLogger(__name__)

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_CODECS = {0x0002: "MS ADPCM", 0x0006: "A-law", 0x0007: "mu-law", 0x0011: "IMA ADPCM", 0x0055: "MP3"}


def _convert_hint(path) -> str:
    return f"convert it first, e.g. 'ffmpeg -i {path} -ac 1 -ar 16000 -sample_fmt s16 out.wav'"


def _chunks(data: bytes, path):
    """(fmt chunk, data chunk) of a RIFF/WAVE file; a data size past the end (a streamed
    or cut-off file) means 'to the end'."""
    fmt = payload = None
    off = 12
    while off + 8 <= len(data):
        cid, size = data[off:off + 4], struct.unpack("<I", data[off + 4:off + 8])[0]
        body = data[off + 8:off + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            payload = body
            if fmt is not None:
                break
        off += 8 + size + (size & 1)
    if fmt is None or len(fmt) < 16:
        raise BadAudioError(f"{path}: WAV without a valid fmt chunk; {_convert_hint(path)}")
    if payload is None:
        raise BadAudioError(f"{path}: WAV without a data chunk (no audio); {_convert_hint(path)}")
    return fmt, payload


def _decode_wav(data: bytes, path):
    fmt, payload = _chunks(data, path)
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
    n = len(payload) // block
    raw = np.frombuffer(payload, np.uint8, count=n * block)
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
    return (x.mean(axis=1, dtype=np.float32) if channels > 1 else x[:, 0].copy()), int(rate)


def _read_soundfile(path):
    try:
        import soundfile as sf
    except ImportError:
        raise BadAudioError(f"{path} is not a WAV file; FLAC, OGG and MP3 are read through soundfile: "
                            f"pip install soundfile; or {_convert_hint(path)}") from None
    try:
        x, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:          # soundfile raises its own LibsndfileError / RuntimeError
        raise BadAudioError(f"cannot read {path} as audio ({exc}); {_convert_hint(path)}") from exc
    return (x.mean(axis=1, dtype=np.float32) if x.shape[1] > 1 else x[:, 0].copy()), int(rate)


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
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError as exc:
        raise ModelFileError(f"audio file not found: {path}") from exc
    except OSError as exc:
        raise BadAudioError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        x, rate = _decode_wav(data, path)
    elif data[:4] in (b"RIFF", b"RF64"):
        raise BadAudioError(f"{path}: a RIFF file that is not WAVE (or RF64); {_convert_hint(path)}")
    else:
        x, rate = _read_soundfile(path)
    if x.size == 0:
        raise BadAudioError(f"{path} has no audio samples (an empty recording?)")
    if sample_rate is not None and sample_rate != rate:
        x, rate = resample(x, rate, sample_rate), sample_rate
    return x, rate


def write_wav(path, samples: np.ndarray, sample_rate: int):
    """Writes mono float samples in [-1, 1] as a 16-bit PCM WAV."""
    x = np.clip(np.nan_to_num(np.asarray(samples, np.float64)), -1.0, 1.0)
    pcm = np.round(x * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(pcm.tobytes())
