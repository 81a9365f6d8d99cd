"""The style encoder in numpy: motion window -> unit-length style code (no torch)."""
import numpy as np

from ..errors import DataFormatError


def _conv1d(x, w, b, stride):
    """x (C_in, T), w (C_out, C_in, K), 'same'-style padding K//2."""
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (k // 2, k // 2)))
    t_out = (xp.shape[1] - k) // stride + 1
    cols = np.stack([xp[:, i * stride:i * stride + k] for i in range(t_out)], axis=0)   # (T_out, C_in, K)
    return np.einsum("tck,ock->ot", cols, w) + b[:, None]


class NumpyStyleEncoder:
    """Mirror of ``sgt_train.nets.StyleEncoder`` on a checkpoint's ``encoder.*`` weights.

    >>> from sgt_lite.model.checkpoint import Checkpoint
    >>> enc = NumpyStyleEncoder.from_checkpoint(Checkpoint.load("checkpoints/default"))
    >>> enc.encode(np.zeros((200, 6), np.float32)).shape
    (16,)
    """

    STRIDES = (1, 2, 2)

    def __init__(self, weights: dict, norm: dict, window: int):
        """``weights``: the ``encoder.*`` arrays; ``norm``: motion mean/std; ``window``: frames."""
        w = {k[len("encoder."):]: v for k, v in weights.items() if k.startswith("encoder.")}
        self.convs = [(w[f"conv.{2 * i}.weight"], w[f"conv.{2 * i}.bias"], s) for i, s in enumerate(self.STRIDES)]
        self.proj_w, self.proj_b = w["proj.weight"], w["proj.bias"]
        self.norm = norm
        self.window = int(window)

    @classmethod
    def from_checkpoint(cls, checkpoint) -> "NumpyStyleEncoder":
        return cls(checkpoint.weights, checkpoint.norm, checkpoint.encoder["window"])

    def encode_window(self, motion: np.ndarray) -> np.ndarray:
        """(window, 6) motion in degrees/blink -> code."""
        x = ((motion - self.norm["motion_mean"]) / self.norm["motion_std"]).T.astype(np.float32)
        for w, b, s in self.convs:
            x = np.maximum(_conv1d(x, w, b, s), 0.0)
        pooled = np.concatenate([x.mean(1), x.std(1, ddof=1)])
        code = self.proj_w @ pooled + self.proj_b
        return code / max(np.linalg.norm(code), 1e-9)

    def windows(self, motion: np.ndarray, hop: int = None):
        hop = hop or self.window // 2
        if len(motion) < self.window:
            raise DataFormatError(f"need at least {self.window} frames of motion for a style code, got {len(motion)}")
        return np.stack([self.encode_window(motion[a:a + self.window])
                         for a in range(0, len(motion) - self.window + 1, hop)])

    def encode(self, motion: np.ndarray) -> np.ndarray:
        """Mean code over the clip's half-overlapping windows, renormalised."""
        c = self.windows(motion).mean(0)
        return c / max(np.linalg.norm(c), 1e-9)


def retrieval_accuracy(encoder, generated_by_style: dict, styles: dict) -> float:
    """% of generated windows whose nearest named code is the style they were generated with."""
    names = list(generated_by_style)
    table = np.stack([np.asarray(styles[n]["code"], np.float32) for n in names])
    hits = total = 0
    for i, n in enumerate(names):
        for motion in generated_by_style[n]:
            codes = encoder.windows(motion)
            hits += int(np.sum(np.argmax(codes @ table.T, axis=1) == i))
            total += len(codes)
    return 100.0 * hits / max(total, 1)
