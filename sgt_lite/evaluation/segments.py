"""Speech and pauses of a clip, from the audio's voice activity (offline, whole clip)."""
import dataclasses
import logging

import numpy as np

from ..generators.prosody import analyse

log = logging.getLogger(__name__)

PAUSE_S = 0.7


@dataclasses.dataclass
class Segments:
    """Per-frame ``speech`` (voice activity), ``pauses`` (non-speech runs of at least ``PAUSE_S``)
    and ``utterances`` (the stretches between pauses that hold speech), as [(start, end)] frames.

    >>> x = np.zeros(16000 * 4, np.float32)
    >>> x[16000:40000] = 0.3 * np.sin(np.arange(24000) * 0.2)
    >>> s = segments(x, 25.0)
    >>> s.utterances, [(a, b) for a, b in s.pauses]
    ([(24, 63)], [(0, 24), (63, 100)])
    """

    fps: float
    speech: np.ndarray
    pauses: list
    utterances: list

    def pause_mask(self) -> np.ndarray:
        m = np.zeros(self.speech.size, bool)
        for a, b in self.pauses:
            m[a:b] = True
        return m


def _runs(mask):
    edges = np.diff(np.concatenate([[0], np.asarray(mask, np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def segments(audio: np.ndarray, fps: float, pause_s: float = PAUSE_S) -> Segments:
    speech = analyse(audio, fps).speech
    n = speech.size
    min_len = int(round(pause_s * fps))
    pauses = [(int(a), int(b)) for a, b in _runs(~speech) if b - a >= min_len]
    talk = np.ones(n, bool)
    for a, b in pauses:
        talk[a:b] = False
    utterances = [(int(a), int(b)) for a, b in _runs(talk) if speech[a:b].any()]
    return Segments(fps, speech, pauses, utterances)
