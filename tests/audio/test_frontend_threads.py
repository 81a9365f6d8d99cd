"""One Frontend shared by several threads: calls are serialised, never torn (issue #10, defect 6).

The signal is a 100 Hz sine at 16 kHz (period 160 samples = one hop) and pre-emphasis is off, so
every window of the stream holds the same samples whatever the interleaving of process() and
reset() calls: every frame must equal one reference frame, and no call may fail.
"""
import sys
import threading

import numpy as np
import pytest

from sgt_lite.audio import Frontend, FrontendConfig

CONFIG = FrontendConfig(preemph=0.0)
PERIOD = 160


def _periodic(n_periods):
    t = np.arange(PERIOD * n_periods) / 16000.0
    return (0.5 * np.sin(2 * np.pi * 100.0 * t)).astype(np.float32)


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # let the GIL change hands often, so calls really overlap
    yield
    sys.setswitchinterval(old)


def _hammer(fe, n_threads, rounds, with_resets, buffered=lambda fe: fe._core.buffered):
    chunks = [_periodic(k) for k in (1, 2, 3, 7, 25)]
    frames, fed, errors = [], [], []
    barrier = threading.Barrier(n_threads + 1)

    def worker(seed):
        rng = np.random.default_rng(seed)
        barrier.wait()
        try:
            for _ in range(rounds):
                if with_resets and rng.random() < 0.2:
                    fe.reset()
                    continue
                chunk = chunks[rng.integers(len(chunks))]
                out = fe.process(chunk)
                frames.append(np.frombuffer(out, np.float32).reshape(-1, CONFIG.frame_size).copy())
                fed.append(chunk.size)
                assert 0 <= buffered(fe) < CONFIG.win_length
        except Exception as exc:  # reported below, with the thread's traceback text
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []
    return np.concatenate(frames), sum(fed)


@pytest.mark.parametrize("backend", ["c", "numpy"])
@pytest.mark.parametrize("with_resets", [False, True])
def test_threads_sharing_a_frontend_get_consistent_frames(backend, with_resets, fast_switching):
    ref = Frontend(CONFIG, backend=backend).process(_periodic(10))[0]
    fe = Frontend(CONFIG, backend=backend)
    rounds = 400 if backend == "c" else 60
    got, _ = _hammer(fe, 4, rounds, with_resets)
    assert got.shape[0] > 0 and got.shape[1] == CONFIG.frame_size
    np.testing.assert_allclose(got, np.broadcast_to(ref, got.shape), atol=1e-4)


def test_threads_without_resets_lose_no_samples(fast_switching):
    fe = Frontend(CONFIG, backend="c")
    got, fed = _hammer(fe, 4, 300, with_resets=False)
    # every sample was consumed exactly once, as if the calls had come one after another
    assert got.shape[0] == (fed - CONFIG.win_length) // CONFIG.hop_length + 1
    assert fe._core.buffered == fed - got.shape[0] * CONFIG.hop_length


def test_resampling_frontend_under_threads(fast_switching):
    fe = Frontend(CONFIG, backend="c", input_rate=48000)
    errors = []

    def worker(seed):
        rng = np.random.default_rng(seed)
        try:
            for _ in range(150):
                if rng.random() < 0.2:
                    fe.reset()
                else:
                    out = fe.process(rng.uniform(-1, 1, int(rng.integers(1, 3000))).astype(np.float32))
                    assert out.ndim == 2 and out.shape[1] == CONFIG.frame_size
                    assert np.isfinite(out).all()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []


@pytest.mark.parametrize("with_resets", [False, True])
def test_the_c_binding_itself_serialises_calls(with_resets, fast_switching):
    """The binding's own lock, without the Python wrapper's (the GIL is released in process())."""
    from sgt_lite.audio._mfcc import Mfcc

    ref = Frontend(CONFIG, backend="c").process(_periodic(10))[0]
    m = Mfcc(**CONFIG.to_dict())
    got, fed = _hammer(m, 4, 500, with_resets, buffered=lambda m: m.buffered)
    np.testing.assert_allclose(got, np.broadcast_to(ref, got.shape), atol=1e-4)
    if not with_resets:
        assert got.shape[0] == (fed - CONFIG.win_length) // CONFIG.hop_length + 1
