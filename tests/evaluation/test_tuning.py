import numpy as np

from sgt_lite.evaluation import tuning as T
from sgt_lite.generators import PRESETS, ProceduralGenerator


def _speech(seconds, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    syll = (np.sin(2 * np.pi * rng.uniform(2.5, 4.5) * t) > 0.1) & (np.sin(2 * np.pi * 0.15 * t + seed) > -0.7)
    voice = sum(np.sin(2 * np.pi * k * rng.uniform(100, 220) * t) / k for k in range(1, 8))
    return (0.1 * syll * voice + 0.0003 * rng.standard_normal(t.size)).astype(np.float32)


def _tune_against(amplitude_scale, blink_rate):
    """'Real' tracks from a procedural style with a known head scale and blink rate; tune on them."""
    truth = T.scaled(PRESETS["neutral"], amplitude_scale)
    truth = type(truth)(**{**truth.__dict__, "blink_rate": blink_rate})
    audios = [_speech(15.0, k) for k in range(4)]
    reals = [ProceduralGenerator(fps=25.0, style=truth).generate(a, seed=100 + k) for k, a in enumerate(audios)]
    for r, name in zip(reals, "abab"):
        r.speaker = name
    return T.tune_procedural(reals, audios, seed=7)


def test_tuning_recovers_a_small_head_and_a_slow_blink():
    got = _tune_against(0.5, 12.0)
    assert got.amplitude / PRESETS["neutral"].amplitude <= 0.7
    assert got.blink_rate < 0.85 * PRESETS["neutral"].blink_rate          # moved toward the slower blinker


def test_tuning_recovers_a_large_head():
    got = _tune_against(1.4, 20.0)
    assert got.amplitude / PRESETS["neutral"].amplitude >= 1.0
