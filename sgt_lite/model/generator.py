"""The trained model as an offline :class:`MotionGenerator`, on the numpy step."""
import math
import numbers

import numpy as np

from ..audio import Frontend
from ..errors import ConfigError
from ..generators.base import MotionGenerator
from .checkpoint import Checkpoint
from .features import stack_frames
from .numpy_step import NumpyStep
from .style_table import check_code


def style_code(styles: dict, style, dim: int) -> np.ndarray:
    """A unit-length code from a style name, a {name: weight} blend or a raw vector;
    :class:`ConfigError` for an unknown name, a bad weight or a code that is not ``dim``
    finite numbers of sane length."""
    if isinstance(style, str):
        if style not in styles:
            raise ConfigError(f"unknown style {style!r}; available styles: {', '.join(sorted(styles))}")
        entry = styles[style]
        code = check_code(entry.get("code") if isinstance(entry, dict) else entry, dim, f"style {style!r}")
    elif isinstance(style, dict):
        if not style:
            raise ConfigError("a style blend needs at least one {name: weight}")
        for name, w in style.items():
            if not isinstance(name, str) or isinstance(w, bool) or not isinstance(w, numbers.Real) \
                    or not math.isfinite(w):
                raise ConfigError(f"a style blend maps style names to finite weights; got {name!r}: {w!r}")
        total = sum(float(w) for w in style.values())
        if not total > 0:
            raise ConfigError(f"style blend weights must sum to > 0, got {style}")
        code = sum(float(w) / total * style_code(styles, name, dim) for name, w in style.items())
    else:
        code = check_code(style, dim, "a raw style code")
    norm = np.linalg.norm(code)
    return (code / norm if norm > 1e-6 else code).astype(np.float32)


def decode(raw: np.ndarray, norm: dict) -> np.ndarray:
    """Raw step outputs -> degrees and blink in [0, 1]."""
    out = np.empty(raw.shape[:-1] + (6,), np.float32)
    out[..., :5] = raw[..., :5] * norm["motion_std"][:5] + norm["motion_mean"][:5]
    out[..., 5] = 1.0 / (1.0 + np.exp(-raw[..., 5]))
    return out


class ModelGenerator(MotionGenerator):
    """Runs a checkpoint over a whole utterance (for evaluation and offline use).

    >>> t = ModelGenerator("checkpoints/default").generate(np.zeros(16000, np.float32), style="lively")
    >>> t.fps, len(t)
    (25.0, 25)
    """

    name = "model"

    def __init__(self, checkpoint="checkpoints/default", style=None, fps=None):
        self.ck = checkpoint if isinstance(checkpoint, Checkpoint) else Checkpoint.load(checkpoint)
        super().__init__(self.ck.model["fps"])
        self.styles = tuple(self.ck.styles)
        self.default_style = self.styles[0] if style is None else style
        self.step = NumpyStep(self.ck.generator_weights(), self.ck.model["layers"], self.ck.model["cell_clip"])

    def generate(self, audio, rate=16000, seed=0, style=None):
        m = self.ck.model
        if rate != self.ck.frontend.sample_rate:
            from ..audio import resample

            audio = resample(audio, rate, self.ck.frontend.sample_rate)
        feats = stack_frames(Frontend(self.ck.frontend).process(np.asarray(audio, np.float32)), m["stack"])
        feats = (feats - self.ck.norm["feat_mean"]) / self.ck.norm["feat_std"]
        code = style_code(self.ck.styles, self.default_style if style is None else style, m["style_dim"])
        rng = np.random.default_rng(seed)
        h, c = self.step.initial_state()
        raw = np.zeros((len(feats), 6 + len(m["pattern_classes"])), np.float32)
        for t in range(len(feats)):
            x = np.concatenate([feats[t], rng.standard_normal(m["noise_dim"]).astype(np.float32)])
            raw[t], h, c = self.step(x.astype(np.float32), code, h, c)
        motion = decode(raw, self.ck.norm)
        n = self._frames(audio, self.ck.frontend.sample_rate, self.fps)
        if len(motion) < n:
            motion = np.concatenate([motion, np.repeat(motion[-1:] if len(motion) else np.zeros((1, 6)),
                                                       n - len(motion), axis=0)])
        return self._track(motion[:n])
