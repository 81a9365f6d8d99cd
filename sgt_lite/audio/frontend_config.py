"""The frontend's parameters: one dataclass shared by C, numpy, training and bundles."""
from dataclasses import asdict, dataclass, fields

from ..errors import ConfigError


@dataclass(frozen=True)
class FrontendConfig:
    """MFCC frontend parameters. A bundle's config JSON stores them under ``"frontend"``.

    >>> cfg = FrontendConfig()
    >>> cfg.frame_rate, cfg.frame_size
    (100.0, 14)
    >>> FrontendConfig.from_dict(cfg.to_dict()) == cfg
    True
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
        problems = []
        if self.sample_rate <= 0:
            problems.append("sample_rate must be > 0")
        if self.n_fft < 4 or self.n_fft & (self.n_fft - 1):
            problems.append("n_fft must be a power of two >= 4")
        if not 0 < self.win_length <= self.n_fft:
            problems.append("need 0 < win_length <= n_fft")
        if not 0 < self.hop_length <= self.win_length:
            problems.append("need 0 < hop_length <= win_length")
        if not 0.0 <= self.preemph < 1.0:
            problems.append("need 0 <= preemph < 1")
        if not 1 <= self.n_mfcc <= self.n_mels:
            problems.append("need 1 <= n_mfcc <= n_mels")
        if not 0.0 <= self.fmin < self.fmax <= self.sample_rate / 2:
            problems.append("need 0 <= fmin < fmax <= sample_rate / 2")
        if not self.log_floor > 0:
            problems.append("log_floor must be > 0")
        if problems:
            raise ConfigError("invalid frontend config: " + "; ".join(problems))

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
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown frontend config keys {unknown}; known keys: {sorted(known)}")
        return cls(**data)
