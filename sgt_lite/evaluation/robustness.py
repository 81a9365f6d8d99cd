"""Silence, noise and variety: how a generator behaves when nobody speaks, when a fan or music
plays, and whether it replays itself.

The noise inputs are synthesised here from a seed, so every run scores the same sounds:

- ``white noise``: Gaussian, flat spectrum, −40 dBFS RMS;
- ``music``: a plucked pentatonic melody over a bass line and a sustained pad, −25 dBFS RMS;
- ``room tone``: brown-ish rumble, 50 Hz mains hum with harmonics and a faint hiss, −50 dBFS RMS;
- ``claps``: hand-clap-like noise bursts in irregular groups, −30 dBFS RMS.

Motion is summarised by head speed: the mean norm of the head's angular velocity, deg/s.
"""
import logging

import numpy as np

log = logging.getLogger(__name__)

RATE = 16000
NOISE_S = 20.0
SENTENCE_S = 6.0
SILENCE_S = 10.0


def _at_dbfs(x, dbfs):
    rms = np.sqrt(np.mean(np.square(x, dtype=np.float64)))
    return (x * (10 ** (dbfs / 20.0) / max(rms, 1e-12))).astype(np.float32)


def white_noise(seconds=NOISE_S, dbfs=-40.0, seed=0, rate=RATE) -> np.ndarray:
    """Gaussian white noise at ``dbfs`` RMS.

    >>> x = white_noise(1.0)
    >>> x.dtype, x.size, round(float(20 * np.log10(np.sqrt(np.mean(x ** 2)))), 1)
    (dtype('float32'), 16000, -40.0)
    """
    return _at_dbfs(np.random.default_rng(seed).standard_normal(int(seconds * rate)), dbfs)


def music(seconds=NOISE_S, dbfs=-25.0, seed=0, rate=RATE) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    out = np.zeros(n)
    scale = 220.0 * 2 ** (np.array([0, 2, 4, 7, 9, 12, 14, 16, 19, 21]) / 12)
    pos = 0.0
    while pos < seconds:                                      # melody: plucked notes
        dur = rng.choice([0.2, 0.3, 0.4, 0.6])
        f0 = rng.choice(scale)
        a, b = int(pos * rate), min(n, int((pos + dur + 0.4) * rate))
        tt = t[a:b] - pos
        env = np.minimum(tt / 0.01, 1.0) * np.exp(-tt / 0.3)
        out[a:b] += env * sum(np.sin(2 * np.pi * k * f0 * tt) / k for k in range(1, 6))
        pos += dur
    for k, root in enumerate(rng.choice(scale[:5] / 2, size=int(np.ceil(seconds)))):   # bass, one a second
        a, b = int(k * rate), min(n, int((k + 1) * rate))
        tt = t[a:b] - k
        out[a:b] += 0.8 * np.exp(-tt / 0.5) * np.sin(2 * np.pi * root * tt)
    pad_f = scale[[0, 2, 4]]                                   # pad: a sustained chord with slow tremolo
    out += 0.3 * (1 + 0.3 * np.sin(2 * np.pi * 0.25 * t)) * sum(np.sin(2 * np.pi * f * t) for f in pad_f)
    return _at_dbfs(out, dbfs)


def room_tone(seconds=NOISE_S, dbfs=-50.0, seed=0, rate=RATE) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    brown = np.cumsum(rng.standard_normal(n))
    k = int(0.05 * rate)
    brown -= np.convolve(brown, np.ones(k) / k, mode="same")     # keep ~20-300 Hz rumble, no DC walk
    brown /= brown.std() + 1e-12
    hum = sum(a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f, a in ((50, 1.0), (100, 0.5), (150, 0.3)))
    hiss = 0.1 * rng.standard_normal(n)
    return _at_dbfs(brown + 0.7 * hum / np.sqrt(0.67) + hiss, dbfs)


def claps(seconds=NOISE_S, dbfs=-30.0, seed=0, rate=RATE) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    out = np.zeros(n)
    pos = rng.uniform(0.1, 0.5)
    while pos < seconds:
        for _ in range(rng.integers(2, 7)):                       # a group of claps
            a = int(pos * rate)
            m = min(n - a, int(0.08 * rate))
            if m <= 0:
                break
            burst = rng.standard_normal(m) * np.exp(-np.arange(m) / (0.012 * rate))
            out[a:a + m] += np.convolve(burst, [1.0, -0.6], mode="same") * rng.uniform(0.6, 1.0)
            pos += rng.uniform(0.25, 0.45)
        pos += rng.uniform(0.8, 2.5)
    return _at_dbfs(out, dbfs)


