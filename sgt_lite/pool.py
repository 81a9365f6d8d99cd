"""AnimatorPool: many audio streams through one model (a server animating many avatars, a lab of robots)."""
import logging
import threading

import numpy as np

from .animator import Animator, _Spec, _Stream, check_seed
from .audio.samples import as_float32
from .errors import BadAudioError, ConfigError
from .model.backends import make_backend
from .model.bundle import DEFAULT_BUNDLE, Bundle

log = logging.getLogger(__name__)

# From this many streams on, the network inputs of all streams are built and checked as arrays;
# below it, each stream runs the lone Animator's path (the same frames either way; measured by
# benchmarks/bench_pool.py). The per-frame stages after the network run per stream in C.
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
        # without the C stages (SGT_LITE_FRAMES=python, or the extension not built) each stream runs the lone path
        self._vectorised = n >= VECTOR_MIN_STREAMS and self._spec.native
        sp = self._spec
        self._codes = np.zeros((n, sp.style_dim), np.float32)
        # the LSTM state and last good output of every stream, as arrays (the streams' own are unused)
        self._H = np.zeros((n, sp.layers, sp.hidden), np.float32)
        self._C = np.zeros((n, sp.layers, sp.hidden), np.float32)
        self._last = np.zeros((n, sp.layout.size), np.float32)
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
        self.styles_in_use[i] = style

    def reset(self, i=None):
        """Back to t = 0 for stream ``i`` (every stream when ``i`` is None), reseeded with its seed."""
        with self._lock:
            for k in (range(len(self)) if i is None else (self._index(i),)):
                self._streams[k].reset(self.seeds[k])
            sel = slice(None) if i is None else self._index(i)
            self._H[sel], self._C[sel] = 0.0, 0.0
            self._last[sel] = self._streams[0].last_raw

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
            steps = self._backend.steps
            raw = np.zeros((B, kmax, size), np.float32)
            sp = self._spec
            d_in = sp.feature_dim + sp.noise_dim
            everyone = np.arange(B)
            for k in range(kmax):
                # every stream with a frame k ready: the network through one interpreter
                ready = [i for i, n in enumerate(counts) if n > k]
                full = len(ready) == B
                idx = everyone if full else np.array(ready)
                feats = np.stack([streams[i].feats[k] for i in ready])
                draws = np.stack([streams[i].draws[k] for i in ready])
                x = np.empty((len(ready), d_in + sp.style_dim), np.float32)
                x[:, :sp.feature_dim] = (feats - sp.feat_mean) / sp.feat_std
                x[:, sp.feature_dim:d_in] = draws[:, :sp.noise_dim]
                x[:, d_in:] = self._codes[idx]
                h, c, last = (self._H, self._C, self._last) if full else (self._H[idx], self._C[idx], self._last[idx])
                out = np.empty((len(ready), size), np.float32)
                bad = steps(x, h, c, out, last, False)
                if bad:
                    self._log_bad(idx[bad])
                if not full:
                    self._H[idx], self._C[idx], self._last[idx] = h, c, last
                raw[idx, k] = out
            return [s._finish_native(n, raw[i, :n]) if n else [] for i, (s, n) in enumerate(zip(streams, counts))]

    def _step_each(self, xs) -> list:
        """A few streams: each through the lone Animator's path, the network calls still shared."""
        streams, steps = self._streams, self._backend.steps
        counts = [s.feed(x) for s, x in zip(streams, xs)]
        for k in range(max(counts)):
            for s, n in zip(streams, counts):
                if n > k and steps(s.xs[k:k + 1], s.h, s.c, s.raw[k:k + 1], s.last_raw, True):
                    s.bad_state()
        return [s.finish(n) if n else [] for s, n in zip(streams, counts)]

    def _log_bad(self, streams):
        """Streams whose step gave NaN/Inf (they hold their last output and restart from a zero state)."""
        for i in streams:
            s = self._streams[i]
            if not s.bad_state_logged:
                log.error("the model produced NaN/Inf on stream %d; holding its last output and resetting "
                          "its state", i)
                s.bad_state_logged = True
