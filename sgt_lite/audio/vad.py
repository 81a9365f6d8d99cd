"""Streaming voice activity over the frontend's frames: is someone speaking, or is it silence,
noise, music, room tone or clapping?

The detector decides once per block of ``block`` frontend frames (default 4 x 10 ms: one model
frame at 25 fps, aligned with the model's frame stacking). Per block it measures:

- energy above an adaptive noise floor (the minimum of the smoothed energy over the last 1.5 s),
  the loudest such value over the last 0.5 s, and the smoothed level itself;
- the spectral envelope's structure (the norm of cepstra c2..c12: flat spectra such as noise and
  claps have little, speech a mid-range amount, harmonic notes a lot), how far it exceeds what
  voices reach, and its tilt (c1);
- how fast the envelope changes (cepstral flux: speech changes sound every few tens of ms, held
  notes and steady noise do not), and its minimum over 0.3 s (a held note stops it, speech never);
- the syllable-rate modulation of the energy over 0.3 s and 1 s.

A small logistic model (the features, their squares and a few products) fitted by
``python -m sgt_lite.audio.fit_vad`` (weights in :mod:`sgt_lite.audio.vad_weights`) turns them
into a speech logit. Its smoothed value gives ``speech_prob``, and onset and hangover times on it
(hysteresis) give the ``speaking`` state.

The per-block work is a few dozen scalar operations in order (no vector reductions whose rounding
could depend on the chunk length), so the output is bit-for-bit the same whatever the chunking,
and a 20 ms chunk costs a few microseconds.
"""
import dataclasses
import logging
import math
from collections import deque
from typing import NamedTuple

import numpy as np

from ..config_check import Fields
from ..errors import BadAudioError, ConfigError
from .frontend_config import FrontendConfig

log = logging.getLogger(__name__)

N_CEPSTRA = 13          # the features use c1..c12 of the frontend's cepstra
FEATURE_NAMES = ("snr_db", "snr_max_db", "level_db", "envelope", "flux", "tilt", "modulation", "modulation_1s",
                 "flux_min_0.3s")
N_FEATURES = len(FEATURE_NAMES)
# model terms: every feature, then these squares and products (indices into FEATURE_NAMES)
PAIRS = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8),
         (0, 4), (0, 6), (3, 4), (3, 5), (4, 6), (1, 7), (2, 3), (0, 3), (3, 8), (0, 8))
# Voices keep their smoothed cepstral envelope norm below ENVELOPE_VOICE_MAX (p99.9 = 59 over 19
# held-out talking clips); beyond it every unit costs ENVELOPE_PENALTY of speech logit, so
# harmonic music with fast note changes cannot pass for speech.
ENVELOPE_VOICE_MAX = 60.0
ENVELOPE_PENALTY = 0.5
N_TERMS = N_FEATURES + len(PAIRS)
_FEW_FRAMES = 32        # up to this many frames per call, block means are summed in Python


