"""Pure-numpy MFCC: the same math as csrc/sgt_mfcc.c, and the test oracle for it."""
import numpy as np

from .frontend_config import FrontendConfig

MAX_ABS = np.float32(1e6)   # as SGT_MFCC_MAX_ABS in csrc/sgt_mfcc.h: keeps every power finite


def hz_to_mel(hz):
    """Slaney's mel scale (librosa's default, ``htk=False``)."""
    hz = np.asarray(hz, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3.0, 1000.0
    logstep = np.log(6.4) / 27.0
    return np.where(hz < min_log_hz, hz / f_sp,
                    min_log_hz / f_sp + np.log(np.maximum(hz, 1e-12) / min_log_hz) / logstep)


def mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3.0, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(mel < min_log_mel, f_sp * mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)))


def mel_filterbank(cfg: FrontendConfig) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) slaney-normalised triangular filters."""
    n_bins = cfg.n_fft // 2 + 1
    fmin, fmax = float(np.float32(cfg.fmin)), float(np.float32(cfg.fmax))
    hz = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), cfg.n_mels + 2))
    freqs = np.arange(n_bins) * cfg.sample_rate / cfg.n_fft
    lower = (freqs[None, :] - hz[:-2, None]) / np.diff(hz)[:-1, None]
    upper = (hz[2:, None] - freqs[None, :]) / np.diff(hz)[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (hz[2:] - hz[:-2]))[:, None]


def dct_matrix(n_out: int, n_in: int) -> np.ndarray:
    """Orthonormal DCT-II as a matrix (``scipy.fft.dct(norm="ortho")``)."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    m = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    m[0] = np.sqrt(1.0 / n_in)
    return m


def periodic_hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


class NumpyMfcc:
    """Streaming MFCC + log-energy in numpy, frame-for-frame equal to the C core.

    >>> m = NumpyMfcc(FrontendConfig())
    >>> m.process(np.zeros(400 + 160, np.float32)).shape
    (2, 14)
    """

    def __init__(self, config: FrontendConfig):
        self.config = config
        self.frame_size = config.frame_size
        self._window = periodic_hann(config.win_length)
        self._mel = mel_filterbank(config)
        self._dct = dct_matrix(config.n_mfcc, config.n_mels)
        self._preemph = np.float32(config.preemph)
        self._floor = float(np.float32(config.log_floor))
        self.reset()

        self.nonfinite = 0

    def reset(self):
        self._pending = np.zeros(0, np.float32)
        self._prev = np.float32(0.0)

    @property
    def buffered(self) -> int:
        return int(self._pending.size)

    def process(self, samples: np.ndarray) -> np.ndarray:
        cfg = self.config
        finite = np.isfinite(samples)
        x = samples
        if not finite.all():
            self.nonfinite += int(samples.size - np.count_nonzero(finite))
            x = np.where(finite, samples, np.float32(0.0)).astype(np.float32)
        if x.size and np.abs(x).max() > MAX_ABS:
            x = np.clip(x, -MAX_ABS, MAX_ABS)
        if x.size:
            y = np.empty_like(x)
            y[0] = x[0] - self._preemph * self._prev
            y[1:] = x[1:] - self._preemph * x[:-1]
            self._prev = x[-1]
            buf = np.concatenate([self._pending, y])
        else:
            buf = self._pending
        n_frames = 0 if buf.size < cfg.win_length else (buf.size - cfg.win_length) // cfg.hop_length + 1
        self._pending = buf[n_frames * cfg.hop_length:]
        if n_frames == 0:
            return np.zeros((0, self.frame_size), np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(buf, cfg.win_length)[:: cfg.hop_length][:n_frames]
        return self.compute(frames)

    def compute(self, frames: np.ndarray) -> np.ndarray:
        """Features of already pre-emphasised (n, win_length) frames."""
        frames = frames.astype(np.float64)
        energy = np.einsum("ij,ij->i", frames, frames)
        spec = np.fft.rfft(frames * self._window, n=self.config.n_fft)
        power = spec.real ** 2 + spec.imag ** 2
        logmel = 10.0 * np.log10(np.maximum(power @ self._mel.T, self._floor))
        out = np.empty((frames.shape[0], self.frame_size), np.float32)
        out[:, :-1] = logmel @ self._dct.T
        out[:, -1] = 10.0 * np.log10(np.maximum(energy, self._floor))
        return out
