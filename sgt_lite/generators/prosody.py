"""Prosody for the rule-based generators and the metrics: loudness, voice activity,
phrases and prominence peaks, all derived from the frontend's log-energy."""
import dataclasses

import numpy as np

from ..audio import Frontend

FRONTEND_FPS = 100.0


def loudness_db(audio: np.ndarray, fps: float) -> np.ndarray:
    """Frame loudness in dB (power-averaged log-energy of the frontend) at ``fps``."""
    fe = Frontend()
    e = fe.process(np.asarray(audio, np.float32))[:, -1].astype(np.float64)
    n_out = int(np.floor(len(audio) / fe.config.sample_rate * fps + 1e-6))
    if e.size == 0:
        return np.full(n_out, -100.0)
    t_in = (np.arange(e.size) * fe.config.hop_length + fe.config.win_length / 2) / fe.config.sample_rate
    edges = np.arange(n_out + 1) / fps
    idx = np.clip(np.searchsorted(t_in, edges), 0, e.size)
    p = 10.0 ** (e / 10.0)
    out = np.empty(n_out)
    for k in range(n_out):
        a, b = idx[k], max(idx[k + 1], idx[k] + 1)
        out[k] = 10.0 * np.log10(np.mean(p[min(a, e.size - 1):min(b, e.size)]) + 1e-12)
    return out


class VoiceGate:
    """Causal voice-activity gate with hysteresis on a loudness envelope.

    The noise floor follows quiet frames quickly and loud ones slowly; the
    gate opens ``open_db`` above the floor and closes ``close_db`` above it,
    and stays open for ``hangover_s`` after the last loud frame.

    >>> g = VoiceGate(fps=20)
    >>> [g.step(db) for db in [-70] * 20 + [-30] * 3 + [-70] * 8][-12:]
    [False, True, True, True, True, True, True, True, True, False, False, False]
    """

    def __init__(self, fps: float, open_db: float = 15.0, close_db: float = 9.0, hangover_s: float = 0.25):
        self.fps, self.open_db, self.close_db = fps, open_db, close_db
        self.hangover = int(round(hangover_s * fps))
        self.reset()

    def reset(self):
        self.floor = None
        self.is_open = False
        self._hold = 0

    def step(self, db: float) -> bool:
        if self.floor is None:
            self.floor = db
        rise, fall = 1.0 - np.exp(-1.0 / (4.0 * self.fps)), 1.0 - np.exp(-1.0 / (0.1 * self.fps))
        self.floor += (fall if db < self.floor else rise) * (db - self.floor)
        self.floor = min(self.floor, db + 30.0)
        level = db - self.floor
        if level > self.open_db:
            self.is_open, self._hold = True, self.hangover
        elif self.is_open and level < self.close_db:
            self._hold -= 1
            if self._hold < 0:
                self.is_open = False
        elif self.is_open:
            self._hold = self.hangover
        return self.is_open


@dataclasses.dataclass
class Prosody:
    fps: float
    loudness: np.ndarray           # dB per frame
    speech: np.ndarray             # bool per frame
    phrases: list                  # [(start_frame, end_frame)], end exclusive
    prominences: list              # [(frame, strength 0..1)]


def analyse(audio: np.ndarray, fps: float, min_pause_s: float = 0.25) -> Prosody:
    """Offline prosody of a whole utterance (non-causal: uses clip percentiles)."""
    db = loudness_db(audio, fps)
    if db.size == 0:
        return Prosody(fps, db, np.zeros(0, bool), [], [])
    lo, hi = np.percentile(db, 10), np.percentile(db, 95)
    on, off = lo + 0.45 * (hi - lo), lo + 0.30 * (hi - lo)
    speech = np.zeros(db.size, bool)
    state = False
    for i, v in enumerate(db):
        state = v > on if not state else v > off
        speech[i] = state
    # close pauses shorter than min_pause_s, drop blips shorter than 80 ms
    speech = _fill_gaps(speech, int(round(min_pause_s * fps)), True)
    speech = _fill_gaps(~speech, int(round(0.08 * fps)), True)
    speech = ~speech
    phrases = _runs(speech)
    smooth = np.convolve(db, np.ones(3) / 3, mode="same")
    local = np.convolve(db, np.ones(int(fps)) / int(fps), mode="same")
    prominences = []
    gap = int(round(0.3 * fps))
    last = -gap
    for i in range(1, db.size - 1):
        if speech[i] and smooth[i] >= smooth[i - 1] and smooth[i] > smooth[i + 1] and i - last >= gap:
            excess = smooth[i] - local[i]
            if excess > 2.0:
                prominences.append((i, float(np.clip(excess / 10.0, 0.0, 1.0))))
                last = i
    return Prosody(fps, db, speech, phrases, prominences)


def _runs(mask):
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _fill_gaps(mask, max_len, value):
    out = mask.copy()
    for a, b in _runs(~mask if value else mask):
        if b - a < max_len and a > 0 and b < mask.size:
            out[a:b] = value
    return out
