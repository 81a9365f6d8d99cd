"""Offline animation: a whole WAV file or sample array to a structured array of frames."""
import numpy as np

from .animator import Animator, Frame
from .audio.samples import as_float32

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
