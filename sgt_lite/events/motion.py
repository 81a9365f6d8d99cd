"""The stage after the network: raw outputs per frame become head, gaze and lid motion.

The network decides *when* and *where* (head angles, saccade and blink hazards, gaze targets and
states; :class:`~sgt_lite.model.outputs.OutputLayout`); physiology decides *how*: the
:class:`~sgt_lite.events.renderer.EyeRenderer` draws and renders eye events, and
:class:`~sgt_lite.events.head_motion.HeadMotion` adds the head motion speech does not decide and
follows the speaking / listening state. Both are seeded, so the same seed and the same audio give
the same frames whatever the chunking.
"""
import numpy as np

from ..config_check import Fields
from ..errors import ConfigError
from .config import EyeConfig
from .head_motion import HeadMotion, HeadMotionConfig, check_remainder
from .renderer import EyeRenderer


POSE_AXES = 5      # a style's mean pose offset: head yaw, pitch, roll, gaze yaw, pitch (degrees)


def _nearest_trained(styles: dict, code) -> str:
    trained = sorted(n for n, e in styles.items() if "head" in e)
    if not trained:
        raise ConfigError("no style in this bundle has a head remainder; re-export it with 'python -m quantize'")
    code = np.asarray(code, np.float64)
    sims = [float(np.dot(code, np.asarray(styles[n]["code"], np.float64))) for n in trained]
    return trained[int(np.argmax(sims))]


def style_remainder(styles: dict, style, code=None):
    """The head remainder (std (3,), AR (3, 2)) of a style name, a {name: weight} blend, or a raw
    ``code``. A raw code, and a style added from a clip (which has no remainder of its own), take
    the remainder of the trained style nearest to its code by cosine."""
    if isinstance(style, dict):
        total = sum(float(w) for w in style.values())
        parts = [(float(w) / total, style_remainder(styles, name)) for name, w in style.items()]
        # a convex mix of stable AR(2) coefficients is stable (the stable set is a triangle)
        return (sum(w * p[0] for w, p in parts), sum(w * p[1] for w, p in parts))
    if isinstance(style, str):
        entry = styles[style].get("head")
        if entry is not None:
            return check_remainder(entry["residual_std"], entry["residual_ar"], f"styles.{style}.head")
        code = styles[style]["code"]
    return style_remainder(styles, _nearest_trained(styles, code))


def _style_vector(styles: dict, style, key: str, size: int, code=None) -> list:
    if isinstance(style, dict):
        total = sum(float(w) for w in style.values())
        parts = [(float(w) / total, _style_vector(styles, name, key, size)) for name, w in style.items()]
        return [sum(w * p[j] for w, p in parts) for j in range(size)]
    if isinstance(style, str):
        entry = styles[style]
        if key in entry:
            return [float(v) for v in entry[key]]
        if "head" in entry:
            return [0.0] * size
        code = entry["code"]
    return _style_vector(styles, _nearest_trained(styles, code), key, size)


def style_pose_offset(styles: dict, style, code=None) -> list:
    """A style's mean pose offset (head yaw, pitch, roll, gaze yaw, pitch in degrees): where its
    source holds head and eyes on average, beyond what the network gives (fitted by
    ``sgt_train.calibrate``). Blends mix the offsets; a raw code or a style added from a clip
    takes the nearest trained style's; a trained style without one (an older bundle) has none."""
    return _style_vector(styles, style, "pose_offset", POSE_AXES, code)


def style_hazard_bias(styles: dict, style, code=None) -> list:
    """A style's shifts of the saccade and blink hazard logits, so that its rendered saccade and
    blink rates follow its source's (fitted by ``sgt_train.calibrate``); looked up like
    :func:`style_pose_offset`."""
    return _style_vector(styles, style, "hazard_bias", 2, code)


class MotionRenderer:
    """Raw network outputs (n, layout.size) + speaking (n,) + normals (n, 3) -> (n, 6) motion.

    ``norm`` holds the motion mean/std the head outputs were trained against; ``seed`` seeds the
    eye events (the head's normals come from the caller's generator).

    >>> from sgt_lite.model.outputs import OutputLayout
    >>> lay = OutputLayout(EyeConfig().grid.n_cells)
    >>> norm = {"motion_mean": np.zeros(6), "motion_std": np.ones(6)}
    >>> r = MotionRenderer(lay, norm, EyeConfig(), HeadMotionConfig(), fps=25.0, seed=0)
    >>> r.set_remainder((2.0, 1.5, 1.0), ((1.8, -0.82),) * 3)
    >>> raw = np.zeros((50, lay.size), np.float32); raw[:, lay.saccade] = raw[:, lay.blink] = -9
    >>> out = r.render(raw, np.ones(50), np.random.default_rng(0).standard_normal((50, 3)))
    >>> out.shape, bool(np.isfinite(out).all())
    ((50, 6), True)
    """

    def __init__(self, layout, norm, eyes: EyeConfig, head: HeadMotionConfig, fps: float, seed: int = 0):
        self.layout = layout
        self._mean = np.asarray(norm["motion_mean"], np.float64)[:3]
        self._std = np.asarray(norm["motion_std"], np.float64)[:3]
        self.eyes = EyeRenderer(eyes, fps, seed)
        self.head = HeadMotion(head, fps, self._mean)

    def set_remainder(self, std, ar):
        self.head.set_remainder(std, ar)

    def reset(self, seed=None):
        self.eyes.reset(seed)
        self.head.reset()

    @property
    def engagement(self) -> float:
        return self.head.engagement

    def render(self, raw, speaking, normals) -> np.ndarray:
        raw = np.asarray(raw, np.float64)
        n = len(raw)
        speaking = np.asarray(speaking, np.float64).reshape(n).tolist()
        normals = np.asarray(normals, np.float64).reshape(n, 3).tolist()
        return np.array(self.render_rows(raw, speaking, normals), np.float64).reshape(n, 6)

    def render_rows(self, raw, speaking, normals) -> list:
        """:meth:`render` on a float64 (n, layout.size) array, ``speaking`` a list of n floats and
        ``normals`` a list of n [z0, z1, z2]; returns n lists of 6 floats (the streaming path)."""
        lay = self.layout
        n = len(raw)
        listen = [v < 0.5 for v in speaking]
        eye = self.eyes.run(n, raw[:, lay.saccade].tolist(), raw[:, lay.blink].tolist(), raw[:, lay.target],
                            raw[:, lay.state], listen)
        gy, gp, lid = np.array(eye[:3], np.float32).tolist()
        net = (raw[:, lay.head] * self._std + self._mean).tolist()
        head = self.head.run(net, speaking, normals)
        for k in range(n):
            head[k] += (gy[k], gp[k], lid[k])
        return head


def runtime_configs(model: dict, source: str):
    """(EyeConfig, HeadMotionConfig) from a bundle's or checkpoint's ``model`` section."""
    f = Fields(model, source, "model")
    return EyeConfig.from_dict(f.raw("eyes"), source), HeadMotionConfig.from_dict(f.raw("head_motion"), source)
