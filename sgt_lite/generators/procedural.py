"""Physiologically grounded, style-parameterised motion driven by speech prosody.

What it models (references in README "Motion data"):
- gaze: fixations on the listener with small saccades (talk/listen-dependent
  rates); saccades follow the main sequence (duration 21 ms + 2.2 ms/deg,
  minimum-jerk profile); aversion at phrase onsets, return near phrase ends;
- head: per-phrase turns and tilts, nods on prominence peaks, slow drift, and
  the head joining gaze shifts larger than ~15 deg (eye-head coordination);
  the eyes counter-rotate against the head (eye-in-head = gaze - head);
- blinks: a Poisson process plus blinks coupled to large saccades and pauses.
"""
import dataclasses

import numpy as np

from ..motion import CHANNELS
from .base import MotionGenerator
from .prosody import analyse


@dataclasses.dataclass(frozen=True)
class ProceduralStyle:
    """A speaker style for :class:`ProceduralGenerator` (angles in degrees)."""

    amplitude: float = 4.0            # std of per-phrase head turns (yaw)
    nod_strength: float = 3.0         # peak pitch dip of a nod at full prominence
    tilt: float = 0.0                 # mean head roll
    tilt_var: float = 1.5             # per-phrase roll variation
    drift: float = 1.0                # slow head drift amplitude
    jitter: float = 1.2               # speech-borne 1-3 Hz head micro-motion
    saccade_rate_talk: float = 1.2    # small saccades per second while talking
    saccade_rate_listen: float = 0.6  # ... while listening
    saccade_amp: float = 3.0          # median small-saccade amplitude
    aversion_prob: float = 0.5        # chance of looking away at a phrase onset
    aversion_dir: float = 150.0       # direction of aversion: 0 = own left, 90 = up, 180 = right, 270 = down
    aversion_amp: float = 10.0        # aversion amplitude
    blink_rate: float = 20.0          # spontaneous blinks per minute
    head_gaze_share: float = 0.5      # share of a gaze shift beyond 10 deg taken by the head
    speed: float = 1.0                # >1 = quicker head transitions

    def to_vector(self) -> np.ndarray:
        return np.array(dataclasses.astuple(self), np.float64)


PRESETS = {
    "neutral": ProceduralStyle(),
    "calm": ProceduralStyle(jitter=0.4, amplitude=2.0, nod_strength=1.5, tilt_var=0.8, drift=0.6, saccade_rate_talk=0.7,
                            saccade_rate_listen=0.4, saccade_amp=2.0, aversion_prob=0.3, aversion_amp=7.0,
                            blink_rate=12.0, speed=0.7),
    "lively": ProceduralStyle(jitter=1.4, amplitude=7.0, nod_strength=5.0, tilt_var=3.0, drift=1.8, saccade_rate_talk=2.0,
                              saccade_amp=4.0, aversion_prob=0.6, aversion_amp=13.0, blink_rate=26.0, speed=1.4),
    "orator": ProceduralStyle(jitter=1.0, amplitude=9.0, nod_strength=4.0, tilt_var=1.0, drift=1.0, saccade_rate_talk=0.8,
                              saccade_amp=2.5, aversion_prob=0.2, aversion_dir=90.0, aversion_amp=8.0,
                              blink_rate=14.0, head_gaze_share=0.8, speed=0.8),
    "shy": ProceduralStyle(jitter=0.5, amplitude=2.5, nod_strength=2.0, tilt=4.0, tilt_var=1.0, drift=0.8,
                           saccade_rate_talk=1.5, saccade_amp=3.0, aversion_prob=0.85, aversion_dir=250.0,
                           aversion_amp=14.0, blink_rate=24.0, head_gaze_share=0.3),
    "nervous": ProceduralStyle(jitter=1.2, amplitude=3.5, nod_strength=2.0, tilt_var=2.0, drift=1.5, saccade_rate_talk=3.0,
                               saccade_rate_listen=2.0, saccade_amp=5.0, aversion_prob=0.7, aversion_dir=200.0,
                               aversion_amp=12.0, blink_rate=40.0, speed=1.6),
    "attentive": ProceduralStyle(jitter=0.6, amplitude=3.0, nod_strength=4.5, tilt=-3.0, tilt_var=1.0, drift=0.7,
                                 saccade_rate_talk=0.6, saccade_rate_listen=0.3, saccade_amp=1.5,
                                 aversion_prob=0.15, aversion_amp=6.0, blink_rate=15.0),
}


