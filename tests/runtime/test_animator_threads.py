"""One Animator shared by threads: step() and reset() are serialised (issue #10, defect 6).

Every step() is atomic, so across all threads each frame index is handed out exactly once and
the frame count is what one thread feeding the same audio would get; a reset() from another
thread (barge-in) lands between two steps.
"""
import sys
import threading

import numpy as np
import pytest

from sgt_lite import Animator
from sgt_lite.audio import SAMPLE_WAV, read_wav

from .test_animator import INSTALLED


@pytest.fixture(scope="module")
def speech():
    return read_wav(SAMPLE_WAV)[0]


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # let the GIL change hands often, so steps really overlap
    yield
    sys.setswitchinterval(old)


def _run(threads_fn, n_threads):
    errors = []

    def wrap(i):
        try:
            threads_fn(i)
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []


@pytest.mark.parametrize("backend", INSTALLED)
def test_steps_from_several_threads_are_atomic(speech, backend, fast_switching):
    anim = Animator(backend=backend)
    chunk = 6400  # 10 frames at 25 fps: long steps, so they overlap often
    frames, fed = [], []

    def work(i):
        rng = np.random.default_rng(i)
        for _ in range(30):
            start = int(rng.integers(0, speech.size - chunk))
            frames.extend(anim.step(speech[start:start + chunk]))
            fed.append(chunk)

    _run(work, 4)
    single = Animator(backend=backend)
    expected = len(single.step(np.zeros(sum(fed), np.float32)))
    t = sorted(f.t for f in frames)
    assert len(frames) == expected
    np.testing.assert_allclose(t, np.arange(expected) / anim.frame_rate)  # no index lost or given twice
    assert all(np.isfinite(f).all() for f in frames)


def test_reset_from_another_thread_lands_between_steps(speech, fast_switching):
    anim = Animator(backend="numpy")
    stop = threading.Event()
    resets = []

    def work(i):
        if i == 0:
            try:
                for _ in range(100):
                    frames = anim.step(speech[:3200])
                    assert all(np.isfinite(f).all() for f in frames)
                    # frames of one step are consecutive: a reset never splits a step
                    assert all(abs(b.t - a.t - 1 / anim.frame_rate) < 1e-9 for a, b in zip(frames, frames[1:]))
            finally:
                stop.set()
        else:
            while not stop.is_set():
                anim.reset()
                resets.append(1)

    _run(work, 2)
    assert resets
    anim.reset()
    fresh = Animator(backend="numpy")
    assert anim.step(speech[:16000]) == fresh.step(speech[:16000])
