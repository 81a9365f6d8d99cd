import numpy as np
import pytest

from sgt_lite.audio import SAMPLE_WAV, read_wav
from sgt_lite.errors import ConfigError
from sgt_lite.evaluation import metrics as M
from sgt_lite.generators import PRESETS, ProceduralGenerator, StaticGenerator, SwayGenerator, make_generator
from sgt_lite.generators.procedural import saccade_duration
from sgt_lite.generators.prosody import VoiceGate, analyse


@pytest.fixture(scope="module")
def sample():
    return read_wav(SAMPLE_WAV)[0]


def test_all_generators_share_the_interface(sample):
    for name in ("static", "sway", "procedural"):
        t = make_generator(name, fps=25).generate(sample, 16000, seed=3)
        assert t.fps == 25 and len(t) == 300 and np.isfinite(t.motion).all()
        assert t.source == f"generated:{name}"
    with pytest.raises(ConfigError, match="available"):
        make_generator("diffusion")


def test_procedural_is_seeded(sample):
    g = ProceduralGenerator()
    a, b = g.generate(sample, seed=5), g.generate(sample, seed=5)
    np.testing.assert_array_equal(a.motion, b.motion)
    assert not np.array_equal(a.motion, g.generate(sample, seed=6).motion)


def test_sway_follows_the_spec(sample):
    t = SwayGenerator(fps=20).generate(sample)
    assert np.abs(t.head_yaw).max() <= 7.5 + 1e-6
    assert np.abs(t.head_pitch).max() <= 4.5 + 1e-6
    assert np.abs(t.head_roll).max() <= 2.25 + 1e-6
    assert np.abs(t.head_yaw).max() > 3            # it moves while speech is loud
    spec = np.abs(np.fft.rfft(t.head_pitch))
    freqs = np.fft.rfftfreq(len(t), 1 / 20)
    assert abs(freqs[np.argmax(spec[1:]) + 1] - 2.2) < 0.3
    assert not t.motion[:, 3:].any()               # eyes and lids still
    silent = SwayGenerator().generate(np.zeros(32000, np.float32))
    assert not silent.motion.any()


def test_static_is_still(sample):
    assert not StaticGenerator().generate(sample).motion.any()


def test_styles_are_measurably_different(sample):
    x = np.concatenate([sample, sample, sample])
    g = ProceduralGenerator()
    tr = {s: g.generate(x, seed=0, style=s) for s in PRESETS}
    std = {s: t.motion[:, 0].std() for s, t in tr.items()}
    assert std["orator"] > 2 * std["calm"]
    assert M.blink_rate(tr["nervous"]) > 1.5 * M.blink_rate(tr["calm"])
    assert tr["shy"].gaze_pitch.mean() < tr["orator"].gaze_pitch.mean() - 1.0   # shy looks down
    assert tr["shy"].head_roll.mean() > tr["attentive"].head_roll.mean() + 3    # tilt
    feats = {s: M.style_features(t) for s, t in tr.items()}
    assert M.nearest_centroid_accuracy(feats) > 2.5 / len(PRESETS)


def test_physiology(sample):
    assert saccade_duration(10) == pytest.approx(0.043)
    t = ProceduralGenerator(fps=100).generate(np.concatenate([sample] * 3), seed=2, style="lively")
    amps, _ = M.saccades(t)
    assert amps.size > 5 and np.median(amps) < 15          # conversational saccades are small
    assert 5 < M.blink_rate(t) < 60
    assert np.abs(t.motion[:, 3:5]).max() <= 30            # eyes stay in their range


def test_prosody_finds_phrases_and_peaks(sample):
    pro = analyse(sample, 25)
    assert 2 <= len(pro.phrases) <= 30 and len(pro.prominences) >= 5
    assert 0.3 < pro.speech.mean() < 0.98
    gate = VoiceGate(20)
    assert not any(gate.step(-80.0) for _ in range(40))
