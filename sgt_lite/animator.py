"""Animator: streaming speech in, head / gaze / blink frames out."""
import logging
import threading
from typing import NamedTuple

import numpy as np

from .audio import Frontend
from .audio.samples import as_float32
from .model.backends import make_backend
from .model.bundle import DEFAULT_BUNDLE, Bundle
from .model.features import FeatureStacker
from .model.generator import decode, style_code

log = logging.getLogger(__name__)


class Frame(NamedTuple):
    """One motion frame. Angles in degrees (gaze is eye-in-head), blink 0 = open .. 1 = closed,
    ``t`` = stream time in seconds since the last reset."""

    t: float
    head_yaw: float
    head_pitch: float
    head_roll: float
    gaze_yaw: float
    gaze_pitch: float
    blink: float


class Animator:
    """Turns a stream of speech into head, gaze and blink motion, one chunk at a time.

    ``model`` is a bundle folder (default: the bundled int8 model); ``style`` a name from
    :attr:`styles`, a ``{name: weight}`` blend or a raw code; ``backend`` is ``"auto"``,
    ``"litert"``, ``"onnx"`` or ``"numpy"``. ``seed`` fixes the motion's random draws, so the
    same audio gives the same frames whatever the chunking.

    >>> import numpy as np
    >>> anim = Animator(backend="numpy")
    >>> frames = anim.step(np.zeros(16000, np.float32))    # 1 s of audio at 16 kHz
    >>> len(frames), anim.frame_rate
    (24, 25.0)
    >>> anim.set_style({"calm": 0.7, "lively": 0.3}); anim.reset()
    """

    def __init__(self, model=None, style=None, backend="auto", threads=1, seed=0):
        self.bundle = Bundle.load(model or DEFAULT_BUNDLE)
        m = self.bundle.model
        self._backend = make_backend(self.bundle, backend, threads)
        self._frontend = Frontend(self.bundle.frontend)
        self._stacker = FeatureStacker(m["stack"], self.bundle.frontend.frame_size)
        self._feat_mean, self._feat_std = self.bundle.norm["feat_mean"], self.bundle.norm["feat_std"]
        self._noise_dim = m["noise_dim"]
        self._lo, self._hi = self.bundle.output_ranges[:, 0], self.bundle.output_ranges[:, 1]
        self.seed = seed
        self.set_style(style if style is not None else self.bundle.config.get("default_style", next(iter(self.bundle.styles))))
        self.reset()

    # properties -----------------------------------------------------------------
    @property
    def sample_rate(self) -> int:
        return self.bundle.frontend.sample_rate

    @property
    def frame_rate(self) -> float:
        return float(self.bundle.model["fps"])

    @property
    def styles(self) -> list:
        return sorted(self.bundle.styles)

    @property
    def latency_s(self) -> float:
        """Audio needed beyond a frame's start before it can be computed (window + stacking)."""
        return float(self.bundle.model["latency_s"])

    @property
    def backend(self) -> str:
        return self._backend.name

    # control --------------------------------------------------------------------
    def set_style(self, style):
        """A style name, a ``{name: weight}`` blend, or a raw code vector."""
        self._style = style_code(self.bundle.styles, style, self.bundle.model["style_dim"])
        self.style = style

    def reset(self):
        """Back to the initial state: empty buffers, zero LSTM state, t = 0, noise reseeded.

        May be called from another thread than :meth:`step` (barge-in): it waits for a running
        step and takes effect before the next one."""
        if not hasattr(self, "_lock"):  # the first reset() is the constructor's, before any sharing
            self._lock = threading.Lock()
        with self._lock:
            self._frontend.reset()
            self._stacker.reset()
            layers, hidden = self.bundle.model["layers"], self.bundle.model["hidden"]
            self._h = np.zeros((layers, hidden), np.float32)
            self._c = np.zeros((layers, hidden), np.float32)
            self._rng = np.random.default_rng(self.seed)
            self._count = 0
            self._last = np.zeros(6, np.float32)
            self._bad_state_logged = False

    def state_norm(self) -> float:
        """Norm of the LSTM state (for soak monitoring)."""
        return float(np.sqrt(np.sum(self._h ** 2) + np.sum(self._c ** 2)))

    # streaming ------------------------------------------------------------------
    def step(self, chunk) -> list:
        """Feeds a chunk (1-D float32 in [-1, 1] or int16, any length) and returns the completed frames.

        Threads: one Animator carries one audio stream, so call step() from one thread (use one
        Animator per stream). Calls from several threads are serialised by a lock, each step
        atomic, which keeps memory and the model backend safe but interleaves the streams."""
        x = as_float32(chunk)
        with self._lock:
            feats = self._stacker.push(self._frontend.process(x))
            if len(feats) == 0:
                return []
            feats = ((feats - self._feat_mean) / self._feat_std).astype(np.float32)
            frames = []
            fps = self.frame_rate
            for f in feats:
                noise = self._rng.standard_normal(self._noise_dim).astype(np.float32)
                raw, h, c = self._backend(np.concatenate([f, noise]), self._style, self._h, self._c)
                if not (np.isfinite(raw).all() and np.isfinite(h).all() and np.isfinite(c).all()):
                    if not self._bad_state_logged:
                        log.error("the model produced NaN/Inf; holding the last pose and resetting its state")
                        self._bad_state_logged = True
                    h, c = np.zeros_like(self._h), np.zeros_like(self._c)
                    motion = self._last
                else:
                    motion = np.clip(decode(raw[None, :6], self.bundle.norm)[0], self._lo, self._hi)
                self._h, self._c, self._last = h, c, motion
                frames.append(Frame(self._count / fps, *(float(v) for v in motion)))
                self._count += 1
            return frames


FRAME_DTYPE = np.dtype([(name, np.float32) for name in Frame._fields])


def animate(audio, rate=None, style=None, model=None, backend="auto", seed=0, chunk_s=1.0):
    """Offline helper: a WAV path or a sample array -> structured array of frames.

    >>> from sgt_lite.audio import SAMPLE_WAV
    >>> out = animate(SAMPLE_WAV, backend="numpy")
    >>> out.dtype.names[:3], len(out)
    (('t', 'head_yaw', 'head_pitch'), 299)
    """
    from .audio import read_wav, resample

    anim = Animator(model=model, style=style, backend=backend, seed=seed)
    if isinstance(audio, (str, bytes)) or hasattr(audio, "__fspath__"):
        x, rate = read_wav(audio)
    else:
        x = as_float32(audio)
        rate = rate or anim.sample_rate
    if rate != anim.sample_rate:
        x = resample(x, rate, anim.sample_rate)
    step = int(chunk_s * anim.sample_rate)
    frames = []
    for i in range(0, len(x), step):
        frames += anim.step(x[i:i + step])
    return np.array([tuple(f) for f in frames], dtype=FRAME_DTYPE)