NOISES = {"white noise": white_noise, "music": music, "room tone": room_tone, "claps": claps}


def noise_inputs(seed=0, seconds=NOISE_S, rate=RATE) -> dict:
    """{name: audio} for every entry of :data:`NOISES`, all from ``seed``."""
    return {name: f(seconds=seconds, seed=seed + i, rate=rate) for i, (name, f) in enumerate(NOISES.items())}


def head_speed(track, frames=None) -> float:
    """Mean head angular speed, deg/s (over the frame-to-frame steps ending in ``frames``, a bool mask)."""
    m = track.motion[:, :3].astype(np.float64)
    if len(m) < 2:
        return float("nan")
    s = np.linalg.norm(np.diff(m, axis=0), axis=1) * track.fps
    if frames is not None:
        s = s[np.asarray(frames, bool)[1:len(m)]]
    return float(s.mean()) if s.size else float("nan")


def head_correlation(a, b) -> float:
    """Mean Pearson r over the head axes that move in both tracks (NaN if none does)."""
    n = min(len(a), len(b))
    rs = []
    for i in range(3):
        x, y = a.motion[:n, i].astype(np.float64), b.motion[:n, i].astype(np.float64)
        if n > 2 and x.std() > 1e-6 and y.std() > 1e-6:
            rs.append(np.corrcoef(x, y)[0, 1])
    return float(np.mean(rs)) if rs else float("nan")


def sentence(audio, utterances, fps, seconds=SENTENCE_S, rate=RATE) -> np.ndarray:
    """``seconds`` of audio from the first utterance on (or the clip's start)."""
    start = utterances[0][0] / fps if utterances else 0.0
    a = int(start * rate)
    if len(audio) - a < int(seconds * rate):
        a = max(0, len(audio) - int(seconds * rate))
    return np.asarray(audio[a:a + int(seconds * rate)], np.float32)


def repeat_correlation(generator, piece, seed=0, rate=RATE) -> float:
    """Head correlation between the two halves of the output for ``piece`` said twice in one stream."""
    out = generator.generate(np.concatenate([piece, piece]), rate, seed=seed)
    half = int(round(len(piece) / rate * out.fps))
    first = out.motion[:half]
    second = out.motion[half:2 * half]
    if len(second) < half:
        return float("nan")
    from ..motion import MotionTrack

    return head_correlation(MotionTrack(out.fps, first, np.ones(len(first), bool)),
                            MotionTrack(out.fps, second, np.ones(len(second), bool)))


def noise_speeds(generator, seed=0, rate=RATE) -> dict:
    """{noise kind: head speed (deg/s)} of ``generator`` on each synthetic noise input."""
    inputs = noise_inputs(seed, rate=rate)
    return {kind: head_speed(generator.generate(x, rate, seed=seed)) for kind, x in inputs.items()}


def silence_response(generator, piece, seed=0, rate=RATE, fps=25.0) -> dict:
    """Head speed and blinks per minute in the digital silence after ``piece``, and the whole stream.

    Returns ``{"silence speed", "silence blinks per min", "stream": (track at ``fps``, parts)}``.
    """
    from . import lids as L

    audio, parts = silence_stream(piece, rate=rate, seed=seed)
    out = generator.generate(audio, rate, seed=seed).resampled(fps)
    _, a, b = parts[1]
    fa, fb = int(round(a * fps)), min(len(out), int(round(b * fps)))
    silent = np.zeros(len(out), bool)
    silent[fa + 1:fb] = True
    blinks = L.detect_blinks(out.blink[fa:fb], fps)
    return {"silence speed": head_speed(out, silent),
            "silence blinks per min": len(blinks) / max((fb - fa) / fps / 60.0, 1e-9), "stream": (out, parts)}


def silence_stream(piece, rate=RATE, silence_s=SILENCE_S, noise_s=SILENCE_S, seed=0):
    """Speech, then digital silence, then white noise: (audio, [(label, start s, end s)])."""
    sil = np.zeros(int(silence_s * rate), np.float32)
    noise = white_noise(noise_s, seed=seed, rate=rate)
    t0 = len(piece) / rate
    parts = [("speech", 0.0, t0), ("silence", t0, t0 + silence_s), ("white noise", t0 + silence_s,
                                                                      t0 + silence_s + noise_s)]
    return np.concatenate([piece, sil, noise]), parts
