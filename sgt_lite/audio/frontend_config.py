"""The frontend's parameters: one dataclass shared by C, numpy, training and bundles."""
import numbers
import struct
from dataclasses import asdict, dataclass, fields

from ..config_check import Fields
from ..errors import ConfigError

# Bounds of every field; the C core (csrc/sgt_mfcc.h, SGT_MFCC_MIN_*/MAX_*) enforces the same.
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1000, 192000
MIN_N_FFT, MAX_N_FFT = 4, 65536
MAX_N_MELS = 512
MIN_LOG_FLOOR, MAX_LOG_FLOOR = 1e-30, 1.0
INT_FIELDS = ("sample_rate", "win_length", "hop_length", "n_fft", "n_mels", "n_mfcc")
SOURCE = "frontend config"


def _f32(x: float) -> float:
    """``x`` as the C core stores it (a float32)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _plain(value):
    """numpy scalars as Python ints / floats; anything else unchanged (so the checker can name it)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    return int(value) if isinstance(value, numbers.Integral) else float(value)


@dataclass(frozen=True)
class FrontendConfig:
    """MFCC frontend parameters. A bundle's config JSON stores them under ``"frontend"``.

    >>> cfg = FrontendConfig()
    >>> cfg.frame_rate, cfg.frame_size
    (100.0, 14)
    >>> FrontendConfig.from_dict(cfg.to_dict()) == cfg
    True

    Every field is checked (types strictly, values against the C core's bounds):

    >>> FrontendConfig(n_mels=65536)
    Traceback (most recent call last):
    ...
    sgt_lite.errors.ConfigError: frontend config: n_mels: 65536 is outside [1, 512]
    """

    sample_rate: int = 16000
    win_length: int = 400
    hop_length: int = 160
    n_fft: int = 512
    preemph: float = 0.97
    n_mels: int = 40
    fmin: float = 20.0
    fmax: float = 8000.0
    n_mfcc: int = 13
    log_floor: float = 1e-10

    def __post_init__(self):
        values = {name: _plain(value) for name, value in asdict(self).items()}
        f = Fields(values, SOURCE)
        for name, value in values.items():
            if name in INT_FIELDS and isinstance(value, float):
                raise f.error(name, f"expected an integer, got the float {value!r}")
            if name not in INT_FIELDS and isinstance(value, int) and not isinstance(value, bool):
                try:
                    values[name] = float(value)
                except OverflowError:
                    raise f.error(name, f"{str(value)[:12]}... is far out of range") from None
        f.integer("sample_rate", lo=MIN_SAMPLE_RATE, hi=MAX_SAMPLE_RATE)
        n_fft = f.integer("n_fft", lo=MIN_N_FFT, hi=MAX_N_FFT)
        if n_fft & (n_fft - 1):
            raise f.error("n_fft", f"{n_fft} is not a power of two")
        win = f.integer("win_length", lo=1, hi=n_fft)
        f.integer("hop_length", lo=1, hi=win)
        n_mels = f.integer("n_mels", lo=1, hi=MAX_N_MELS)
        f.integer("n_mfcc", lo=1, hi=n_mels)
        preemph = f.number("preemph", lo=0.0, hi=1.0, hi_open=True)
        if _f32(preemph) >= 1.0:
            raise f.error("preemph", f"{preemph!r} rounds to 1.0 as a float32; use at most 0.9999999")
        fmax = f.number("fmax", lo=0.0, hi=values["sample_rate"] / 2, lo_open=True)
        fmin = f.number("fmin", lo=0.0, hi=fmax, hi_open=True)
        if not _f32(fmin) < _f32(fmax):
            raise f.error("fmin", f"{fmin!r} equals fmax={fmax!r} as a float32")
        f.number("log_floor", lo=MIN_LOG_FLOOR, hi=MAX_LOG_FLOOR)
        f.done()
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def frame_rate(self) -> float:
        """Frames per second (100 for a 10 ms hop)."""
        return self.sample_rate / self.hop_length

    @property
    def frame_size(self) -> int:
        """Values per frame: ``n_mfcc`` cepstra plus log-energy."""
        return self.n_mfcc + 1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FrontendConfig":
        """From a bundle's ``"frontend"`` table; missing keys take the defaults."""
        f = Fields(data, SOURCE)
        for field in fields(cls):
            f.raw(field.name, None)
        f.done()
        return cls(**data)
