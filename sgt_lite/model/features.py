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
        self._empty = np.zeros((0, self.stack * self.frame_size), np.float32)
        self._buf = np.empty((self.stack, self.frame_size), np.float32)
        self._n = 0                      # frames pending, held in _buf (the few-frames path)

    def push(self, frames: np.ndarray) -> np.ndarray:
        m, n0 = len(frames), self._n
        if n0 + m < self.stack:          # most 20 ms chunks: no model frame yet, no allocation
            self._buf[n0:n0 + m] = frames
            self._n = n0 + m
            return self._empty
        buf = np.concatenate([self._buf[:n0], frames]) if n0 else frames
        n = len(buf) // self.stack
        rest = len(buf) - n * self.stack
        self._buf[:rest] = buf[n * self.stack:]
        self._n = rest
        return buf[:n * self.stack].reshape(n, self.stack * self.frame_size)


def stack_frames(frames: np.ndarray, stack: int) -> np.ndarray:
    n = len(frames) // stack
    return frames[:n * stack].reshape(n, stack * frames.shape[1])
