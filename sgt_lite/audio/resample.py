"""Streaming polyphase resampler (windowed-sinc FIR), pure numpy."""
import math

import numpy as np

from ..errors import BadAudioError

_ZERO_CROSSINGS = 16
_ROLLOFF = 0.92
_KAISER_BETA = 8.6
_BLOCK = 8192


class Resampler:
    """Converts a stream from ``rate_in`` to ``rate_out`` Hz, chunk by chunk.

    The output lags the input by ``delay_s`` seconds (the FIR's group delay);
    :func:`resample` compensates it for whole signals.

    >>> r = Resampler(48000, 16000)
    >>> sum(len(r.process(np.zeros(480, np.float32))) for _ in range(100))
    16000
    """

    def __init__(self, rate_in: int, rate_out: int):
        if int(rate_in) != rate_in or int(rate_out) != rate_out or rate_in <= 0 or rate_out <= 0:
            raise BadAudioError(f"sample rates must be positive integers, got {rate_in} -> {rate_out}")
        self.rate_in, self.rate_out = int(rate_in), int(rate_out)
        g = math.gcd(self.rate_in, self.rate_out)
        self._up, self._down = self.rate_out // g, self.rate_in // g
        wide = max(self._up, self._down)
        half = int(math.ceil(_ZERO_CROSSINGS * wide / _ROLLOFF))
        half = -(-half // self._down) * self._down  # whole-output-sample delay
        k = np.arange(2 * half + 1) - half
        fc = 0.5 * _ROLLOFF / wide
        h = 2 * fc * np.sinc(2 * fc * k) * np.kaiser(2 * half + 1, _KAISER_BETA)
        h *= self._up / h.sum()
        self._taps = int(math.ceil(h.size / self._up))
        padded = np.zeros(self._taps * self._up)
        padded[: h.size] = h
        # bank[p, t] multiplies x[j - t] for the output whose upsampled index has phase p
        self._bank = padded.reshape(self._taps, self._up).T.copy()
        self.delay_s = half / (self._up * self.rate_in)
        self.reset()

    def reset(self):
        self._hist = np.zeros(self._taps - 1, np.float64)
        self._n_in = 0
        self._m = 0

    def process(self, chunk: np.ndarray) -> np.ndarray:
        x = np.asarray(chunk, dtype=np.float64)
        self._hist = np.concatenate([self._hist, x])
        self._n_in += x.size
        m_end = (self._n_in * self._up - 1) // self._down + 1 if self._n_in else 0
        base = self._n_in - (self._hist.size - (self._taps - 1))  # absolute index of hist[taps-1]
        outs = []
        for m0 in range(self._m, m_end, _BLOCK):
            m = np.arange(m0, min(m0 + _BLOCK, m_end))
            pos = m * self._down
            j = pos // self._up - base + (self._taps - 1)
            idx = j[:, None] - np.arange(self._taps)[None, :]
            outs.append(np.einsum("ij,ij->i", self._hist[idx], self._bank[pos % self._up]))
        self._m = m_end
        keep_from = (self._m * self._down) // self._up - base + (self._taps - 1) - (self._taps - 1)
        keep_from = max(0, min(keep_from, self._hist.size - (self._taps - 1)))
        self._hist = self._hist[keep_from:]
        if not outs:
            return np.zeros(0, np.float32)
        return np.concatenate(outs).astype(np.float32)


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resamples a whole signal with no delay; ``len(out) == ceil(len(x) * rate_out / rate_in)``.

    >>> resample(np.ones(4800, np.float32), 48000, 16000).shape
    (1600,)
    """
    if rate_in == rate_out:
        return np.asarray(x, dtype=np.float32)
    r = Resampler(rate_in, rate_out)
    n_out = int(math.ceil(len(x) * r.rate_out / r.rate_in))
    lag = int(round(r.delay_s * r.rate_out))  # integral by construction
    flush = np.zeros(int(math.ceil((r.delay_s + 2.0 / r.rate_out) * r.rate_in)) + r._taps, np.float32)
    y = np.concatenate([r.process(x), r.process(flush)])
    return y[lag: lag + n_out]
