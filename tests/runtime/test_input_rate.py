"""Audio at another rate than the model's is resampled when the Animator is told, refused when a
chunk says another rate, never silently animated at the wrong speed (issue #13, WAV input)."""
import numpy as np
import pytest

from sgt_lite import Animator
from sgt_lite.audio import SAMPLE_WAV, read_wav, resample
from sgt_lite.errors import BadAudioError


@pytest.fixture(scope="module")
def speech():
    return read_wav(SAMPLE_WAV)[0][:16000 * 4]


def test_8khz_stream_is_resampled_when_the_animator_is_told(speech):
    low = resample(speech, 16000, 8000)
    anim = Animator(backend="numpy", input_rate=8000)
    frames = []
    for i in range(0, len(low), 160):          # 20 ms chunks at 8 kHz
        frames += anim.step(low[i:i + 160], rate=8000)
    ref = Animator(backend="numpy").step(speech)
    assert abs(len(frames) - len(ref)) <= 1     # same duration in frames, not twice as fast
    assert anim.input_rate == 8000 and anim.sample_rate == 16000


def test_a_chunk_at_another_rate_is_refused(speech):
    anim = Animator(backend="numpy")
    with pytest.raises(BadAudioError, match="input_rate=8000"):
        anim.step(speech[:800], rate=8000)
    assert len(anim.step(speech[:16000], rate=16000)) == 24


@pytest.mark.parametrize("bad", [0, -8000, 8000.5, "8000", True, 10 ** 9])
def test_bad_input_rates(bad):
    with pytest.raises(BadAudioError, match="input_rate"):
        Animator(backend="numpy", input_rate=bad)
