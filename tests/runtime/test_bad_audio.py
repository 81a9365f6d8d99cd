"""The bad-audio matrix: every case gives finite, in-range motion (or a clear error)."""
import numpy as np
import pytest

from sgt_lite import Animator
from sgt_lite.audio import Resampler, SAMPLE_WAV, read_wav
from sgt_lite.errors import BadAudioError

RATE = 16000
SPEECH = read_wav(SAMPLE_WAV)[0][: RATE * 6]
t = np.arange(RATE * 6) / RATE
CASES = {
    "silence": np.zeros(RATE * 6, np.float32),
    "dc_offset": (SPEECH * 0.5 + 0.4).astype(np.float32),
    "square_full_scale": np.sign(np.sin(2 * np.pi * 220 * t)).astype(np.float32),
    "white_noise": np.random.default_rng(0).uniform(-1, 1, RATE * 6).astype(np.float32),
    "clipping": np.clip(SPEECH * 20, -1, 1).astype(np.float32),
    "int16": (SPEECH * 32767).astype(np.int16),
    "int32": (SPEECH * 2 ** 31 * 0.99).astype(np.int32),
    "float64": SPEECH.astype(np.float64),
}


def _check(frames, anim):
    f = np.array(frames)[:, 1:]
    assert np.isfinite(f).all()
    lo, hi = anim.bundle.output_ranges[:, 0], anim.bundle.output_ranges[:, 1]
    assert (f >= lo).all() and (f <= hi).all()
    return f


@pytest.mark.parametrize("name", sorted(CASES))
def test_signal_cases(name):
    anim = Animator(backend="numpy")
    f = _check(anim.step(CASES[name]), anim)
    assert len(f) == 149


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_other_rates_through_the_streaming_resampler(rate):
    x = Resampler(RATE, rate).process(SPEECH)               # the audio as a device would give it
    r = Resampler(rate, RATE)
    anim = Animator(backend="numpy")
    frames = []
    for i in range(0, len(x), rate // 50):
        frames += anim.step(r.process(x[i:i + rate // 50]))
    f = _check(frames, anim)
    assert abs(len(f) - 149) <= 2


def test_stereo_is_a_clear_error_and_downmix_works():
    stereo = np.stack([SPEECH, SPEECH], axis=1)
    anim = Animator(backend="numpy")
    with pytest.raises(BadAudioError, match=r"chunk.mean\(axis=1\)"):
        anim.step(stereo)
    _check(anim.step(stereo.mean(axis=1)), anim)


def test_nan_and_inf_bursts():
    x = SPEECH.copy()
    for a in range(0, len(x), 7000):
        x[a:a + 300] = [np.nan, np.inf, -np.inf][a % 3]
    anim = Animator(backend="numpy")
    _check(anim.step(x), anim)
    assert anim._frontend.nonfinite_count > 0


@pytest.mark.parametrize("size", [0, 1, 7, 160, 1023, 16000, 10 ** 6])
def test_chunk_sizes(size):
    x = np.tile(SPEECH, 32)[: max(size, 1) * 3]
    anim = Animator(backend="numpy")
    frames = []
    for i in range(3):
        frames += anim.step(x[i * size:(i + 1) * size])
    if frames:
        _check(frames, anim)
    n = size * 3
    assert len(frames) == (((n - 400) // 160 + 1) // 4 if n >= 400 else 0)
    whole = Animator(backend="numpy").step(x[:size * 3])
    assert frames == whole
