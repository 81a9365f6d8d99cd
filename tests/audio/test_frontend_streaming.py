"""Same frames whatever the chunking."""
import numpy as np
import pytest

from sgt_lite.audio import Frontend


def _feed(frontend, x, sizes):
    out, i = [], 0
    for n in sizes:
        out.append(frontend.process(x[i:i + n]))
        i += n
    out.append(frontend.process(x[i:]))
    return np.concatenate(out)


@pytest.mark.parametrize("backend", ["c", "numpy"])
@pytest.mark.parametrize("chunk", [1, 160, 320, 1000])
def test_fixed_chunks_equal_whole(speech, backend, chunk):
    x = speech[: 16000 * 3] if chunk == 1 and backend == "numpy" else speech
    whole = Frontend(backend=backend).process(x)
    streamed = _feed(Frontend(backend=backend), x, [chunk] * (x.size // chunk))
    assert streamed.shape == whole.shape
    assert np.abs(streamed - whole).max() <= 1e-6


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_random_chunks_equal_whole(speech, rng, backend):
    whole = Frontend(backend=backend).process(speech)
    sizes = rng.integers(0, 2000, size=speech.size // 900)
    streamed = _feed(Frontend(backend=backend), speech, sizes)
    assert np.abs(streamed - whole).max() <= 1e-6


def test_reset_restarts_the_stream(speech):
    fe = Frontend(backend="c")
    first = fe.process(speech[:8000])
    fe.process(speech[8000:8123])
    fe.reset()
    again = fe.process(speech[:8000])
    np.testing.assert_array_equal(first, again)


def test_frames_complete_exactly_at_window_and_hop():
    fe = Frontend(backend="c")
    assert fe.process(np.zeros(399, np.float32)).shape[0] == 0
    assert fe.process(np.zeros(1, np.float32)).shape[0] == 1
    assert fe.process(np.zeros(159, np.float32)).shape[0] == 0
    assert fe.process(np.zeros(1, np.float32)).shape[0] == 1
