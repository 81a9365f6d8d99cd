"""Head motion as a person makes it: the network's speech-driven part, plus the part speech does
not determine, scaled by how engaged the speaker is.

A speech-to-motion network can only learn the share of head motion that the audio predicts; a
person's head also drifts, turns and settles in ways the audio does not decide. That remainder
is rendered here as a seeded AR(2) process per axis, with the real motion's spectrum and the
variance the network leaves out (``var(real) - var(network)``, fitted per style on its training
data by ``sgt_train``), so the total has a real amplitude and two seeds differ. An *engagement*
level follows the voice-activity state: full while speaking, easing down after speech ends
(pauses keep most of the motion, as real speakers' do) to ``listen_level`` in long silence or
noise, so the head neither freezes nor "talks" to a fan. The network's own output is low-passed
first (``smooth_hz``): 3DMM and video trackers jitter, and a network learns that jitter.
"""
import dataclasses
import math

import numpy as np

from ..config_check import Fields
from ..errors import ConfigError

AXES = 3


@dataclasses.dataclass(frozen=True)
class HeadMotionConfig:
    """The bundle's ``"head_motion"`` table (per-style remainders live in the style table).

    >>> cfg = HeadMotionConfig(listen_level=0.25)
    >>> HeadMotionConfig.from_dict(cfg.to_dict()) == cfg
    True
    """

    smooth_hz: float = 3.0          # low-pass of the network's head output (no tracker jitter)
    listen_level: float = 0.2       # motion level in long silence, relative to speech
    attack_s: float = 0.3
    release_s: float = 3.0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d, source="bundle.json") -> "HeadMotionConfig":
        f = Fields(d, source, "head_motion")
        cfg = cls(smooth_hz=f.number("smooth_hz", 3.0, lo=0.1, hi=50),
                  listen_level=f.number("listen_level", 0.2, lo=0, hi=1),
                  attack_s=f.number("attack_s", 0.3, lo=0.0, hi=30),
                  release_s=f.number("release_s", 3.0, lo=0.0, hi=60))
        f.done()
        return cfg


def check_remainder(std, ar, where="style.head"):
    """Validated (std (3,), ar (3, 2)) of a style's head remainder; ConfigError otherwise."""
    std = np.asarray(std, np.float64)
    ar = np.asarray(ar, np.float64)
    if std.shape != (AXES,) or ar.shape != (AXES, 2) or not (np.isfinite(std).all() and np.isfinite(ar).all()):
        raise ConfigError(f"{where}: residual_std must be {AXES} finite numbers and residual_ar {AXES} "
                          f"pairs, got shapes {std.shape} and {ar.shape}")
    if (std < 0).any() or (std > 30).any():
        raise ConfigError(f"{where}: residual_std must be within [0, 30] degrees, got {std.tolist()}")
    a1, a2 = ar[:, 0], ar[:, 1]
    if not ((np.abs(a2) < 1) & (a1 + a2 < 1) & (a2 - a1 < 1)).all():
        raise ConfigError(f"{where}: residual_ar {ar.tolist()} is not a stable AR(2) on every axis")
    return std, ar


def ar2_innovation_std(std, a1, a2) -> float:
    """The innovation std that gives a stationary AR(2) process the standard deviation ``std``.

    >>> round(ar2_innovation_std(1.0, 0.0, 0.0), 6)
    1.0
    """
    gain = (1 - a2) / ((1 + a2) * ((1 - a2) ** 2 - a1 ** 2))
    return float(std / math.sqrt(gain)) if gain > 0 else 0.0


def smoothing_coefficient(smooth_hz: float, fps: float) -> float:
    return math.exp(-2 * math.pi * smooth_hz / fps)


def lowpass(x, smooth_hz: float, fps: float, start=None) -> np.ndarray:
    """The causal 2-pole low-pass HeadMotion applies, over a whole (T, 3) array."""
    x = np.asarray(x, np.float64)
    k = smoothing_coefficient(smooth_hz, fps)
    s1 = np.array(x[0] if start is None else start, np.float64)
    s2 = s1.copy()
    out = np.empty_like(x)
    for t in range(len(x)):
        s1 = k * s1 + (1 - k) * x[t]
        s2 = k * s2 + (1 - k) * s1
        out[t] = s2
    return out


