"""Statistical gaze and blink events for when the speaker listens (or as a speaking fallback),
fitted to real eye tracking by ``python -m sgt_lite.events.fit_listening``."""
import json
import logging
import math
from importlib import resources

import numpy as np

from ..errors import ModelFileError

log = logging.getLogger(__name__)

PRIOR_RESOURCE = "listening_prior.json"
FORMAT = "sgt-lite-gaze-prior/1"
MODES = ("LISTEN", "SPEAK")
_SPREAD_LEVEL = 0.95


def read_prior(path=None) -> dict:
    """The fitted prior: ``path`` or the copy shipped in the package."""
    try:
        if path is None:
            text = (resources.files(__package__) / PRIOR_RESOURCE).read_text()
            where = f"{__package__}/{PRIOR_RESOURCE}"
        else:
            with open(path) as f:
                text = f.read()
            where = str(path)
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read the gaze prior {path or PRIOR_RESOURCE} ({exc}); regenerate it "
                             "with 'python -m sgt_lite.events.fit_listening'") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelFileError(f"{where}: format {data.get('format') if isinstance(data, dict) else None!r}, "
                             f"expected {FORMAT!r}")
    return data


class GazePrior:
    """Fixation-duration hazard, gaze-shift sizes, gaze spread and blink rate of one mode of
    conversation (``"LISTEN"`` or ``"SPEAK"``), as fitted to eye tracking.

    The saccade hazard depends on the fixation's age (time since the last saccade ended):
    fixation durations follow a shifted lognormal, so gaze neither freezes nor twitches.

    >>> prior = GazePrior.load("LISTEN")
    >>> round(prior.median_fixation_s, 3), prior.blink_per_min
    (0.202, 17.0)
    >>> prior.saccade_prob(0.0, 0.04)      # nobody leaves a fixation within 40 ms
    0.0
    >>> 0.1 < prior.saccade_prob(0.2, 0.24) < 0.3
    True
    """

    def __init__(self, params: dict, mode: str = "LISTEN"):
        if mode not in MODES:
            raise ModelFileError(f"unknown gaze-prior mode {mode!r}; choose one of {MODES}")
        try:
            m = params["modes"][mode]
            fx = m["fixation_s"]
            self.shift, self.mu, self.sigma = float(fx["shift"]), float(fx["mu"]), float(fx["sigma"])
            self._amp = np.asarray(m["shift_deg_quantiles"], np.float64)
            spread = m["spread_deg"]
            k = spread["quantiles"].index(_SPREAD_LEVEL)
            self.spread_yaw, self.spread_pitch = float(spread["yaw"][k]), float(spread["pitch"][k])
            self.blink_per_min = float(m["blink_per_min"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"gaze prior for {mode}: missing or bad field ({exc!r}); regenerate it with "
                                 "'python -m sgt_lite.events.fit_listening'") from exc
        if not (self.sigma > 0 and self._amp.ndim == 1 and self._amp.size >= 2 and np.all(np.diff(self._amp) >= 0)):
            raise ModelFileError(f"gaze prior for {mode}: sigma must be > 0 and the shift quantiles ascending")
        self.mode = mode
        self._levels = np.linspace(0.0, 1.0, self._amp.size)
        self._levels_list, self._amp_list = self._levels.tolist(), self._amp.tolist()

    @classmethod
    def load(cls, mode: str = "LISTEN", path=None) -> "GazePrior":
        return cls(read_prior(path), mode)

    @property
    def median_fixation_s(self) -> float:
        return self.shift + math.exp(self.mu)

    def fixation_survival(self, age: float) -> float:
        """P(a fixation lasts longer than ``age`` seconds)."""
        a = age - self.shift
        if a <= 0.0:
            return 1.0
        return 0.5 * math.erfc((math.log(a) - self.mu) / (self.sigma * math.sqrt(2.0)))

    def saccade_prob(self, age0: float, age1: float) -> float:
        """P(the fixation ends between ages ``age0`` and ``age1`` | it lasted ``age0``)."""
        s0 = self.fixation_survival(age0)
        if s0 <= 1e-12:
            return 1.0
        return min(max(1.0 - self.fixation_survival(age1) / s0, 0.0), 1.0)

    def blink_prob(self, dt: float, busy_s: float) -> float:
        """Per-frame blink onset probability that gives ``blink_per_min`` once blinks are
        ``busy_s`` long (duration plus refractory time, during which no blink can start)."""
        rate = self.blink_per_min / 60.0
        free = max(1.0 - rate * busy_s, 0.05)
        return min(1.0 - math.exp(-rate / free * dt), 1.0)

    def shift_size(self, u: float) -> float:
        """Gaze-shift amplitude (deg) at quantile ``u`` of the fitted distribution."""
        xp, fp = self._levels_list, self._amp_list       # np.interp's formula, in plain floats
        n = len(xp)
        if u <= xp[0]:
            return fp[0]
        if u >= xp[-1]:
            return fp[-1]
        j = 0
        while j + 2 < n and u >= xp[j + 1]:
            j += 1
        slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        return slope * (u - xp[j]) + fp[j]

    def shift_target(self, yaw: float, pitch: float, u_size: float, u_dir: float, home=(0.0, 0.0)):
        """Where a gaze shift from (yaw, pitch) lands: a fitted-size step in direction ``u_dir``
        (a uniform draw), kept inside the fitted 95% spread around ``home``. From outside the
        spread (gaze averted while speaking), one shift returns inside it, towards home.

        >>> prior = GazePrior.load("LISTEN")
        >>> y, p = prior.shift_target(15.0, 0.0, 0.5, 0.0)
        >>> 0.0 < y < prior.spread_yaw and p == 0.0
        True
        """
        hy, hp = home
        ry, rp = (yaw - hy) / self.spread_yaw, (pitch - hp) / self.spread_pitch
        dist = math.sqrt(ry * ry + rp * rp)
        if dist > 1.0:
            f = u_size / dist
            return hy + f * (yaw - hy), hp + f * (pitch - hp)
        a = self.shift_size(u_size)
        th = 2.0 * math.pi * u_dir
        cy, cp = a * math.cos(th), a * math.sin(th)
        for sy, sp in ((cy, cp), (-cy, -cp)):
            ty, tp = yaw + sy, pitch + sp
            if ((ty - hy) / self.spread_yaw) ** 2 + ((tp - hp) / self.spread_pitch) ** 2 <= 1.0:
                return ty, tp
        # both ways leave the spread: step towards home instead (no further than home)
        dy, dp = hy - yaw, hp - pitch
        d = math.sqrt(dy * dy + dp * dp)
        if d < 1e-9:
            return yaw, pitch
        f = min(a, d) / d
        return yaw + f * dy, pitch + f * dp
