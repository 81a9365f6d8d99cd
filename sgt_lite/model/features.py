"""Model inputs from frontend frames: stacking to the model frame rate and normalising."""
import numpy as np


class FeatureStacker:
    """Groups ``stack`` consecutive frontend frames into one model frame (streaming).

    >>> s = FeatureStacker(stack=4, frame_size=14)
    >>> s.push(np.zeros((6, 14), np.float32)).shape, s.push(np.zeros((2, 14), np.float32)).shape
    ((1, 56), (1, 56))
    """

    def __init__(self, stack: int, frame_size: int):
        self.stack, self.frame_size = stack, frame_size
        self.reset()

    def reset(self):
        self._pending = np.zeros((0, self.frame_size), np.float32)

    def push(self, frames: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self._pending, frames]) if len(self._pending) else frames
        n = len(buf) // self.stack
        self._pending = buf[n * self.stack:]
        return buf[:n * self.stack].reshape(n, self.stack * self.frame_size)


def stack_frames(frames: np.ndarray, stack: int) -> np.ndarray:
    n = len(frames) // stack
    return frames[:n * stack].reshape(n, stack * frames.shape[1])