class HeadMotion:
    """Per frame: network head angles + speaking probability + 3 standard normals -> head angles.

    ``mean`` is the network's neutral output (degrees); ``fps`` the model frame rate. The caller
    draws the normals from the Animator's seeded generator (always 3 per frame, so the random
    stream never depends on the state). :meth:`set_remainder` takes a style's remainder.

    >>> hm = HeadMotion(HeadMotionConfig(), fps=25.0, mean=np.zeros(3))
    >>> hm.set_remainder((3.0, 2.0, 1.5), ((1.8, -0.82),) * 3)
    >>> rng = np.random.default_rng(0)
    >>> out = np.array([hm.step(np.zeros(3), 1.0, rng.standard_normal(3)) for _ in range(5000)])
    >>> bool(2.0 < out[500:, 0].std() < 4.5), round(hm.engagement, 6)
    (True, 1.0)
    """

    def __init__(self, cfg: HeadMotionConfig, fps: float, mean):
        self.cfg, self.fps = cfg, float(fps)
        self.mean = np.asarray(mean, np.float64).reshape(AXES)
        self._k = smoothing_coefficient(cfg.smooth_hz, self.fps)
        dt = 1.0 / self.fps
        self._attack = 1.0 - math.exp(-dt / cfg.attack_s) if cfg.attack_s > 0 else 1.0
        self._release = 1.0 - math.exp(-dt / cfg.release_s) if cfg.release_s > 0 else 1.0
        self.set_remainder(np.zeros(AXES), np.zeros((AXES, 2)))
        self.reset()

    def set_remainder(self, std, ar):
        std, ar = check_remainder(std, ar)
        self._a = ar
        self._e = np.array([ar2_innovation_std(s, a1, a2) for s, (a1, a2) in zip(std, ar)])
        self._coef = [(float(a[0]), float(a[1]), float(e)) for a, e in zip(ar, self._e)]

    def reset(self):
        m = self.mean.tolist()
        self._lp1, self._lp2 = list(m), list(m)
        self._r1, self._r2 = [0.0] * AXES, [0.0] * AXES
        self.engagement = self.cfg.listen_level

    def step(self, net_head, speaking: float, normals) -> np.ndarray:
        """One frame; ``speaking`` in [0, 1] (the voice-activity state)."""
        net = np.asarray(net_head, np.float64).reshape(AXES).tolist()
        z = np.asarray(normals, np.float64).reshape(AXES).tolist()
        return np.array(self.run([net], [float(speaking)], [z])[0])

    def run(self, net, speaking, normals) -> list:
        """Frames in order: ``net`` and ``normals`` are lists of 3 floats per frame, ``speaking`` a
        list of floats; returns a list of [yaw, pitch, roll]. Plain floats (the same IEEE operations
        as the elementwise array form, without numpy's per-call cost on 3-element arrays)."""
        k = self._k
        k1 = 1 - k
        lvl = self.cfg.listen_level
        attack, release = self._attack, self._release
        (a10, a20, e0), (a11, a21, e1), (a12, a22, e2) = self._coef
        m0, m1, m2 = self.mean.tolist()
        p0, p1, p2 = self._lp1
        q0, q1, q2 = self._lp2
        r0, r1, r2 = self._r1
        s0, s1, s2 = self._r2
        eng = self.engagement
        out = []
        for x, spk, z in zip(net, speaking, normals):
            p0, p1, p2 = k * p0 + k1 * x[0], k * p1 + k1 * x[1], k * p2 + k1 * x[2]
            q0, q1, q2 = k * q0 + k1 * p0, k * q1 + k1 * p1, k * q2 + k1 * p2
            n0 = a10 * r0 + a20 * s0 + e0 * z[0]
            n1 = a11 * r1 + a21 * s1 + e1 * z[1]
            n2 = a12 * r2 + a22 * s2 + e2 * z[2]
            s0, s1, s2, r0, r1, r2 = r0, r1, r2, n0, n1, n2
            target = lvl + (1.0 - lvl) * min(max(spk, 0.0), 1.0)
            rate = attack if target > eng else release
            eng = min(max(eng + (target - eng) * rate, 0.0), 1.0)
            out.append([m0 + eng * ((q0 - m0) + n0), m1 + eng * ((q1 - m1) + n1), m2 + eng * ((q2 - m2) + n2)])
        self._lp1, self._lp2, self._r1, self._r2 = [p0, p1, p2], [q0, q1, q2], [r0, r1, r2], [s0, s1, s2]
        self.engagement = eng
        return out


# How close to the edge of the stable triangle a fitted AR(2) may come. Smoothed head motion at
# 25 fps has a1 + a2 up to ~0.998 (roll especially); a tighter margin shortens the fitted
# correlation time and makes the rendered motion faster than the real one.
AR2_MARGIN = 0.998


def fit_ar2_autocov(r) -> tuple:
    """Yule-Walker AR(2) from autocovariances r[0..2], kept inside the stable triangle.

    >>> a1, a2 = fit_ar2_autocov([1.0, 0.9, 0.7]); round(a1, 3), round(a2, 3)
    (1.421, -0.579)
    """
    r = np.asarray(r, np.float64)
    if not r[0] > 0:
        return (0.0, 0.0)
    rho1, rho2 = r[1] / r[0], r[2] / r[0]
    den = 1 - rho1 ** 2
    if den < 1e-9:
        return (0.0, 0.0)
    a1, a2 = rho1 * (1 - rho2) / den, (rho2 - rho1 ** 2) / den
    a2 = min(max(a2, -AR2_MARGIN), AR2_MARGIN)
    a1 = min(max(a1, a2 - AR2_MARGIN), AR2_MARGIN - a2)
    return (float(a1), float(a2))


def fit_ar2(x) -> tuple:
    """Yule-Walker AR(2) coefficients of a 1-D signal (its mean removed)."""
    x = np.asarray(x, np.float64)
    x = x - x.mean()
    n = len(x)
    return fit_ar2_autocov([np.dot(x[:n - k], x[k:]) for k in range(3)]) if n > 8 else (0.0, 0.0)
