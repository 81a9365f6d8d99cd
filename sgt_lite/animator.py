"""Animator: streaming speech in, head / gaze / blink frames out."""
import logging
import math
import threading
from typing import NamedTuple

import numpy as np

from .audio import Frontend
from .audio.resample import Resampler
from .audio.samples import as_float32
from .errors import BadAudioError, ConfigError
from .events.block_draws import BlockDraws
from .events.motion import MotionRenderer, runtime_configs, style_hazard_bias, style_pose_offset, style_remainder
from .model.backends import make_backend
from .model.bundle import DEFAULT_BUNDLE, Bundle
from .model.features import FeatureStacker
from .model.outputs import OUTPUT_RANGES, OutputLayout
from .model.style_table import style_code

log = logging.getLogger(__name__)
POSE_EASE_S = 0.5       # time constant of the pose offset after a style change (no jump)


def check_seed(seed, what="seed") -> int:
    """A seed for the motion's random draws: a whole number >= 0, else :class:`ConfigError`."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"{what} must be a whole number >= 0, got {seed!r}")
    return int(seed)


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
        from .model.guarded_steps import c_guard
        from .model.numpy_step import NumpyStep

        ck = checkpoint if isinstance(checkpoint, Checkpoint) else Checkpoint.load(checkpoint)
        m = ck.model
        step = NumpyStep(ck.generator_weights(), m["layers"], m["cell_clip"], c_guard())
        step.name = "numpy-fp32"
        view = _CheckpointView(ck)
        self = cls.__new__(cls)
        self._setup(view, step, style, seed, input_rate)
        return self

    def _setup(self, bundle, backend, style, seed, input_rate):
        self.bundle = bundle
        self._backend = backend
        self._lock = threading.Lock()
        self.input_rate = self._check_rate(bundle.frontend.sample_rate if input_rate is None else input_rate)
        self._spec = _Spec(bundle)
        self._stream = _Stream(self._spec, self.input_rate)
        self._frontend = self._stream.frontend
        self.seed = check_seed(seed)
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
        return self._stream.speaking

    # control --------------------------------------------------------------------
    def set_style(self, style):
        """A style name, a ``{name: weight}`` blend, or a raw code vector."""
        parts = self._spec.style(style)
        with self._lock:
            self._stream.set_style(*parts)
        self._style, self.style = parts[0], style

    def reset(self):
        """Back to the initial state: empty buffers, zero LSTM state, t = 0, draws reseeded.

        May be called from another thread than :meth:`step` (barge-in): it waits for a running
        step and takes effect before the next one."""
        with self._lock:
            self._stream.reset(self.seed)

    @property
    def _h(self):
        return self._stream.h[0]

    @property
    def _c(self):
        return self._stream.c[0]

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
            st = self._stream
            n = st.feed(x)
            if n == 0:
                return []
            if self._backend.steps(st.xs[:n], st.h, st.c, st.raw, st.last_raw, True):
                st.bad_state()
            return st.finish(n)


class _Spec:
    """What every stream of one model shares: sizes, normalisation, clamps, configs, styles."""

    def __init__(self, bundle):
        m = bundle.model
        self.bundle = bundle
        self.layers, self.hidden = m["layers"], m["hidden"]
        self.noise_dim, self.feature_dim, self.style_dim = m["noise_dim"], m["feature_dim"], m["style_dim"]
        self.fps = float(m["fps"])
        self.stack = m["stack"]
        self.feat_mean, self.feat_std = bundle.norm["feat_mean"], bundle.norm["feat_std"]
        self.layout = OutputLayout(len(m["outputs"]) - 8)
        self.eyes, self.head = runtime_configs(m, "bundle.json")
        ranges = bundle.output_ranges.astype(np.float64)
        self.lo, self.hi = ranges[:, 0].tolist(), ranges[:, 1].tolist()
        self.zero = [min(max(0.0, lo), hi) for lo, hi in zip(self.lo, self.hi)]   # where NaN/Inf lands
        self.pose_rate = 1.0 - math.exp(-1.0 / (POSE_EASE_S * self.fps))       # a style change eases in
        from .events.native import frames_choice

        self.native = frames_choice() == "c"

    def style(self, style):
        """(code float32 (style_dim,), head remainder, pose offset (5,), hazard bias (2,)) of a style
        name, blend or raw code."""
        code = style_code(self.bundle.styles, style, self.style_dim)
        styles = self.bundle.styles
        return (code, style_remainder(styles, style, code), style_pose_offset(styles, style, code),
                style_hazard_bias(styles, style, code))


class _Stream:
    """One audio stream up to the network and after it: frontend, voice activity, stacking, noise
    draws, renderer and LSTM state. A lone :class:`Animator` has one; an ``AnimatorPool`` has one
    per stream and runs their network steps together, so both compute the same frames.

    :meth:`feed` leaves the network inputs of the n new model frames in ``xs[:n]``; the caller
    runs them through the backend's ``steps`` (state ``h``, ``c`` (1, layers, hidden), outputs
    into ``raw``, last good output ``last_raw``), calls :meth:`bad_state` if a row was replaced,
    then :meth:`finish` (n) for the frames."""

    def __init__(self, spec: _Spec, input_rate: int):
        from .audio.vad import VoiceActivity

        b = spec.bundle
        self.spec = spec
        self.frontend = Frontend(b.frontend)
        self.resampler = Resampler(input_rate, b.frontend.sample_rate) if input_rate != b.frontend.sample_rate else None
        self.vad = VoiceActivity(frontend=b.frontend)
        if self.vad.config.block != spec.stack:
            raise ConfigError(f"{b.path}: the voice-activity block ({self.vad.config.block} frames) must equal "
                              f"the model's frame stacking (model.stack = {spec.stack})")
        self.stacker = FeatureStacker(spec.stack, b.frontend.frame_size)
        self.renderer = MotionRenderer(spec.layout, b.norm, spec.eyes, spec.head, spec.fps, 0)
        # the per-frame draws of the network's noise and of the eye events, a block at a time
        self.noise_draws = BlockDraws(lambda: self.rng, spec.noise_dim + 3, "normal")
        eyes = self.renderer.eyes
        self.eye_draws = BlockDraws(lambda: eyes._rng, eyes.N_UNIFORMS, "uniform")
        self.d_in = spec.feature_dim + spec.noise_dim
        self.xs = np.zeros((0, self.d_in + spec.style_dim), np.float32)
        self.raw = np.zeros((0, spec.layout.size), np.float32)
        self.code = np.zeros(spec.style_dim, np.float32)
        self.offset, self.pose, self.posing, self.hazard = [0.0] * 5, [0.0] * 5, False, None
        self.h = np.zeros((1, spec.layers, spec.hidden), np.float32)
        self.c = np.zeros((1, spec.layers, spec.hidden), np.float32)
        self._speaking = False
        from .events.native import make_frames

        self.native = make_frames(Frame, self.vad, self.renderer, spec.lo, spec.hi, spec.zero, spec.pose_rate,
                                  spec.noise_dim, spec.feat_mean, spec.feat_std,
                                  self.d_in + spec.style_dim) if spec.native else None

    @property
    def speaking(self) -> bool:
        return self.native.speaking if self.native is not None else self._speaking

    @speaking.setter
    def speaking(self, value):
        self._speaking = value

    def set_style(self, code, remainder, offset, hazard):
        self.code = np.asarray(code, np.float32)
        self.xs[:, self.d_in:] = self.code
        self.renderer.set_remainder(*remainder)
        self.offset = [float(v) for v in offset]        # the pose eases to it (pose_rate per frame)
        if not getattr(self, "count", 0):               # no frame yet: start in this style's pose
            self.pose = list(self.offset)
        self.posing = any(self.offset) or any(self.pose)
        self.hazard = [float(v) for v in hazard] if any(hazard) else None
        if self.native is not None:
            self.native.set_style([v for c in self.renderer.head._coef for v in c], self.offset, self.hazard)

    def reset(self, seed):
        self.frontend.reset()
        if self.resampler is not None:
            self.resampler.reset()
        self.vad.reset()
        self.stacker.reset()
        self.h[:] = 0.0
        self.c[:] = 0.0
        self.rng = np.random.default_rng(seed)
        self.renderer.reset(seed)
        self.noise_draws.reset()
        self.eye_draws.reset()
        if self.native is not None:
            self.native.reset()
        self.count = 0
        self.last_raw = np.zeros(self.spec.layout.size, np.float32)
        self.last_raw[self.spec.layout.saccade] = self.last_raw[self.spec.layout.blink] = -30.0
        self.speaking = False
        self.bad_state_logged = False
        self.pending = 0
        self.pose = list(self.offset)                   # a new stream starts in its style's pose
        self.posing = any(self.pose)

    def feed(self, x, pooled=False) -> int:
        """Audio in; returns the number of model frames now ready (their inputs in ``xs[:n]``).
        ``pooled``: the caller (AnimatorPool) builds the inputs and the voice activity itself from
        ``feats`` (stacked frontend frames) and ``draws``; only those are made here."""
        if self.resampler is not None:
            x = self.resampler.process(x)
        feats = self.stacker.push(self.frontend.process(x))
        self.feats = feats
        n = len(feats)
        if n == 0:
            return 0
        sp = self.spec
        if pooled:
            self.draws = self.noise_draws.take(n)
            return n
        if self.native is None:
            self.speech = self.vad.decide_stacked(feats)      # one decision per model frame
        if not n <= len(self.xs) <= max(256, 4 * n):    # grow, or let a one-off huge chunk's buffers go
            self.xs = np.empty((n, self.d_in + sp.style_dim), np.float32)
            self.xs[:, self.d_in:] = self.code
            self.raw = np.empty((n, sp.layout.size), np.float32)
        draws = self.noise_draws.take(n)
        self.draws = draws
        if self.native is not None:
            self.native.inputs(n, feats, draws, self.xs)
        else:
            self.xs[:n, :sp.feature_dim] = (feats - sp.feat_mean) / sp.feat_std
            self.xs[:n, sp.feature_dim:self.d_in] = draws[:, :sp.noise_dim]
            self.normals = draws[:, sp.noise_dim:].tolist()
        self.pending = n
        return n

    def bad_state(self):
        if not self.bad_state_logged:
            log.error("the model produced NaN/Inf; holding its last output and resetting its state")
            self.bad_state_logged = True

    def finish(self, n) -> list:
        """The n frames of the model outputs taken since :meth:`feed`."""
        if self.native is not None:
            return self._finish_native(n, self.raw)
        sp = self.spec
        speaking = [1.0 if v else 0.0 for v in self.speech]
        raw = self.raw[:n].astype(np.float64)
        if self.hazard is not None:
            raw[:, sp.layout.saccade] += self.hazard[0]
            raw[:, sp.layout.blink] += self.hazard[1]
        rows = self.renderer.render_rows(raw, speaking, self.normals)
        self.speaking = speaking[-1] >= 0.5
        if self.posing:
            target, pose, a = self.offset, self.pose, sp.pose_rate
            for row in rows:
                for j in range(5):
                    p = pose[j] = pose[j] + (target[j] - pose[j]) * a
                    row[j] += p
            self.posing = any(target) or any(pose)
        lo, hi, zero = sp.lo, sp.hi, sp.zero
        fps, t0 = sp.fps, self.count
        self.count += n
        self.pending = 0
        frames = []
        new = tuple.__new__
        for k, row in enumerate(rows):
            for j in range(6):
                v = row[j]
                if not lo[j] <= v <= hi[j]:
                    row[j] = (hi[j] if v > hi[j] else lo[j]) if math.isfinite(v) else zero[j]
            frames.append(new(Frame, ((t0 + k) / fps, *row)))
        return frames

    def _finish_native(self, n, raw) -> list:
        """:meth:`finish` in C: the same frames (``raw``: the n network outputs, float32)."""
        nat = self.native
        seen = nat.nonfinite
        # the eye events' own seeded draws: the numbers the Python renderer takes, frame by frame
        frames = nat.run(n, self.feats, raw, self.draws, self.eye_draws.take(n), self.count)
        if nat.nonfinite != seen:
            self.renderer.eyes._nonfinite()
        self.count += n
        self.pending = 0
        return frames


class _CheckpointView:
    """A checkpoint seen through the attributes the Animator reads from a bundle."""

    def __init__(self, ck):
        self.path, self.frontend, self.model, self.norm, self.styles = ck.path, ck.frontend, ck.model, ck.norm, ck.styles
        self.output_ranges = np.asarray(OUTPUT_RANGES, np.float32)
        self.config = {"default_style": ck.training.get("default_style", next(iter(ck.styles)))}
