import numpy as np
import pytest

from sgt_lite.evaluation import robustness as R
from sgt_lite.generators import SwayGenerator
from sgt_lite.generators.base import MotionGenerator


class AudioBlind(MotionGenerator):
    """Test generator: a seeded head random walk that never looks at the audio."""

    name = "blind"

    def generate(self, audio, rate=16000, seed=0, style=None):
        n = self._frames(audio, rate, self.fps)
        rng = np.random.default_rng(seed)
        m = np.zeros((n, 6))
        m[:, :3] = np.cumsum(rng.normal(0, 0.5, (n, 3)), axis=0)
        return self._track(m)


class LoudnessFollower(MotionGenerator):
    """Test generator: head yaw is a pure function of the RMS level (dBFS) of the last 0.2 s: it moves
    above -35 dBFS and is still below (no state, no seed)."""

    name = "follower"

    def generate(self, audio, rate=16000, seed=0, style=None):
        n = self._frames(audio, rate, self.fps)
        hop = int(rate / self.fps)
        x = np.asarray(audio, np.float64)[:n * hop].reshape(n, hop)
        dbfs = 10 * np.log10(np.mean(x ** 2, axis=1) + 1e-12)
        level = np.clip((dbfs + 35.0) / 10.0, 0, 1)
        m = np.zeros((n, 6))
        m[:, 0] = 10 * np.convolve(level, np.ones(5) / 5)[:n]
        return self._track(m)


def _speech_like(seconds=12.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    syll = (np.sin(2 * np.pi * 3.5 * t) > 0.2) * (np.sin(2 * np.pi * 0.3 * t) > -0.6)
    voice = sum(np.sin(2 * np.pi * k * (140 + 20 * np.sin(2 * np.pi * 0.5 * t)) * t) / k for k in range(1, 8))
    return (0.1 * syll * voice + 0.002 * rng.standard_normal(t.size)).astype(np.float32)


def test_noise_inputs_are_seeded_and_at_their_levels():
    a, b = R.noise_inputs(seed=0, seconds=2.0), R.noise_inputs(seed=0, seconds=2.0)
    c = R.noise_inputs(seed=1, seconds=2.0)
    levels = {"white noise": -40.0, "music": -25.0, "room tone": -50.0, "claps": -30.0}
    for name, x in a.items():
        assert x.dtype == np.float32 and x.size == 32000
        np.testing.assert_array_equal(x, b[name])
        assert not np.array_equal(x, c[name])
        assert 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2))) == pytest.approx(levels[name], abs=0.01)
    spec = np.abs(np.fft.rfft(a["music"]))
    assert spec.max() > 30 * np.median(spec)                          # tonal: sharp spectral peaks
    claps = np.abs(a["claps"])
    assert np.percentile(claps, 99.9) > 8 * np.sqrt(np.mean(claps ** 2))   # impulsive


def test_a_generator_that_ignores_audio_moves_as_much_on_noise_as_on_speech():
    gen = AudioBlind(fps=25.0)
    speech = R.head_speed(gen.generate(_speech_like(20.0), seed=0))
    ratios = [v / speech for v in R.noise_speeds(gen).values()]
    assert all(0.8 < r < 1.25 for r in ratios), ratios


def test_a_loudness_driven_generator_stays_still_on_quiet_noise_and_in_silence():
    gen = LoudnessFollower(fps=25.0)
    speech = R.head_speed(gen.generate(_speech_like(20.0)))
    assert speech > 1.0
    speeds = R.noise_speeds(gen)
    assert speeds["white noise"] / speech < 0.05 and speeds["room tone"] / speech < 0.05
    assert speeds["music"] / speech > 0.1                             # loud music does move it: the metric sees that
    out = R.silence_response(gen, _speech_like(6.0))
    assert out["silence speed"] < 0.05 * speech and out["silence blinks per min"] == 0.0
    track, parts = out["stream"]
    assert [p[0] for p in parts] == ["speech", "silence", "white noise"] and track.duration == pytest.approx(26.0)


def test_seed_and_repeat_correlations():
    audio = _speech_like(12.0)
    blind = AudioBlind(fps=25.0)
    assert abs(R.head_correlation(blind.generate(audio, seed=0), blind.generate(audio, seed=1))) < 0.5
    assert R.head_correlation(blind.generate(audio, seed=3), blind.generate(audio, seed=3)) == pytest.approx(1.0)
    follower = LoudnessFollower(fps=25.0)
    piece = audio[:6 * 16000]
    assert R.repeat_correlation(follower, piece) > 0.95                # a replay of the same words
    assert R.repeat_correlation(SwayGenerator(fps=25.0), piece) < 0.6  # sway's sines run on in time
    still = MotionGenerator(fps=25.0)
    still.generate = lambda a, rate=16000, seed=0, style=None: still._track(np.zeros((150, 6)))
    assert np.isnan(R.head_correlation(still.generate(audio), still.generate(audio)))


def test_sentence_starts_at_the_first_utterance():
    audio = np.arange(20 * 16000, dtype=np.float32)
    piece = R.sentence(audio, [(50, 120)], 25.0)
    assert piece.size == 6 * 16000 and piece[0] == 2 * 16000
    assert R.sentence(audio, [(480, 500)], 25.0)[0] == 14 * 16000     # near the end: the last 6 s
