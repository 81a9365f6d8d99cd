"""The interface every motion generator (baselines and the model) implements."""
import numpy as np

from ..motion import MotionTrack


class MotionGenerator:
    """Audio in, :class:`MotionTrack` out. Subclasses implement :meth:`generate`.

    ``styles`` lists the named styles a generator knows ([] when it has none).
    """

    name = "generator"
    styles = ()

    def __init__(self, fps: float = 30.0):
        self.fps = float(fps)

    def generate(self, audio: np.ndarray, rate: int = 16000, seed: int = 0, style=None) -> MotionTrack:
        raise NotImplementedError

    def _track(self, motion, **meta):
        return MotionTrack(fps=self.fps, motion=motion, valid=np.ones(len(motion), bool),
                           source=f"generated:{self.name}", **meta)

    @staticmethod
    def _frames(audio, rate, fps):
        return int(np.floor(len(audio) / rate * fps + 1e-6))
