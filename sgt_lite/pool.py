"""AnimatorPool: many audio streams through one model (a server animating many avatars, a lab of robots)."""
import logging
import threading

import numpy as np

from .animator import Animator, Frame, _Spec, _Stream, check_seed
from .audio.samples import as_float32
from .audio.vad import VadBank
from .events.head_motion import HeadBank
from .events.renderer import N_UNIFORMS, EyeBank
from .errors import BadAudioError, ConfigError
from .model.backends import make_backend
from .model.bundle import DEFAULT_BUNDLE, Bundle

log = logging.getLogger(__name__)

# From this many streams on, the per-frame work runs as arrays across streams; below it, numpy's
# per-call cost on tiny arrays outweighs the gain and each stream runs the lone Animator's path
# (the same frames either way; measured by benchmarks/bench_pool.py: even at about 8 streams).
VECTOR_MIN_STREAMS = 8


class AnimatorPool:
    """Steps ``n_streams`` independent audio streams through one loaded model.

    Each stream has its own frontend, voice activity, LSTM state, seed and style, and gives
    exactly the frames a lone :class:`~sgt_lite.Animator` with the same seed would give for the
    same audio, whatever the chunk lengths; the streams share one model and one interpreter
    (one set of weights in the cache instead of one per stream). ``seeds`` defaults to
    ``0 .. n_streams - 1`` (two avatars fed the same audio still move differently).

    :meth:`step` takes one chunk per stream (a list of 1-D chunks of any lengths, or a
    (n_streams, n) array; an empty chunk for a stream with nothing new) and returns one list
    of :class:`~sgt_lite.animator.Frame` per stream.

    >>> import numpy as np
    >>> pool = AnimatorPool(n_streams=3, backend="numpy")
    >>> out = pool.step([np.zeros(16000, np.float32), np.zeros(8000, np.float32), np.zeros(0, np.float32)])
    >>> [len(f) for f in out], pool.speaking
    ([24, 12, 0], [False, False, False])
    >>> pool.set_style(1, "calm"); pool.reset(2)
    """

    def __init__(self, n_streams, model=None, style=None, backend="auto", seeds=None, threads=1, input_rate=None):
        if isinstance(n_streams, bool) or not isinstance(n_streams, (int, np.integer)) or not 1 <= n_streams <= 100000:
            raise ConfigError(f"n_streams must be a whole number in 1..100000, got {n_streams!r}")
        n = int(n_streams)
        seeds = list(range(n)) if seeds is None else list(seeds)
        if len(seeds) != n:
            raise ConfigError(f"seeds has {len(seeds)} values for {n} streams; give one seed per stream")
        for k, seed in enumerate(seeds):
            check_seed(seed, f"seeds[{k}]")
        bundle = Bundle.load(model or DEFAULT_BUNDLE)
        self.bundle = bundle
        self._backend = make_backend(bundle, backend, threads)
        self._spec = _Spec(bundle)
        self.input_rate = Animator._check_rate(bundle.frontend.sample_rate if input_rate is None else input_rate)
        self._streams = [_Stream(self._spec, self.input_rate) for _ in range(n)]
        self._vectorised = n >= VECTOR_MIN_STREAMS
        self._vad = VadBank(n, frontend=bundle.frontend)
        sp = self._spec
        self._head = HeadBank(n, sp.head, sp.fps, self._streams[0].renderer.head.mean)
        self._eyes = EyeBank([s.renderer.eyes for s in self._streams])
        self._lo, self._hi = np.array(sp.lo), np.array(sp.hi)
        self._codes = np.zeros((n, sp.style_dim), np.float32)
        # the LSTM state and last good output of every stream, as arrays (the streams' own are unused)
        self._H = np.zeros((n, sp.layers, sp.hidden), np.float32)
        self._C = np.zeros((n, sp.layers, sp.hidden), np.float32)
        self._last = np.zeros((n, sp.layout.size), np.float32)
        if self._vad.block != self._spec.stack:
            raise ConfigError(f"{bundle.path}: the voice-activity block ({self._vad.block} frames) must equal the "
                              f"model's frame stacking ({self._spec.stack})")
        self.seeds = seeds
        self._lock = threading.Lock()
        default = style if style is not None else bundle.config.get("default_style", next(iter(bundle.styles)))
        self.styles_in_use = [None] * n
        for i in range(n):
            self.set_style(i, default)
        self.reset()

    def __len__(self) -> int:
        return len(self._streams)

    @property
    def backend(self) -> str:
        return self._backend.name

    @property
    def frame_rate(self) -> float:
        return self._spec.fps

    @property
    def sample_rate(self) -> int:
        return self.bundle.frontend.sample_rate

    @property
    def speaking(self) -> list:
        """Per stream: whether the voice-activity state at its last frame was speech."""
        return [s.speaking for s in self._streams]

    def _index(self, i) -> int:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not -len(self) <= i < len(self):
            raise ConfigError(f"stream index must be a whole number in 0..{len(self) - 1}, got {i!r}")
        return int(i) % len(self)

    def set_style(self, i, style):
        """Stream ``i``'s style: a name, a ``{name: weight}`` blend or a raw code (as Animator.set_style)."""
        i = self._index(i)
        parts = self._spec.style(style)
        code = parts[0]
        with self._lock:
            self._streams[i].set_style(*parts)
            self._codes[i] = code
            self._head.set_remainder(i, self._streams[i].renderer.head)
        self.styles_in_use[i] = style

    def reset(self, i=None):
        """Back to t = 0 for stream ``i`` (every stream when ``i`` is None), reseeded with its seed."""
        with self._lock:
            for k in (range(len(self)) if i is None else (self._index(i),)):
                self._streams[k].reset(self.seeds[k])
            self._vad.reset(None if i is None else self._index(i))
            sel = slice(None) if i is None else self._index(i)
            self._H[sel], self._C[sel] = 0.0, 0.0
            self._last[sel] = self._streams[0].last_raw
            self._head.reset(None if i is None else self._index(i))
            for k in (range(len(self)) if i is None else (self._index(i),)):
                self._eyes.load(k)

    def step(self, chunks) -> list:
        """One chunk per stream in; per stream the frames it completed (a list of lists)."""
        if isinstance(chunks, np.ndarray) and chunks.ndim == 2:
            chunks = list(chunks)
        elif not isinstance(chunks, (list, tuple)):
            raise BadAudioError(f"chunks must be a list of {len(self)} 1-D chunks or a ({len(self)}, n) array, "
                                f"got {type(chunks).__name__}")
        if len(chunks) != len(self):
            raise BadAudioError(f"got {len(chunks)} chunks for a pool of {len(self)} streams; pass one per "
                                "stream (an empty array for a stream with no new audio)")
        xs = [as_float32(c) for c in chunks]
        with self._lock:
            streams = self._streams
            if not self._vectorised:
                return self._step_each(xs)
            counts = [s.feed(x, pooled=True) for s, x in zip(streams, xs)]
            kmax = max(counts)
            if kmax == 0:
                return [[] for _ in streams]
            B, size = len(streams), self._spec.layout.size
            run, vad = self._backend.run, self._vad
            raw = np.zeros((B, kmax, size), np.float32)
            spk = np.zeros((B, kmax))
            z = np.zeros((B, kmax, 3))
            sp = self._spec
            d_in = sp.feature_dim + sp.noise_dim
            everyone = np.arange(B)
            for k in range(kmax):
                # every stream with a frame k ready: voice activity as arrays, the network through one interpreter
                ready = [i for i, n in enumerate(counts) if n > k]
                full = len(ready) == B
                idx = everyone if full else np.array(ready)
                feats = np.stack([streams[i].feats[k] for i in ready])
                draws = np.stack([streams[i].draws[k] for i in ready])
                spk[idx, k] = vad.step(idx, feats)
                x = np.empty((len(ready), d_in + sp.style_dim), np.float32)
                x[:, :sp.feature_dim] = (feats - sp.feat_mean) / sp.feat_std
                x[:, sp.feature_dim:d_in] = draws[:, :sp.noise_dim]
                x[:, d_in:] = self._codes[idx]
                z[idx, k] = draws[:, sp.noise_dim:]
                h, c = (self._H, self._C) if full else (self._H[idx], self._C[idx])
                out = np.empty((len(ready), size), np.float32)
                run(x, h, c, out)
                ok = np.isfinite(out).all(1) & np.isfinite(h).all((1, 2)) & np.isfinite(c).all((1, 2))
                if not ok.all():
                    self._hold(idx, ok, out, h, c)
                self._last[idx] = out
                if not full:
                    self._H[idx], self._C[idx] = h, c
                raw[idx, k] = out
            return self._finish(counts, raw, spk, z)

    def _step_each(self, xs) -> list:
        """A few streams: each through the lone Animator's path, the network calls still shared."""
        streams, run = self._streams, self._backend.run
        counts = [s.feed(x) for s, x in zip(streams, xs)]
        for k in range(max(counts)):
            for s, n in zip(streams, counts):
                if n > k:
                    run(s.xs[k:k + 1], s.h, s.c, s.out)
                    s.take(k)
        return [s.finish(n) if n else [] for s, n in zip(streams, counts)]

    def _hold(self, idx, ok, out, h, c):
        """Streams whose step gave NaN/Inf hold their last output and restart from a zero state."""
        for j in np.flatnonzero(~ok):
            s = self._streams[idx[j]]
            if not s.bad_state_logged:
                log.error("the model produced NaN/Inf on stream %d; holding its last output and resetting "
                          "its state", idx[j])
                s.bad_state_logged = True
            h[j], c[j], out[j] = 0.0, 0.0, self._last[idx[j]]

    def _finish(self, counts, raw, spk, z) -> list:
        """Eye events per stream, head motion and clamps for all streams as arrays, then frames."""
        streams, sp = self._streams, self._spec
        lay, fps = sp.layout, sp.fps
        B, kmax = raw.shape[:2]
        raw = raw.astype(np.float64)
        if any(s.hazard is not None for s in streams):
            bias = np.array([s.hazard or [0.0, 0.0] for s in streams])
            raw[:, :, lay.saccade] += bias[:, 0:1]
            raw[:, :, lay.blink] += bias[:, 1:2]
        r0 = streams[0].renderer
        net = raw[:, :, lay.head] * r0._std + r0._mean
        listen = spk < 0.5
        eyes = self._eyes
        u = np.zeros((B, kmax, N_UNIFORMS))
        for i, n in enumerate(counts):
            if n:
                u[i, :n] = eyes.draw(i, n)
        out = np.zeros((B, kmax, 6))
        everyone = np.arange(B)
        posing = any(s.posing for s in streams)
        if posing:
            target = np.array([s.offset for s in streams])
            pose = np.array([s.pose for s in streams])
        for k in range(kmax):
            ready = [i for i, n in enumerate(counts) if n > k]
            idx = everyone if len(ready) == B else np.array(ready)
            out[idx, k, :3] = self._head.step(idx, net[idx, k], spk[idx, k], z[idx, k])
            r = raw[idx, k]
            out[idx, k, 3:] = np.array(eyes.frame(idx, k, u[idx, k], r[:, lay.saccade], r[:, lay.blink], r[:, lay.target],
                                                  r[:, lay.state], listen[idx, k]), np.float32).T
            if posing:          # the lone Animator's pose easing, across streams
                pose[idx] = pose[idx] + (target[idx] - pose[idx]) * sp.pose_rate
                out[idx, k, :5] += pose[idx]
        for i, n in enumerate(counts):
            if n:
                eyes.advance(i, n)
        if posing:
            for i, s in enumerate(streams):
                s.pose = pose[i].tolist()
                s.posing = any(s.offset) or any(s.pose)
        if not np.isfinite(out).all():
            out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
        out = np.minimum(np.maximum(out, self._lo), self._hi)
        frames = []
        new = tuple.__new__
        for i, (s, n) in enumerate(zip(streams, counts)):
            if not n:
                frames.append([])
                continue
            t0 = s.count
            frames.append([new(Frame, ((t0 + k) / fps, *row)) for k, row in enumerate(out[i, :n].tolist())])
            s.speaking = bool(spk[i, n - 1] >= 0.5)
            s.count += n
        return frames
