"""Synthetic non-speech sounds for testing and fitting the voice-activity detector: white noise,
room tone, music-like tones and clapping (numpy only, seeded, 16 kHz float32 by default)."""
import numpy as np

from ..errors import BadAudioError

RATE = 16000


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _n(seconds, rate):
    if not (seconds > 0 and rate > 0):
        raise BadAudioError(f"need seconds > 0 and rate > 0, got {seconds!r} s at {rate!r} Hz")
    return int(round(seconds * rate))


def at_dbfs(x: np.ndarray, dbfs: float) -> np.ndarray:
    """``x`` scaled to an RMS of ``dbfs`` dB relative to full scale (a full-scale sine is -3 dBFS)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    if rms == 0.0:
        return x.astype(np.float32)
    return (x * (10.0 ** (dbfs / 20.0) / rms)).astype(np.float32)


def coloured_noise(n: int, exponent: float, rng, highpass: float = 0.0) -> np.ndarray:
    """Noise with power spectral density ~ 1/f**exponent (0 white, 1 pink, 2 brown), with nothing
    below ``highpass`` (a fraction of the sample rate)."""
    spec = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    f = np.fft.rfftfreq(n)
    f[0] = f[1] if n > 1 else 1.0
    spec = spec * f ** (-exponent / 2.0)
    spec[f < highpass] = 0.0
    return np.fft.irfft(spec, n)


def white_noise(seconds: float, dbfs: float = -30.0, seed=0, rate: int = RATE) -> np.ndarray:
    """Gaussian white noise.

    >>> x = white_noise(1.0, -40.0)
    >>> x.dtype, len(x), round(float(20 * np.log10(np.sqrt(np.mean(x.astype(float) ** 2)))), 1)
    (dtype('float32'), 16000, -40.0)
    """
    return at_dbfs(_rng(seed).standard_normal(_n(seconds, rate)), dbfs)


def room_tone(seconds: float, dbfs: float = -45.0, seed=0, rate: int = RATE) -> np.ndarray:
    """Room tone: pink-to-brown ventilation noise (nothing below 40 Hz), mains hum with harmonics
    and a slow level wander."""
    rng = _rng(seed)
    n = _n(seconds, rate)
    t = np.arange(n) / rate
    x = coloured_noise(n, rng.uniform(0.8, 2.0), rng, highpass=40.0 / rate)
    x /= np.std(x) + 1e-12
    mains = rng.choice([50.0, 60.0])
    hum = sum(rng.uniform(0.05, 0.4) / h * np.sin(2 * np.pi * mains * h * t + rng.uniform(0, 2 * np.pi))
              for h in range(1, 6))
    wander = 1.0 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t + rng.uniform(0, 2 * np.pi))
    return at_dbfs(x * wander + hum, dbfs)


def music_tones(seconds: float, dbfs: float = -25.0, seed=0, rate: int = RATE) -> np.ndarray:
    """Music-like tones: melodies and chords of harmonic notes with envelopes, some vibrato, some
    percussion, over a soft sustained pad."""
    rng = _rng(seed)
    n = _n(seconds, rate)
    out = np.zeros(n)
    t_all = np.arange(n) / rate
    root = 110.0 * 2 ** rng.uniform(0, 2)
    scale = np.array([0, 2, 4, 5, 7, 9, 11, 12, 14, 16])
    pad_f = root * 2 ** (scale[rng.integers(0, 5)] / 12)
    out += 0.15 * sum(np.sin(2 * np.pi * pad_f * h * t_all) / h for h in (1, 2, 3))
    beat = rng.uniform(0.15, 0.6)
    pos = 0.0
    while pos < seconds:
        dur = beat * rng.choice([0.5, 1, 1, 2, 3])
        a, b = int(pos * rate), min(n, int((pos + dur) * rate))
        if b <= a:
            break
        t = np.arange(b - a) / rate
        voices = rng.integers(1, 4)
        note = np.zeros(b - a)
        for _ in range(voices):
            f0 = root * 2 ** (rng.choice(scale) / 12 + rng.integers(0, 2))
            vib = 1.0 + (rng.uniform(0.003, 0.02) * np.sin(2 * np.pi * rng.uniform(4.5, 6.5) * t)
                         if rng.random() < 0.4 else 0.0)
            phase = 2 * np.pi * np.cumsum(f0 * vib) / rate
            tilt = rng.uniform(0.5, 2.0)
            for h in range(1, rng.integers(2, 10)):
                if f0 * h < rate / 2 - 200:
                    note += np.sin(h * phase) / h ** tilt
        attack, release = rng.uniform(0.005, 0.06), rng.uniform(0.05, 0.3)
        env = np.minimum(1.0, t / attack) * np.exp(-t / (dur + release)) * np.minimum(1.0, (t[-1] - t + 1e-3) / 0.02)
        out[a:b] += note * env
        if rng.random() < 0.3:        # a percussive hit on the beat
            m = min(b - a, int(0.05 * rate))
            out[a:a + m] += 0.5 * rng.standard_normal(m) * np.exp(-np.arange(m) / (0.01 * rate))
        pos += dur
    return at_dbfs(out, dbfs)


def clapping(seconds: float, dbfs: float = -25.0, seed=0, rate: int = RATE, per_s: float = None) -> np.ndarray:
    """Hand claps: band-limited noise bursts with fast decays and a short room tail, at ``per_s``
    claps a second (default: 2-6, or applause at 15-40 one time in three)."""
    rng = _rng(seed)
    n = _n(seconds, rate)
    if per_s is None:
        per_s = rng.uniform(15, 40) if rng.random() < 1 / 3 else rng.uniform(2, 6)
    out = np.zeros(n)
    m = int(0.15 * rate)
    k = np.arange(m)
    t = rng.uniform(0, 1 / per_s)
    while t < seconds:
        a = int(t * rate)
        burst = coloured_noise(m, rng.uniform(-0.5, 0.5), rng)
        burst /= np.std(burst) + 1e-12
        decay = rng.uniform(0.003, 0.015) * rate
        env = np.exp(-k / decay) + 0.05 * np.exp(-k / (0.06 * rate))
        seg = burst * env * rng.uniform(0.5, 1.0)
        b = min(n, a + m)
        out[a:b] += seg[: b - a]
        t += rng.exponential(1 / per_s) * 0.5 + 0.5 / per_s
    return at_dbfs(out, dbfs)


KINDS = {"white_noise": white_noise, "room_tone": room_tone, "music_tones": music_tones, "clapping": clapping}
