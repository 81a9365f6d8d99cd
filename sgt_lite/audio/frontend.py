"""Streaming MFCC + log-energy frontend with a C core and a numpy reference."""
import logging
import os
import threading

import numpy as np

from ..errors import BackendUnavailableError, BadAudioError, ConfigError
from .frontend_config import FrontendConfig
from .mfcc_reference import NumpyMfcc
from .resample import Resampler
from .samples import as_float32

log = logging.getLogger(__name__)

FRONTEND_BACKENDS = ("auto", "c", "numpy")
FRONTEND_ENV = "SGT_LITE_FRONTEND"
C_MODULE = "sgt_lite.audio._mfcc"


def _load_c_core(config: FrontendConfig):
    import importlib

    try:
        module = importlib.import_module(C_MODULE)
    except ImportError as exc:
        raise BackendUnavailableError(
            f"the C MFCC extension {C_MODULE} is not built ({exc}); reinstall with "
            "'pip install .' and a C compiler, or use backend='numpy'") from exc
    return module.Mfcc(**config.to_dict())


_FLOAT32 = np.dtype(np.float32)


class _CCore:
    def __init__(self, config: FrontendConfig):
        self._m = _load_c_core(config)
        self.frame_size = config.frame_size
        self._row_bytes = 4 * self.frame_size

    def process(self, x: np.ndarray) -> np.ndarray:
        try:
            out = self._m.process(x)
        except (BufferError, ValueError):  # a strided view: the C core reads contiguous samples
            out = self._m.process(np.ascontiguousarray(x))
        # every hop the chunk completes, in one C call; wrapped without a copy
        return np.ndarray((len(out) // self._row_bytes, self.frame_size), _FLOAT32, out)

    def reset(self):
        self._m.reset()

    @property
    def buffered(self) -> int:
        return self._m.buffered

    @property
    def nonfinite(self) -> int:
        return self._m.nonfinite


class Frontend:
    """Turns audio, in chunks of any length, into MFCC + log-energy frames.

    Each frame holds ``n_mfcc`` cepstra then the log-energy (dB); a frame is
    emitted every ``hop_length`` samples once ``win_length`` samples are in.
    Feeding the same audio in any chunking gives the same frames.

    ``backend`` is ``"c"``, ``"numpy"`` or ``"auto"`` (C when built, else numpy
    with one warning); the ``SGT_LITE_FRONTEND`` environment variable overrides
    ``"auto"``. ``input_rate`` resamples a stream at another rate on the fly.

    Threads: one Frontend carries one stream. Its methods may be called from
    several threads (say, ``reset()`` from a control thread while an audio
    thread calls ``process()``); a per-object lock serialises them, so each
    call is atomic and sees the state the previous one left.

    >>> fe = Frontend()
    >>> fe.process(np.zeros(160, np.float32)).shape    # not a full window yet
    (0, 14)
    >>> fe.process(np.zeros(480, np.float32)).shape
    (2, 14)
    >>> fe.reset()
    """

    def __init__(self, config: FrontendConfig = None, backend: str = "auto", input_rate: int = None):
        self.config = config if config is not None else FrontendConfig()
        if not isinstance(self.config, FrontendConfig):
            raise ConfigError(f"config must be a FrontendConfig, got {type(self.config).__name__}")
        if backend not in FRONTEND_BACKENDS:
            raise ConfigError(f"unknown frontend backend {backend!r}; choose one of {FRONTEND_BACKENDS}")
        if backend == "auto":
            backend = os.environ.get(FRONTEND_ENV, "auto") or "auto"
            if backend not in FRONTEND_BACKENDS:
                raise ConfigError(
                    f"{FRONTEND_ENV}={backend!r} is not one of {FRONTEND_BACKENDS}")
        if backend == "auto":
            try:
                self._core = _CCore(self.config)
                backend = "c"
            except BackendUnavailableError as exc:
                log.warning("falling back to the numpy MFCC frontend: %s", exc)
                self._core = NumpyMfcc(self.config)
                backend = "numpy"
        elif backend == "c":
            self._core = _CCore(self.config)
        else:
            self._core = NumpyMfcc(self.config)
        self.backend = backend
        self._lock = threading.Lock()
        self._warned_nonfinite = False
        self._nonfinite_before_resampling = 0
        self.input_rate = self.config.sample_rate if input_rate is None else input_rate
        self._resampler = None
        if self.input_rate != self.config.sample_rate:
            self._resampler = Resampler(self.input_rate, self.config.sample_rate)

    @property
    def frame_rate(self) -> float:
        return self.config.frame_rate

    @property
    def frame_size(self) -> int:
        return self.config.frame_size

    @property
    def nonfinite_count(self) -> int:
        """NaN/Inf input samples replaced by 0.0 so far."""
        with self._lock:
            return self._nonfinite()

    def _nonfinite(self) -> int:
        return self._core.nonfinite + self._nonfinite_before_resampling

    def process(self, chunk) -> np.ndarray:
        """Returns a (n_frames, frame_size) float32 array of the frames this chunk completed.

        NaN and Inf samples are replaced by 0.0 (one warning the first time;
        ``nonfinite_count`` keeps the total), so they never reach a feature.
        """
        if type(chunk) is np.ndarray and chunk.dtype is _FLOAT32 and chunk.ndim == 1:
            x = chunk  # the common case, without as_float32's checks (it would return it as is)
        else:
            x = as_float32(chunk)
        with self._lock:
            if self._resampler is not None:
                # zero NaN/Inf before the filter would smear them over their neighbours
                finite = np.isfinite(x)
                if not finite.all():
                    self._nonfinite_before_resampling += int(x.size - np.count_nonzero(finite))
                    x = np.where(finite, x, np.float32(0.0))
                x = self._resampler.process(x)
            frames = self._core.process(x)
            warn = not self._warned_nonfinite and self._nonfinite() > 0
            self._warned_nonfinite = self._warned_nonfinite or warn
        if warn:
            log.warning("replaced NaN/Inf audio samples with 0.0; further ones are counted "
                        "silently in Frontend.nonfinite_count")
        return frames

    def reset(self):
        """Forgets buffered audio (e.g. on barge-in); the next frame starts fresh.

        From another thread, it takes effect between two ``process()`` calls."""
        with self._lock:
            self._core.reset()
            if self._resampler is not None:
                self._resampler.reset()


def require_rate(rate: int, expected: int, what: str = "audio"):
    """Raises :class:`BadAudioError` naming the resampling helpers when rates differ."""
    if rate != expected:
        raise BadAudioError(
            f"{what} is at {rate} Hz but {expected} Hz is needed; resample it with "
            f"sgt_lite.audio.resample(x, {rate}, {expected}), or stream it through "
            f"Frontend(input_rate={rate}) / sgt_lite.audio.Resampler({rate}, {expected})")
