"""Eye events to eye and lid motion: the network decides *when* and *where*, physiology decides *how*.

Per model frame the network gives a saccade hazard, a blink hazard (logits of the probability
that one starts within the frame), logits over a grid of gaze targets and logits over the gaze
states (fixation, aversion, return). :class:`EyeRenderer` draws the events with its own seeded
generator and renders them: main-sequence saccades with a minimum-jerk profile and a sub-frame
onset, fixations that hold with drift and microsaccades, and stereotyped blinks.

Every frame draws the same number of uniforms (:data:`N_UNIFORMS`) whatever happens, so the
frames depend only on the seed and on the per-frame inputs, never on how the stream is chunked,
and two backends whose hazards agree draw the same events.
"""
import logging
import math
from typing import List, NamedTuple

import numpy as np

from ..errors import DataFormatError
from .blink import Blink
from .config import AVERSION, FIXATION, GAZE_STATES, RETURN, EyeConfig
from .saccade import Movement

log = logging.getLogger(__name__)

N_UNIFORMS = 16
# one stream id per consumer of the Animator's seed, so their draws never collide
EYE_STREAM = 0x5E7E


class EyeEvent(NamedTuple):
    """An event that starts within a chunk: ``kind`` is ``"saccade"``, ``"microsaccade"`` or
    ``"blink"``; ``t`` its onset (s since reset), ``duration`` (s); for eye movements the
    ``amplitude`` (deg) and landing ``yaw``/``pitch`` (deg), and the gaze ``state`` it enters."""

    kind: str
    t: float
    duration: float
    amplitude: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    state: int = FIXATION


