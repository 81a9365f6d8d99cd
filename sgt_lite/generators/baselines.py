"""Baselines: a motionless head and the loudness-gated sway robot heads ship today."""
import numpy as np

from ..audio import resample
from .base import MotionGenerator
from .prosody import VoiceGate, loudness_db
from ..motion import CHANNELS


class StaticGenerator(MotionGenerator):
    """No motion at all: the floor every generator must beat.

    >>> bool(StaticGenerator().generate(np.zeros(16000)).motion.any())
    False
    """

    name = "static"

    def generate(self, audio, rate=16000, seed=0, style=None):
        return self._track(np.zeros((self._frames(audio, rate, self.fps), len(CHANNELS))))


class SwayGenerator(MotionGenerator):
    """Loudness-gated sway: fixed sinusoids (7.5 deg at 0.6 Hz yaw, 4.5 deg at 2.2 Hz pitch,
    2.25 deg at 1.3 Hz roll) scaled by a loudness envelope, computed on 50 ms hops behind
    a voice-activity gate with hysteresis. Eyes and lids stay still.

    >>> m = SwayGenerator().generate(np.zeros(16000)).motion
    >>> float(np.abs(m).max())
    0.0
    """

    name = "sway"
    HOP_S = 0.05
    SINES = ((7.5, 0.6), (4.5, 2.2), (2.25, 1.3))

    def generate(self, audio, rate=16000, seed=0, style=None):
        x = resample(np.asarray(audio, np.float32), rate, 16000) if rate != 16000 else np.asarray(audio, np.float32)
        hop_fps = 1.0 / self.HOP_S
        db = loudness_db(x, hop_fps)
        gate = VoiceGate(hop_fps)
        env = np.zeros(db.size)
        level = 0.0
        for i, v in enumerate(db):
            target = np.clip((v - gate.floor - 6.0) / 24.0, 0.0, 1.0) if gate.step(v) else 0.0
            level += (0.5 if target > level else 0.15) * (target - level)
            env[i] = level
        t = np.arange(db.size) * self.HOP_S
        hop_motion = np.zeros((db.size, len(CHANNELS)))
        for axis, (amp, hz) in enumerate(self.SINES):
            hop_motion[:, axis] = amp * env * np.sin(2 * np.pi * hz * t)
        n = self._frames(x, 16000, self.fps)
        tf = np.arange(n) / self.fps
        motion = np.stack([np.interp(tf, t, hop_motion[:, i]) for i in range(len(CHANNELS))], 1)
        return self._track(motion)
