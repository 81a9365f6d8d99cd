"""Offline animation: a whole WAV file or sample array to a structured array of frames.

The audio goes through in blocks (file read, resampling, the Animator), so memory does not grow
with the file's length: an hour of audio needs the frames (2.5 MB) and one block.
"""
import math

import numpy as np

from .animator import Animator, Frame
from .audio.samples import as_float32

_OUTPUTS_PER_CALL = 1600
FRAME_DTYPE = np.dtype([(name, np.float32) for name in Frame._fields])


def _is_path(audio) -> bool:
    return isinstance(audio, (str, bytes)) or hasattr(audio, "__fspath__")


def _array_blocks(audio, step: int):
    """Blocks of an in-memory signal as float32, without converting it whole."""
    if type(audio) is not np.ndarray or audio.ndim != 1:
        audio = as_float32(audio)           # lists, wrong shapes and dtypes: as before (or its error)
    as_float32(audio[:0])                   # the dtype check, on nothing
    for i in range(0, len(audio), step):
        yield as_float32(audio[i:i + step])


def resampled_blocks(blocks, rate_in: int, rate_out: int):
    """Streams :func:`~sgt_lite.audio.resample.resample`: the blocks of one signal at ``rate_in`` in,
    blocks at ``rate_out`` out whose concatenation equals ``resample(whole signal)`` sample for
    sample (the FIR's delay dropped at the start, its tail flushed at the end).

    >>> from sgt_lite.audio import resample
    >>> x = np.sin(np.arange(44100) / 7.0).astype(np.float32)
    >>> y = np.concatenate(list(resampled_blocks((x[i:i + 1000] for i in range(0, x.size, 1000)), 44100, 16000)))
    >>> np.array_equal(y, resample(x, 44100, 16000))
    True
    """
    from .audio.resample import Resampler

    if rate_in == rate_out:
        yield from blocks
        return
    r = Resampler(rate_in, rate_out)
    skip = int(round(r.delay_s * r.rate_out))          # integral by construction
    # the FIR's work arrays are (outputs per call x taps): small calls keep them ~1 MB
    piece = max(1, _OUTPUTS_PER_CALL * r.rate_in // r.rate_out)
    n_in = sent = 0
    for block in blocks:
        n_in += len(block)
        parts = [r.process(block[i:i + piece]) for i in range(0, len(block), piece)]
        y = np.concatenate(parts) if len(parts) > 1 else parts[0] if parts else np.zeros(0, np.float32)
        drop = min(skip, len(y))
        skip -= drop
        if len(y) > drop:
            sent += len(y) - drop
            yield y[drop:]
    n_out = int(math.ceil(n_in * r.rate_out / r.rate_in))
    flush = np.zeros(int(math.ceil((r.delay_s + 2.0 / r.rate_out) * r.rate_in)) + r._taps, np.float32)
    y = r.process(flush)[skip:]
    if n_out > sent:
        yield y[:n_out - sent]


def audio_blocks(audio, rate=None, sample_rate=16000, block_s=1.0):
    """``(blocks, n_samples)``: the audio as float32 blocks of about ``block_s`` seconds at
    ``sample_rate`` (resampled on the way if the file or ``rate`` differs), and the number of
    samples they will add up to (None when the file's header does not say). A path is opened
    here (so its errors come at once) and read lazily; an array is sliced, never copied whole."""
    if _is_path(audio):
        from .audio.wav_io import open_wav

        src = open_wav(audio)
        rate, n_in = src.rate, src.frames

        def blocks():
            with src:
                yield from src.blocks(max(1, int(block_s * rate)))
        gen = blocks()
    else:
        rate = rate or sample_rate
        n_in = len(audio)
        gen = _array_blocks(audio, max(1, int(block_s * rate)))
    n = None if n_in is None else (n_in if rate == sample_rate else int(math.ceil(n_in * sample_rate / rate)))
    return resampled_blocks(gen, rate, sample_rate), n


def animate(audio, rate=None, style=None, model=None, backend="auto", seed=0, chunk_s=1.0):
    """Offline helper: a WAV path or a sample array -> structured array of frames.

    The file is read, resampled and animated in blocks of ``chunk_s`` seconds, in memory that
    does not grow with its length; the frames are the same as for the whole signal at once.

    >>> from sgt_lite.audio import SAMPLE_WAV
    >>> out = animate(SAMPLE_WAV, backend="numpy")
    >>> out.dtype.names[:3], len(out)
    (('t', 'head_yaw', 'head_pitch'), 299)
    """
    anim = Animator(model=model, style=style, backend=backend, seed=seed)
    blocks, n = audio_blocks(audio, rate, anim.sample_rate, chunk_s)
    size = 64 if n is None else int(n / anim.sample_rate * anim.frame_rate) + 2
    out = np.empty(size, FRAME_DTYPE)
    k = 0
    for x in blocks:
        frames = anim.step(x)
        if not frames:
            continue
        if k + len(frames) > len(out):                      # a header that undercounts: grow
            out = np.concatenate([out, np.empty(max(len(out), len(frames)), FRAME_DTYPE)])
        rows = np.array(frames, dtype=np.float64)           # Frames are tuples of Python floats
        for j, name in enumerate(FRAME_DTYPE.names):
            out[name][k:k + len(frames)] = rows[:, j]
        k += len(frames)
    out.resize(k, refcheck=False)      # in place: no second copy of an hour's frames (it owns its data)
    return out