class EyeFrames(NamedTuple):
    """One chunk of rendered frames (arrays of length n): eye-in-head gaze in degrees, lid closure
    (0 open .. 1 shut), the gaze state (0 fixation, 1 aversion, 2 return: the kind of the last
    saccade), whether a saccade / blink starts within each frame, and the chunk's events."""

    gaze_yaw: np.ndarray
    gaze_pitch: np.ndarray
    blink: np.ndarray
    gaze_state: np.ndarray
    saccade: np.ndarray
    blink_start: np.ndarray
    events: List[EyeEvent]


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class EyeRenderer:
    """Renders per-frame eye-event hazards into gaze and lid frames (plain numpy, seeded).

    ``step`` takes a chunk of n frames of network outputs:

    - ``saccade_logit`` (n,): logit of P(a saccade starts within the frame);
    - ``blink_logit`` (n,): logit of P(a blink starts within the frame);
    - ``target_logits`` (n, grid.n_cells): where the next saccade lands (cells as
      :class:`~sgt_lite.events.config.GazeGrid` orders them), eye-in-head;
    - ``state_logits`` (n, 3): fixation, aversion, return. At a saccade, the state decides the zone
      (aversion: away from the centre cells; fixation or return: the centre cells) and the grid,
      renormalised within that zone, the cell; the landing point is uniform within the cell;
    - ``listening`` (bool or (n,) bools): frames where the speaker listens take their hazards and
      targets from the fitted listening prior instead (the network outputs are then ignored and
      may be None when every frame listens; give ``n_frames``).

    Frame k is the pose at t = k / fps; events drawn at frame k start within [t, t + 1/fps).

    >>> r = EyeRenderer(seed=1)
    >>> n = 50
    >>> out = r.step(np.full(n, -9.0), np.full(n, -9.0), np.zeros((n, 35)), np.zeros((n, 3)))
    >>> float(np.abs(out.gaze_yaw).max()) < 1.0, float(out.blink.max())   # hazards ~0: it fixates
    (True, 0.0)
    >>> out = r.step(np.full(n, 2.0), np.full(n, -9.0), np.zeros((n, 35)), np.zeros((n, 3)))
    >>> int(out.saccade.sum()) > 5 and float(np.abs(out.gaze_yaw).max()) > 3.0
    True
    >>> r.reset(seed=1); len(r.step(n_frames=25, listening=True).gaze_yaw)
    25
    """

    N_UNIFORMS = N_UNIFORMS

    def __init__(self, config: EyeConfig = None, fps: float = 25.0, seed: int = 0, listening_prior=None):
        from .listening import GazePrior

        self.config = config if config is not None else EyeConfig()
        if not isinstance(self.config, EyeConfig):
            raise DataFormatError(f"config must be an EyeConfig, got {type(self.config).__name__}")
        if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
            raise DataFormatError(f"fps must be a positive number, got {fps!r}")
        self.fps = float(fps)
        self.prior = listening_prior if listening_prior is not None else GazePrior.load("LISTEN")
        cfg = self.config
        self._grid = cfg.grid
        self._cell_w = cfg.grid.cell_size
        self._centre = np.zeros(cfg.grid.n_cells, bool)
        self._centre[list(cfg.centre_cells())] = True
        self._centre_list = self._centre.tolist()
        self._blink_busy = cfg.blink_s + cfg.blink_refractory_s
        self._drift_step = cfg.drift_deg_per_s / self.fps / math.sqrt(math.pi / 2.0)
        self._micro_p = 1.0 - math.exp(-cfg.microsaccade_per_s / self.fps)
        self._blink_p_listen = self.prior.blink_prob(1.0 / self.fps, self._blink_busy)
        self.seed = seed
        self.reset(seed)

    def reset(self, seed=None):
        """Back to t = 0, gaze straight ahead and open lids; reseeds (with ``seed`` if given)."""
        if seed is not None:
            self.seed = seed
        self._rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(EYE_STREAM,)))
        self._frame = 0
        self._fix = (0.0, 0.0)          # resting point of the last movement
        self._anchor = (0.0, 0.0)       # the last saccade's target (microsaccades correct towards it)
        self._drift = (0.0, 0.0)
        self._move = None
        self._blink = None
        self._fix_start = 0.0
        self._next_saccade = 0.0
        self._next_micro = 0.0
        self._next_blink = 0.0
        self._state = FIXATION
        self._warned_nonfinite = False

    @property
    def t(self) -> float:
        """Stream time of the next frame (s)."""
        return self._frame / self.fps

    # ------------------------------------------------------------------------------------------
    def _inputs(self, saccade_logit, blink_logit, target_logits, state_logits, listening, n_frames):
        """(n, network arrays or None, per-frame listening list or one bool)."""
        net = (saccade_logit, blink_logit, target_logits, state_logits)
        if isinstance(listening, (bool, np.bool_)):
            lst = bool(listening)
        else:
            lst = np.asarray(listening, bool)
            if lst.ndim == 0:
                lst = bool(lst)
            elif lst.ndim != 1:
                raise DataFormatError(f"listening has shape {lst.shape}, expected a bool or (n,) bools")
        if saccade_logit is None or blink_logit is None or target_logits is None or state_logits is None:
            if not all(a is None for a in net):
                raise DataFormatError("give all four network outputs, or none (listening frames only)")
            n = n_frames if n_frames is not None else (None if isinstance(lst, bool) else lst.size)
            if n is None:
                raise DataFormatError("without network outputs, give n_frames (or a listening array)")
            if not (lst if isinstance(lst, bool) else lst.all()):
                raise DataFormatError("frames that are not listening need the network outputs")
            if not isinstance(lst, bool) and lst.size != n:
                raise DataFormatError(f"listening has {lst.size} frames but n_frames={n}")
            return int(n), None, True
        arrs = [np.asarray(a, np.float64) for a in net]
        s0 = arrs[0].shape
        n = s0[0] if len(s0) == 1 else -1
        want = ((n,), (n,), (n, self._grid.n_cells), (n, len(GAZE_STATES)))
        for name, a, w in zip(("saccade_logit", "blink_logit", "target_logits", "state_logits"), arrs, want):
            if n < 0 or a.shape != w:
                raise DataFormatError(f"EyeRenderer.step: {name} has shape {a.shape}, expected "
                                      f"{tuple('n' if v == -1 else v for v in w)} for n frames "
                                      f"(grid {self._grid.n_yaw}x{self._grid.n_pitch} cells)")
        if n_frames is not None and n_frames != n:
            raise DataFormatError(f"n_frames={n_frames} but the network outputs have {n} frames")
        if not isinstance(lst, bool):
            if lst.shape != (n,):
                raise DataFormatError(f"listening has shape {lst.shape}, expected a bool or ({n},)")
            lst = lst.tolist()
        return n, arrs, lst

    def _nonfinite(self):
        if not self._warned_nonfinite:
            log.warning("non-finite eye-event logits: NaN/Inf hazards start no event and NaN targets "
                        "fall back to the centre (warned once)")
            self._warned_nonfinite = True

    def _choose_target(self, logits, state_logits, u_state, u_cell, u_y, u_p):
        """Zone from the state, cell from the grid within the zone, point uniform in the cell."""
        s = state_logits.tolist()
        if not all(math.isfinite(v) for v in s) or not np.isfinite(logits).all():
            self._nonfinite()
            s = [v if math.isfinite(v) else -math.inf for v in s]
        m = max(s)
        if m == -math.inf:
            zone_away = False
        else:
            w = [math.exp(v - m) for v in s]
            total = w[0] + w[1] + w[2]
            zone_away = u_state * total >= w[FIXATION] and u_state * total < w[FIXATION] + w[AVERSION]
        centre = self._centre_list
        lgs = logits.tolist()
        fin = [math.isfinite(v) for v in lgs]
        lg = [v if f and (c != zone_away) else -math.inf for v, f, c in zip(lgs, fin, centre)]
        if not any(map(math.isfinite, lg)):
            lg = [v if f else -math.inf for v, f in zip(lgs, fin)]
            if not any(fin):
                lg = [0.0 if c else -math.inf for c in centre]
        top = max(lg)
        w = [math.exp(v - top) for v in lg]
        cum, total = [], 0.0
        for v in w:
            total += v
            cum.append(total)
        x = u_cell * cum[-1]
        cell = 0
        while cell < len(cum) and not cum[cell] > x:
            cell += 1
        cell = min(cell, len(cum) - 1)
        while w[cell] == 0.0 and cell > 0:         # u_cell * total landed exactly on an edge
            cell -= 1
        y0, p0 = self._grid.cell_lower(cell)
        return y0 + u_y * self._cell_w[0], p0 + u_p * self._cell_w[1]

    def _clamp(self, y, p):
        g = self._grid
        return min(max(y, -g.yaw_deg), g.yaw_deg), min(max(p, -g.pitch_deg), g.pitch_deg)

    def _start_blink(self, onset, u_dur, events):
        cfg = self.config
        f = 1.0 + cfg.blink_jitter * (2.0 * u_dur - 1.0)
        close = cfg.blink_close_s * f
        self._blink = Blink(onset, close, cfg.blink_hold_s, close * cfg.blink_open_ratio)
        self._next_blink = self._blink.t_end + cfg.blink_refractory_s
        events.append(EyeEvent("blink", onset, self._blink.t_end - onset))

    def _saccade(self, lo, t1, u, lk, target_logits, state_logits, k, events) -> bool:
        """A saccade starts within [lo, t1); returns whether a blink starts with it."""
        cfg, centre, cell_of = self.config, self._centre, self._grid.cell_of
        onset = lo + u[1] * (t1 - lo)
        start = (self._fix[0] + self._drift[0], self._fix[1] + self._drift[1])
        if lk:
            target = self.prior.shift_target(self._anchor[0], self._anchor[1], u[4], u[5])
        else:
            target = self._choose_target(target_logits[k], state_logits[k], u[2], u[3], u[4], u[5])
        target = self._clamp(*target)
        dy, dp = target[0] - start[0], target[1] - start[1]
        amp = math.sqrt(dy * dy + dp * dp)
        dur = cfg.saccade_duration(amp) * (1.0 + cfg.saccade_jitter * (2.0 * u[14] - 1.0))
        self._move = Movement(start, target, onset, dur)
        self._fix, self._anchor, self._drift = target, target, (0.0, 0.0)
        self._fix_start = onset + dur
        self._next_saccade = self._next_micro = onset + dur + cfg.min_fixation_s
        if not centre[cell_of(*target)]:
            self._state = AVERSION
        else:
            self._state = RETURN if not centre[cell_of(*start)] else FIXATION
        events.append(EyeEvent("saccade", onset, dur, amp, target[0], target[1], self._state))
        if amp >= cfg.blink_saccade_deg and u[8] < cfg.blink_saccade_prob and onset >= self._next_blink:
            self._start_blink(onset, u[15], events)
            return True
        return False

    def _micro(self, t, t1, u, events):
        """A microsaccade starts within [max(t, next_micro), t1)."""
        cfg = self.config
        lo = max(t, self._next_micro)
        onset = lo + u[1] * (t1 - lo)
        sy, sp = self._fix[0] + self._drift[0], self._fix[1] + self._drift[1]
        a = cfg.microsaccade_min_deg + (cfg.microsaccade_max_deg - cfg.microsaccade_min_deg) * u[11]
        cy, cp = self._anchor[0] - sy, self._anchor[1] - sp
        if math.sqrt(cy * cy + cp * cp) > 0.05:       # corrective: towards the fixation point, +-90 deg
            th = math.atan2(cp, cy) + (u[10] - 0.5) * math.pi
        else:
            th = 2.0 * math.pi * u[10]
        end = (sy + a * math.cos(th), sp + a * math.sin(th))
        dur = cfg.saccade_duration(a)
        self._move = Movement((sy, sp), end, onset, dur)
        self._fix, self._drift = end, (0.0, 0.0)
        self._next_micro = onset + dur + cfg.min_fixation_s
        self._next_saccade = max(self._next_saccade, onset + dur)
        events.append(EyeEvent("microsaccade", onset, dur, a, end[0], end[1], self._state))

    def step(self, saccade_logit=None, blink_logit=None, target_logits=None, state_logits=None,
             listening=False, n_frames=None) -> EyeFrames:
        """Renders the next n frames (see the class docstring for the inputs)."""
        n, arrs, listen = self._inputs(saccade_logit, blink_logit, target_logits, state_logits, listening, n_frames)
        if arrs is None:
            yaw, pitch, lid, state, sacc, blink_start, events = self.run(n, None, None, None, None, listen)
        else:
            yaw, pitch, lid, state, sacc, blink_start, events = self.run(
                n, arrs[0].tolist(), arrs[1].tolist(), arrs[2], arrs[3], listen)
        return EyeFrames(np.array(yaw, np.float32), np.array(pitch, np.float32), np.array(lid, np.float32),
                         np.array(state, np.int8), np.array(sacc, bool), np.array(blink_start, bool), events)

    def run(self, n, s_logit, b_logit, target_logits, state_logits, listen) -> tuple:
        """:meth:`step` without the checks: the logits as lists (or None when every frame listens),
        targets and states as float64 (n, .) arrays, ``listen`` a bool or a list of bools; returns
        (yaw, pitch, lid, state, saccade, blink_start, events) as lists (gaze and lid in float64)."""
        cfg, prior, fps = self.config, self.prior, self.fps
        dt = 1.0 / fps
        u_all = self._rng.random((n, N_UNIFORMS)).tolist()
        yaw, pitch, lid, state = [0.0] * n, [0.0] * n, [0.0] * n, [0] * n
        sacc, blink_start = [False] * n, [False] * n
        events = []
        blink_p_listen = self._blink_p_listen
        micro_p = self._micro_p
        for k in range(n):
            u = u_all[k]
            lk = listen if listen is True or listen is False else listen[k]
            t = (self._frame + k) / fps
            t1 = (self._frame + k + 1) / fps
            # -- the pose at t --------------------------------------------------------------
            mv = self._move
            if mv is not None and t < mv.t_end:
                yaw[k], pitch[k] = mv.at(t)
                moving = True
            else:
                yaw[k], pitch[k] = self._fix[0] + self._drift[0], self._fix[1] + self._drift[1]
                moving = False
            bl = self._blink
            if bl is not None and t < bl.t_end:
                lid[k] = bl.at(t)
            state[k] = self._state
            # -- events starting within [t, t1) ------------------------------------------------
            started = False
            if t1 > self._next_saccade:
                lo = max(t, self._next_saccade)
                if lk:
                    p_s = prior.saccade_prob(lo - self._fix_start, t1 - self._fix_start)
                else:
                    x = s_logit[k]
                    if x == x and abs(x) != math.inf:
                        p_s = _sigmoid(x) * (t1 - lo) * fps
                    else:
                        p_s = 0.0
                        self._nonfinite()
                if u[0] < p_s:
                    sacc[k] = started = True
                    blink_start[k] = self._saccade(lo, t1, u, lk, target_logits, state_logits, k, events)
            if not started and t1 > self._next_micro and u[9] < micro_p * (t1 - max(t, self._next_micro)) * fps:
                self._micro(t, t1, u, events)
                moving = True
            if not blink_start[k] and t1 > self._next_blink:
                lo = max(t, self._next_blink)
                if lk:
                    p_b = blink_p_listen
                else:
                    x = b_logit[k]
                    if x == x and abs(x) != math.inf:
                        p_b = _sigmoid(x)
                    else:
                        p_b = 0.0
                        self._nonfinite()
                if u[6] < p_b * (t1 - lo) * fps:
                    self._start_blink(lo + u[7] * (t1 - lo), u[15], events)
                    blink_start[k] = True
            # -- drift until the next frame (a slow random walk pulled back to the fixation point)
            if not started and not (moving and self._move.t_end > t1):
                r = math.sqrt(-2.0 * math.log(1.0 - u[12])) * self._drift_step
                th = 2.0 * math.pi * u[13]
                keep = 1.0 - cfg.drift_return_per_s * dt
                self._drift = (self._drift[0] * keep + r * math.cos(th), self._drift[1] * keep + r * math.sin(th))
        self._frame += n
        return yaw, pitch, lid, state, sacc, blink_start, events