@dataclasses.dataclass(frozen=True)
class VadConfig:
    """Timing of the detector. A bundle may store it under ``"vad"``.

    ``block``: frontend frames per decision (4 = one 25 fps model frame); ``onset_s``: speech
    evidence needed before ``speaking`` turns on; ``hangover_s``: quiet needed before it turns off
    (pauses between words keep it on); ``on_logit`` / ``off_logit``: the smoothed speech logit
    above which evidence counts / below which quiet counts; ``smooth_s``: smoothing of the logit.

    >>> VadConfig.from_dict({"hangover_s": 0.5}).hangover_s
    0.5
    """

    block: int = 4
    onset_s: float = 0.2
    hangover_s: float = 0.4
    on_logit: float = 0.5
    off_logit: float = -0.5
    smooth_s: float = 0.1

    def __post_init__(self):
        if not self.off_logit <= self.on_logit:
            raise ConfigError("vad: need off_logit <= on_logit (hysteresis)")
        if not (isinstance(self.block, int) and 1 <= self.block <= 100):
            raise ConfigError(f"vad: block must be a whole number of frames in [1, 100], got {self.block!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d, source: str = "bundle.json") -> "VadConfig":
        f = Fields(d, source, "vad")
        v = cls(block=f.integer("block", cls.block, lo=1, hi=100),
                onset_s=f.number("onset_s", cls.onset_s, lo=0.0, hi=2.0),
                hangover_s=f.number("hangover_s", cls.hangover_s, lo=0.0, hi=5.0),
                on_logit=f.number("on_logit", cls.on_logit, lo=-10.0, hi=10.0),
                off_logit=f.number("off_logit", cls.off_logit, lo=-10.0, hi=10.0),
                smooth_s=f.number("smooth_s", cls.smooth_s, lo=0.0, hi=1.0))
        f.done()
        return v


class VadOutput(NamedTuple):
    """One value per completed block: ``speech_prob`` (0..1, smoothed) and ``speaking`` (the
    hysteresis state)."""

    speech_prob: np.ndarray
    speaking: np.ndarray


def _norm(v) -> float:
    """Euclidean norm as a plain left-to-right sum of squares (the C stage adds the same way)."""
    s = 0.0
    for x in v:
        s += x * x
    return math.sqrt(s)


def _dist(a, b) -> float:
    s = 0.0
    for x, y in zip(a, b):
        d = x - y
        s += d * d
    return math.sqrt(s)


def _column_means(rows, inv) -> list:
    """Per column, 0.0 plus the rows in order, times ``inv`` (no builtin sum: Python 3.12 compensates it)."""
    acc = [0.0] * len(rows[0])
    for r in rows:
        acc = [a + v for a, v in zip(acc, r)]
    return [a * inv for a in acc]


def _ema_keep(seconds: float, rate: float) -> float:
    """Per-step decay of an exponential moving average with time constant ``seconds``."""
    return 0.0 if seconds <= 0 else math.exp(-1.0 / (seconds * rate))


class VoiceActivity:
    """Streaming voice-activity detector on :class:`~sgt_lite.audio.Frontend` frames.

    ``process(frames)`` takes an (n, 14) chunk (13 cepstra + log-energy per 10 ms) and returns a
    :class:`VadOutput` with one value per block of ``config.block`` frames completed so far
    (leftover frames wait for the next chunk, as the model's frame stacking does);
    :attr:`speaking` and :attr:`speech_prob` hold the latest block's values.

    >>> from sgt_lite.audio import Frontend, read_wav, SAMPLE_WAV
    >>> from sgt_lite.audio.synthetic import white_noise
    >>> fe, vad = Frontend(), VoiceActivity()
    >>> speech, _ = read_wav(SAMPLE_WAV)
    >>> out = vad.process(fe.process(speech))
    >>> len(out.speaking), vad.block_rate, vad.speaking, float(out.speaking.mean()) > 0.6
    (299, 25.0, True, True)
    >>> fe.reset(); vad.reset()
    >>> out = vad.process(fe.process(white_noise(5.0, -40.0)))
    >>> bool(out.speaking.any()), vad.speaking
    (False, False)
    """

    def __init__(self, config: VadConfig = None, frontend: FrontendConfig = None, weights: dict = None):
        self.config = config if config is not None else VadConfig()
        if not isinstance(self.config, VadConfig):
            raise ConfigError(f"config must be a VadConfig, got {type(self.config).__name__}")
        if weights is None:
            from .vad_weights import WEIGHTS as weights
        fe = frontend if frontend is not None else FrontendConfig()
        try:
            fitted = FrontendConfig.from_dict(weights["frontend"])
            mean = [float(v) for v in weights["feature_mean"]]
            scale = [float(v) for v in weights["feature_scale"]]
            coef = [float(v) for v in weights["coef"]]
            intercept = float(weights["intercept"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"VAD weights: missing or bad field ({exc!r}); refit them with "
                              "'python -m sgt_lite.audio.fit_vad'") from exc
        if fe != fitted:
            raise ConfigError(f"the VAD weights were fitted for the frontend {fitted.to_dict()}, not "
                              f"{fe.to_dict()}; refit them with 'python -m sgt_lite.audio.fit_vad'")
        if len(mean) != N_FEATURES or len(scale) != N_FEATURES or len(coef) != N_TERMS or min(scale) <= 0:
            raise ConfigError(f"VAD weights: need {N_FEATURES} means, {N_FEATURES} positive scales and "
                              f"{N_TERMS} coefficients; refit them with 'python -m sgt_lite.audio.fit_vad'")
        if fe.n_mfcc < N_CEPSTRA:
            raise ConfigError(f"the VAD needs at least {N_CEPSTRA} cepstra, the frontend gives {fe.n_mfcc}")
        self.frontend = fe
        self.frame_size = fe.frame_size
        self._mean, self._inv_scale = mean, [1.0 / s for s in scale]
        self._coef, self._intercept = coef, intercept
        c = self.config
        self.block_rate = fe.frame_rate / c.block
        br = self.block_rate
        self._k_energy = _ema_keep(0.05, br)
        self._k_feat = _ema_keep(0.2, br)
        self._k_fast, self._k_slow = _ema_keep(0.04, br), _ema_keep(0.25, br)
        self._k_mod, self._k_mod_long = _ema_keep(0.3, br), _ema_keep(1.0, br)
        self._k_smooth = _ema_keep(c.smooth_s, br)
        self._floor_n = max(1, round(1.5 * br))
        self._snr_n = max(1, round(0.5 * br))
        self._flux_n = max(1, round(0.3 * br))
        self._onset = max(1, round(c.onset_s * br))
        self._hang = max(1, round(c.hangover_s * br))
        self.reset()

    def reset(self):
        """Forgets the noise floor, the smoothing, pending frames and the state (not speaking)."""
        self._pending = []
        self._first = True
        self._ema = [0.0] * 9       # energy, envelope, flux, tilt, fast, slow, mod, mod_long, logit
        self._prev_cep = None
        self._energy_hist = deque(maxlen=self._floor_n)
        self._snr_hist = deque(maxlen=self._snr_n)
        self._flux_hist = deque(maxlen=self._flux_n)
        self._run_on = self._run_off = 0
        self.speaking = False
        self.speech_prob = 0.0

    def _block_means(self, frames) -> list:
        """Means of the frames of each block this chunk completes, as lists. Frames are added in
        order (Python for a few frames, numpy for many: the same IEEE additions either way)."""
        x = np.asarray(frames)
        if x.ndim != 2 or x.shape[1] != self.frame_size:
            raise BadAudioError(f"VAD frames must be (n, {self.frame_size}) frontend frames, got shape {x.shape}")
        if not np.isfinite(x).all():
            x = np.where(np.isfinite(x), x, 0.0)
        b = self.config.block
        pending = self._pending
        total = len(pending) + len(x)
        n = total // b
        if total <= _FEW_FRAMES:
            rows = pending + x.tolist()
            self._pending = rows[n * b:]
            inv = 1.0 / b
            return [_column_means(rows[i * b:(i + 1) * b], inv) for i in range(n)]
        if pending:
            x = np.concatenate([np.asarray(pending, np.float64), x])
        x = x.astype(np.float64)
        self._pending = x[n * b:].tolist()
        if n == 0:
            return []
        acc = x[0:n * b:b] + 0.0                   # 0.0 first, as _column_means adds
        for i in range(1, b):
            acc = acc + x[i:n * b:b]
        return (acc * (1.0 / b)).tolist()

    def features(self, frames) -> np.ndarray:
        """(n_blocks, N_FEATURES) raw features of the blocks a chunk completes (advances the
        stream like :meth:`process`, without the decision; for fitting and inspection)."""
        return np.array([self._block_features(r) for r in self._block_means(frames)]).reshape(-1, N_FEATURES)

    def _block_features(self, mean) -> list:
        e = mean[-1]
        cep = mean[1:N_CEPSTRA]
        env = _norm(cep[1:])
        prev = self._prev_cep
        flux = _dist(cep, prev) if prev is not None else 0.0
        self._prev_cep = cep
        m = self._ema
        if self._first:
            m[0], m[1], m[2], m[3], m[4], m[5] = e, env, flux, cep[0], e, e
            self._first = False
        k = self._k_energy
        m[0] = k * m[0] + (1.0 - k) * e
        k = self._k_feat
        m[1] = k * m[1] + (1.0 - k) * env
        m[2] = k * m[2] + (1.0 - k) * flux
        m[3] = k * m[3] + (1.0 - k) * cep[0]
        m[4] = self._k_fast * m[4] + (1.0 - self._k_fast) * e
        m[5] = self._k_slow * m[5] + (1.0 - self._k_slow) * e
        swing = abs(m[4] - m[5])
        m[6] = self._k_mod * m[6] + (1.0 - self._k_mod) * swing
        m[7] = self._k_mod_long * m[7] + (1.0 - self._k_mod_long) * swing
        self._energy_hist.append(m[0])
        snr = min(m[0] - min(self._energy_hist), 40.0)
        self._snr_hist.append(snr)
        self._flux_hist.append(flux)
        return [snr, max(self._snr_hist), min(max(m[0], -60.0), 40.0), m[1], m[2], m[3],
                m[6] / (m[6] + 2.0), m[7] / (m[7] + 2.0), min(self._flux_hist)]

    def _logit(self, f) -> float:
        z = [(v - mu) * s for v, mu, s in zip(f, self._mean, self._inv_scale)]
        out = self._intercept - ENVELOPE_PENALTY * max(f[3] - ENVELOPE_VOICE_MAX, 0.0)
        for w, v in zip(self._coef, z):
            out += w * v
        for w, (i, j) in zip(self._coef[N_FEATURES:], PAIRS):
            out += w * z[i] * z[j]
        return out

    def process(self, frames) -> VadOutput:
        """Speech probability and speaking state for each block the chunk completes."""
        prob, speaking = self.decide(frames)
        return VadOutput(np.array(prob, np.float32).reshape(-1), np.array(speaking, bool).reshape(-1))

    def decide(self, frames) -> tuple:
        """:meth:`process` as two lists (speech probabilities, speaking states): no arrays to
        build for the many chunks that complete no block."""
        x = frames
        if len(self._pending) + len(x) < self.config.block and type(x) is np.ndarray and x.ndim == 2 \
                and x.shape[1] == self.frame_size:
            if len(x):
                rows = x.tolist()
                if not all(map(math.isfinite, map(sum, rows))):
                    rows = np.where(np.isfinite(x), x, 0.0).tolist()
                self._pending += rows
            return [], []
        return self._decide_means(self._block_means(frames))

    def decide_stacked(self, blocks) -> list:
        """Speaking states of whole blocks given as stacked frames, (n, block * frame_size) (the
        model's input rows, so no frames wait here); the same sums and decisions as :meth:`decide`."""
        b, fs = self.config.block, self.frame_size
        inv = 1.0 / b
        means = []
        for r in blocks.tolist():
            if not all(map(math.isfinite, r)):
                r = [v if math.isfinite(v) else 0.0 for v in r]
            means.append(_column_means([r[i * fs:(i + 1) * fs] for i in range(b)], inv))
        return self._decide_means(means)[1]

    def _decide_means(self, means) -> tuple:
        prob, speaking = [], []
        c, m = self.config, self._ema
        ks = self._k_smooth
        for row in means:
            z = self._logit(self._block_features(row))
            m[8] = ks * m[8] + (1.0 - ks) * z
            zs = m[8]
            self._run_on = self._run_on + 1 if zs >= c.on_logit else 0
            self._run_off = self._run_off + 1 if zs < c.off_logit else 0
            if self._run_on >= self._onset:
                self.speaking = True
            elif self._run_off >= self._hang:
                self.speaking = False
            self.speech_prob = 1.0 / (1.0 + math.exp(-min(max(zs, -30.0), 30.0)))
            prob.append(self.speech_prob)
            speaking.append(self.speaking)
        return prob, speaking

    def logits(self, features) -> np.ndarray:
        """The (unsmoothed) speech logit of each row of raw features."""
        return np.array([self._logit(list(map(float, f))) for f in np.asarray(features, np.float64)])


def fixed_offset(features) -> np.ndarray:
    """The part of the logit that is not fitted: the penalty beyond the voices' envelope range."""
    f = np.asarray(features, np.float64)
    return -ENVELOPE_PENALTY * np.maximum(f[:, 3] - ENVELOPE_VOICE_MAX, 0.0)


def design(features) -> np.ndarray:
    """(n, N_TERMS) model terms of standardised features (the layout the weights use)."""
    z = np.asarray(features, np.float64)
    return np.concatenate([z, np.stack([z[:, i] * z[:, j] for i, j in PAIRS], axis=1)], axis=1) \
        if len(z) else np.zeros((0, N_TERMS))
