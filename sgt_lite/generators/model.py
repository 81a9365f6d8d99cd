"""The trained model as an offline :class:`MotionGenerator`: exactly the Animator's streaming
pipeline (network, eye events, head remainder, voice activity) over a whole utterance."""
import numpy as np

from ..audio.resample import resample
from .base import MotionGenerator


class ModelGenerator(MotionGenerator):
    """Runs a checkpoint (float32, numpy step) or a bundle over a whole utterance.

    >>> t = ModelGenerator("sgt_lite/data/default_bundle").generate(np.zeros(16000, np.float32), style="calm")
    >>> t.fps, len(t)
    (25.0, 25)
    """

    name = "model"

    def __init__(self, model="checkpoints/default", style=None, backend="numpy"):
        import pathlib

        from ..animator import Animator
        from ..model.checkpoint import Checkpoint

        if isinstance(model, Checkpoint) or pathlib.Path(model, "config.json").is_file():
            self.anim = Animator.from_checkpoint(model, style=style)
        else:
            self.anim = Animator(model, style=style, backend=backend)
        super().__init__(self.anim.frame_rate)
        self.styles = tuple(self.anim.styles)
        self.default_style = self.anim.style

    def generate(self, audio, rate=16000, seed=0, style=None, chunk_s=1.0):
        a = self.anim
        if rate != a.sample_rate:
            audio = resample(np.asarray(audio, np.float32), rate, a.sample_rate)
        a.seed = seed
        a.set_style(self.default_style if style is None else style)
        a.reset()
        step = int(chunk_s * a.sample_rate)
        frames = []
        for i in range(0, len(audio), step):
            frames += a.step(audio[i:i + step])
        motion = np.array([f[1:] for f in frames], np.float32).reshape(-1, 6)
        n = self._frames(audio, a.sample_rate, self.fps)
        if len(motion) < n:
            pad = motion[-1:] if len(motion) else np.zeros((1, 6), np.float32)
            motion = np.concatenate([motion, np.repeat(pad, n - len(motion), axis=0)])
        return self._track(motion[:n])