def min_jerk(tau):
    tau = np.clip(tau, 0.0, 1.0)
    return tau ** 3 * (10 - 15 * tau + 6 * tau ** 2)


def saccade_duration(amplitude_deg):
    """Main sequence: ~21 ms + 2.2 ms per degree."""
    return 0.021 + 0.0022 * np.abs(amplitude_deg)


class _Timeline:
    """Piecewise minimum-jerk transitions between targets, sampled at frame times."""

    def __init__(self, n, fps, start=(0.0, 0.0)):
        self.t = np.arange(n) / fps
        self.events = []          # (t0, duration, target)
        self.start = np.array(start, float)

    def move(self, t0, duration, target):
        self.events.append((t0, max(duration, 1e-3), np.array(target, float)))

    def render(self):
        out = np.tile(self.start, (self.t.size, 1))
        current = self.start.copy()
        for t0, dur, target in sorted(self.events, key=lambda e: e[0]):
            sel = self.t >= t0
            s = min_jerk((self.t[sel] - t0) / dur)[:, None]
            out[sel] = current + s * (target - current)
            current = target
        return out


class ProceduralGenerator(MotionGenerator):
    """Rule-based talking motion in a named style (see :data:`PRESETS`) or a :class:`ProceduralStyle`.

    >>> from sgt_lite.audio import read_wav, SAMPLE_WAV
    >>> x, _ = read_wav(SAMPLE_WAV)
    >>> t = ProceduralGenerator().generate(x, seed=1, style="lively")
    >>> t.fps, len(t), bool(t.motion[:, 0].std() > 1)
    (30.0, 360, True)
    """

    name = "procedural"
    styles = tuple(PRESETS)

    def __init__(self, fps: float = 30.0, style="neutral"):
        super().__init__(fps)
        self.default_style = style

    def resolve(self, style) -> ProceduralStyle:
        style = self.default_style if style is None else style
        if isinstance(style, ProceduralStyle):
            return style
        if style not in PRESETS:
            from ..errors import ConfigError

            raise ConfigError(f"unknown procedural style {style!r}; available: {sorted(PRESETS)}")
        return PRESETS[style]

    def generate(self, audio, rate=16000, seed=0, style=None):
        st = self.resolve(style)
        if rate != 16000:
            from ..audio import resample

            audio = resample(audio, rate, 16000)
        rng = np.random.default_rng(seed)
        fps = self.fps
        pro = analyse(audio, fps)
        n = pro.loudness.size
        dur = n / fps
        talking = pro.speech

        # --- gaze target (direction relative to the listener) -----------------------
        gaze = _Timeline(n, fps)
        big_saccades = []
        aversions = []
        for a, b in pro.phrases:
            if rng.random() < st.aversion_prob:
                ang = np.radians(st.aversion_dir + rng.normal(0, 25))
                amp = max(3.0, rng.normal(st.aversion_amp, 0.25 * st.aversion_amp))
                t_away = a / fps + rng.uniform(0.0, 0.25)
                t_back = max(t_away + 0.6, b / fps - rng.uniform(0.2, 0.6))
                aversions.append((t_away, t_back, amp * np.array([np.cos(ang), np.sin(ang)])))
        busy = np.zeros(n, bool)
        for t_away, t_back, target in aversions:
            gaze.move(t_away, saccade_duration(np.hypot(*target)), target)
            back = rng.normal(0, 1.0, 2)
            gaze.move(t_back, saccade_duration(np.hypot(*(target - back))), back)
            big_saccades += [t_away, t_back]
            busy[int(t_away * fps):int(t_back * fps) + 1] = True
        t = 0.0
        centre = np.zeros(2)
        while t < dur:
            k = min(int(t * fps), n - 1)
            rate_now = st.saccade_rate_talk if talking[k] else st.saccade_rate_listen
            t += rng.gamma(2.0, 0.5 / max(rate_now, 1e-3))
            k = min(int(t * fps), n - 1)
            if t >= dur or busy[k]:
                continue
            amp = rng.lognormal(np.log(st.saccade_amp), 0.5)
            ang = rng.uniform(0, 2 * np.pi)
            target = np.clip(centre + amp * np.array([np.cos(ang), 0.6 * np.sin(ang)]), -6, 6)
            gaze.move(t, saccade_duration(amp), target)
            if amp > 10:
                big_saccades.append(t)
        gaze_world = gaze.render()

        # --- head ---------------------------------------------------------------------
        head = _Timeline(n, fps, start=(0.0, 0.0, st.tilt))
        trans = 0.8 / st.speed
        for a, b in pro.phrases:
            yaw = rng.normal(0, st.amplitude)
            pitch = rng.normal(0, 0.4 * st.amplitude)
            roll = st.tilt + rng.normal(0, st.tilt_var) + 0.15 * yaw
            head.move(a / fps - 0.1, rng.uniform(0.7, 1.3) * trans, (yaw, pitch, roll))
        for t_away, t_back, target in aversions:  # the head joins large gaze shifts
            excess = np.sign(target) * np.maximum(np.abs(target) - 10.0, 0.0) * st.head_gaze_share
            if np.any(excess):
                head.move(t_away + 0.05, 0.5 / st.speed, (excess[0], excess[1], st.tilt + 0.1 * excess[0]))
                head.move(t_back + 0.05, 0.6 / st.speed, (0.0, 0.0, st.tilt))
        head_pose = head.render()
        nod = np.zeros(n)
        nod_len = int(round(0.45 * fps))
        shape = np.concatenate([-np.sin(np.linspace(0, np.pi, int(round(0.28 * fps)))),
                                0.35 * np.sin(np.linspace(0, np.pi, nod_len - int(round(0.28 * fps))))])
        for k, strength in pro.prominences:
            if rng.random() < 0.8:
                seg = nod[k:k + nod_len]
                seg += st.nod_strength * (0.4 + 0.6 * strength) * shape[:seg.size]
        listen_nods = np.flatnonzero(~talking & (rng.random(n) < 0.08 / fps))
        for k in listen_nods:
            seg = nod[k:k + nod_len]
            seg += 0.6 * st.nod_strength * shape[:seg.size]
        head_pose[:, 1] += nod
        # speech-borne micro-motion: 1-3 Hz band-limited noise, stronger when loud
        loud = np.clip((pro.loudness - np.percentile(pro.loudness, 20)) / 25.0, 0.0, 1.0) * talking
        k = np.arange(-int(fps // 2), int(fps // 2) + 1) / fps
        band = np.sinc(2 * 3.0 * k) * 6.0 - np.sinc(2 * 1.0 * k) * 2.0
        band *= np.hanning(k.size) / np.sqrt(np.sum((band * np.hanning(k.size)) ** 2))
        for axis, scale in ((0, 1.0), (1, 0.8), (2, 0.5)):
            noise = np.convolve(rng.normal(0, 1, n), band, mode="same")
            head_pose[:, axis] += st.jitter * scale * loud * noise
        tt = np.arange(n) / fps
        activity = 0.5 + 0.5 * np.convolve(talking.astype(float), np.ones(int(fps)) / int(fps), mode="same")
        for axis, scale in ((0, 1.0), (1, 0.6), (2, 0.4)):
            drift = sum(rng.normal(0, 1) / (1 + i) * np.sin(2 * np.pi * f * tt + rng.uniform(0, 2 * np.pi))
                        for i, f in enumerate(rng.uniform(0.08, 0.6, 4)))
            head_pose[:, axis] += st.drift * scale * activity * drift

        # --- eyes: eye-in-head = gaze direction - head direction (VOR) --------------------
        eyes = np.clip(gaze_world - head_pose[:, :2], -30.0, 30.0)

        # --- blinks -------------------------------------------------------------------------
        blink_times = []
        t = rng.exponential(60.0 / st.blink_rate)
        while t < dur:
            blink_times.append(t)
            t += max(0.4, rng.exponential(60.0 / st.blink_rate))
        blink_times += [s + 0.02 for s in big_saccades if rng.random() < 0.4]
        pause_starts = [b / fps for _, b in pro.phrases]
        blink_times += [s + rng.uniform(0.05, 0.3) for s in pause_starts if rng.random() < 0.3]
        blink = np.zeros(n)
        for t0 in sorted(blink_times):
            close, hold, reopen = 0.075, 0.05, 0.15
            x = tt - t0
            shape = np.where(x < 0, 0, np.where(x < close, x / close, np.where(
                x < close + hold, 1.0, np.clip(1 - (x - close - hold) / reopen, 0, 1))))
            blink = np.maximum(blink, shape)

        motion = np.zeros((n, len(CHANNELS)))
        motion[:, 0:3] = head_pose
        motion[:, 3:5] = eyes
        motion[:, 5] = blink
        return self._track(motion)
