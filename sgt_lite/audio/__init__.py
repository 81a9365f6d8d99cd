"""Audio stage: ring buffer, input sanitising, resampling and the MFCC frontend."""
from .frontend import Frontend, require_rate
from .frontend_config import FrontendConfig
from .resample import Resampler, resample
from .ring_buffer import RingBuffer
from .samples import ACCEPTED_DTYPES, as_float32
from .wav_io import read_wav, write_wav
from ..resources import SAMPLE_WAV

__all__ = [
    "Frontend", "FrontendConfig", "Resampler", "RingBuffer", "ACCEPTED_DTYPES", "as_float32",
    "SAMPLE_WAV", "read_wav", "require_rate", "resample", "write_wav",
]
