"""Animator: streaming speech in, head / gaze / blink frames out."""
import logging
import threading
from typing import NamedTuple

import numpy as np

from .audio import Frontend
from .audio.resample import Resampler
from .audio.samples import as_float32
from .errors import BadAudioError
from .events.motion import MotionRenderer, runtime_configs, style_remainder
from .model.backends import make_backend
from .model.bundle import DEFAULT_BUNDLE, Bundle
from .model.features import FeatureStacker
from .model.outputs import OUTPUT_RANGES, OutputLayout
from .model.style_table import style_code

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

    Per frame the network gives head angles, eye-event hazards and gaze targets; the events
    are drawn and rendered with physiology (main-sequence saccades, full blinks), and a
    voice-activity detector decides whether the person is :attr:`speaking` or listening.

    Threads: one Animator carries one audio stream, so call :meth:`step` from one thread (one
    Animator per stream). Calls from several threads are serialised by a lock, each step atomic;
    a :meth:`reset` from another thread (barge-in) lands between two steps.

    >>> import numpy as np
    >>> anim = Animator(backend="numpy")
    >>> frames = anim.step(np.zeros(16000, np.float32))    # 1 s of audio at 16 kHz
    >>> len(frames), anim.frame_rate, anim.speaking
    (24, 25.0, False)
    >>> anim.set_style({"calm": 0.7, "lively": 0.3}); anim.reset()
    """

    def __init__(self, model=None, style=None, backend="auto", threads=1, seed=0, input_rate=None):
        bundle = Bundle.load(model or DEFAULT_BUNDLE)
        self._setup(bundle, make_backend(bundle, backend, threads), style, seed, input_rate)

    @classmethod
    def from_checkpoint(cls, checkpoint, style=None, seed=0, input_rate=None) -> "Animator":
        """The float32 checkpoint on the numpy step (what training produced, before quantize)."""
        from .model.checkpoint import Checkpoint
        from .model.numpy_step import NumpyStep

        ck = checkpoint if isinstance(checkpoint, Checkpoint) else Checkpoint.load(checkpoint)
        m = ck.model
        step = NumpyStep(ck.generator_weights(), m["layers"], m["cell_clip"])
        step.name = "numpy-fp32"
        view = _CheckpointView(ck)
        self = cls.__new__(cls)
        self._setup(view, step, style, seed, input_rate)
        return self

    def _setup(self, bundle, backend, style, seed, input_rate):
        from .audio.vad import VoiceActivity

        self.bundle = bundle
        m = bundle.model
        self._backend = backend
        self._frontend = Frontend(bundle.frontend)
        self._vad = VoiceActivity(frontend=bundle.frontend)
        self._stacker = FeatureStacker(m["stack"], bundle.frontend.frame_size)
        self._feat_mean, self._feat_std = bundle.norm["feat_mean"], bundle.norm["feat_std"]
        self._noise_dim = m["noise_dim"]
        self._layout = OutputLayout(len(m["outputs"]) - 8)
        eyes, head = runtime_configs(m, "bundle.json")
        self._renderer = MotionRenderer(self._layout, bundle.norm, eyes, head, float(m["fps"]), seed)
        self._lo, self._hi = bundle.output_ranges[:, 0].astype(np.float64), bundle.output_ranges[:, 1].astype(np.float64)
        self._lock = threading.Lock()
        self.input_rate = self._check_rate(bundle.frontend.sample_rate if input_rate is None else input_rate)
        self._resampler = (Resampler(self.input_rate, bundle.frontend.sample_rate)
                           if self.input_rate != bundle.frontend.sample_rate else None)
        self.seed = seed
        self.set_style(style if style is not None else bundle.config.get("default_style", next(iter(bundle.styles))))
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

    @property
    def speaking(self) -> bool:
        """Whether the voice-activity state at the last frame was speech (else: listening)."""
        return self._speaking

    # control --------------------------------------------------------------------
    def set_style(self, style):
        """A style name, a ``{name: weight}`` blend, or a raw code vector."""
        code = style_code(self.bundle.styles, style, self.bundle.model["style_dim"])
        self._renderer.set_remainder(*style_remainder(self.bundle.styles, style, code))
        self._style, self.style = code, style

    def reset(self):
        """Back to the initial state: empty buffers, zero LSTM state, t = 0, draws reseeded.

        May be called from another thread than :meth:`step` (barge-in): it waits for a running
        step and takes effect before the next one."""
        with self._lock:
            self._frontend.reset()
            if self._resampler is not None:
                self._resampler.reset()
            self._vad.reset()
            self._stacker.reset()
            layers, hidden = self.bundle.model["layers"], self.bundle.model["hidden"]
            self._h = np.zeros((layers, hidden), np.float32)
            self._c = np.zeros((layers, hidden), np.float32)
            self._rng = np.random.default_rng(self.seed)
            self._renderer.reset(self.seed)
            self._count = 0
            self._last_raw = np.zeros(self._layout.size, np.float32)
            self._last_raw[self._layout.saccade] = self._last_raw[self._layout.blink] = -30.0
            self._speaking = False
            self._bad_state_logged = False

    def state_norm(self) -> float:
        """Norm of the LSTM state (for soak monitoring)."""
        return float(np.sqrt(np.sum(self._h ** 2) + np.sum(self._c ** 2)))

    # streaming ------------------------------------------------------------------
    @staticmethod
    def _check_rate(rate) -> int:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate != int(rate) or not 4000 <= rate <= 192000:
            raise BadAudioError(f"input_rate must be a whole number of Hz in 4000..192000, got {rate!r}")
        return int(rate)

    def step(self, chunk, rate=None) -> list:
        """Feeds a chunk (1-D float32 in [-1, 1] or int16, any length) and returns the completed frames.

        The chunk is at :attr:`input_rate` Hz (the model's 16 kHz unless the Animator was made
        with ``input_rate=``); pass ``rate=`` to have that checked: audio at another rate would
        animate at the wrong speed, so it is refused rather than guessed."""
        if rate is not None and self._check_rate(rate) != self.input_rate:
            raise BadAudioError(f"this Animator takes {self.input_rate} Hz audio, got a {rate} Hz chunk; create "
                                f"it with Animator(input_rate={int(rate)}) to resample that stream")
        x = as_float32(chunk)
        with self._lock:
            if self._resampler is not None:
                x = self._resampler.process(x)
            frames = self._frontend.process(x)
            speech = self._vad.process(frames).speaking        # one value per model frame (same stacking)
            feats = self._stacker.push(frames)
            n = len(feats)
            if n == 0:
                return []
            feats = ((feats - self._feat_mean) / self._feat_std).astype(np.float32)
            draws = self._rng.standard_normal((n, self._noise_dim + 3)).astype(np.float32)
            raw = np.empty((n, self._layout.size), np.float32)
            h, c = self._h, self._c
            for k in range(n):
                out, h2, c2 = self._backend(np.concatenate([feats[k], draws[k, :self._noise_dim]]), self._style, h, c)
                if np.isfinite(out).all() and np.isfinite(h2).all() and np.isfinite(c2).all():
                    h, c, self._last_raw = h2, c2, out
                else:
                    if not self._bad_state_logged:
                        log.error("the model produced NaN/Inf; holding its last output and resetting its state")
                        self._bad_state_logged = True
                    h, c = np.zeros_like(h), np.zeros_like(c)
                raw[k] = self._last_raw
            self._h, self._c = h, c
            speaking = speech.astype(np.float64)
            motion = self._renderer.render(raw, speaking, draws[:, self._noise_dim:])
            motion = np.clip(np.nan_to_num(motion, nan=0.0, posinf=0.0, neginf=0.0), self._lo, self._hi)
            self._speaking = bool(speaking[-1] >= 0.5)
            fps = self.frame_rate
            t0 = self._count
            self._count += n
            return [Frame((t0 + k) / fps, *row) for k, row in enumerate(motion.tolist())]


class _CheckpointView:
    """A checkpoint seen through the attributes the Animator reads from a bundle."""

    def __init__(self, ck):
        self.path, self.frontend, self.model, self.norm, self.styles = ck.path, ck.frontend, ck.model, ck.norm, ck.styles
        self.output_ranges = np.asarray(OUTPUT_RANGES, np.float32)
        self.config = {"default_style": ck.training.get("default_style", next(iter(ck.styles)))}
