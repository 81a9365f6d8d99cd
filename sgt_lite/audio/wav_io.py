"""WAV reading and writing with the standard library (no soundfile, no scipy)."""
import wave

import numpy as np

from ..errors import BadAudioError, ModelFileError
from .resample import resample

_WIDTH_DTYPE = {1: np.uint8, 2: np.int16, 4: np.int32}


def read_wav(path, sample_rate: int = None):
    """Reads a PCM WAV as mono float32 in [-1, 1]; returns ``(samples, rate)``.

    Multi-channel files are averaged to mono. With ``sample_rate`` given, the
    audio is resampled to it.

    >>> from sgt_lite.audio import SAMPLE_WAV
    >>> x, sr = read_wav(SAMPLE_WAV)
    >>> sr, x.dtype
    (16000, dtype('float32'))
    """
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except FileNotFoundError as exc:
        raise ModelFileError(f"audio file not found: {path}") from exc
    except (wave.Error, EOFError) as exc:
        raise BadAudioError(
            f"cannot read {path} as PCM WAV ({exc}); convert it first, e.g. "
            f"'ffmpeg -i {path} -ac 1 -ar 16000 -sample_fmt s16 out.wav'") from exc
    if width not in _WIDTH_DTYPE:
        raise BadAudioError(f"{path}: {8 * width}-bit WAV is not supported; use 8, 16 or 32-bit PCM")
    data = np.frombuffer(raw, dtype=np.dtype(_WIDTH_DTYPE[width]).newbyteorder("<"))
    data = data[: data.size - data.size % channels].reshape(-1, channels)
    if width == 1:
        x = (data.astype(np.float32) - 128.0) / 128.0
    else:
        x = data.astype(np.float32) / float(2 ** (8 * width - 1))
    x = x.mean(axis=1).astype(np.float32) if channels > 1 else x[:, 0].copy()
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
