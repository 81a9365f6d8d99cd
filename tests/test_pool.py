"""AnimatorPool: each stream gives exactly a lone Animator's frames, on every installed backend."""
import numpy as np
import pytest

from sgt_lite.model.backends import installed_backends
from sgt_lite import Animator
from sgt_lite.audio import SAMPLE_WAV, read_wav
from sgt_lite.audio.synthetic import white_noise
from sgt_lite.errors import BadAudioError, ConfigError
import sgt_lite.pool as pool_module
from sgt_lite.pool import AnimatorPool




INSTALLED = installed_backends()
SEEDS = [3, 7, 7, 11]


@pytest.fixture(params=["arrays", "each"], autouse=True)
def mode(request, monkeypatch):
    """Every test runs with the per-frame work as arrays across streams and stream by stream."""
    monkeypatch.setattr(pool_module, "VECTOR_MIN_STREAMS", 1 if request.param == "arrays" else 10 ** 6)
    return request.param
STYLES = [None, "calm", {"calm": 0.5, "lively": 0.5}, "lively"]


@pytest.fixture(scope="module")
def audio():
    speech = read_wav(SAMPLE_WAV)[0][:16000 * 6]
    noise = white_noise(2.0, -30.0).astype(np.float32)
    quiet = np.zeros(16000, np.float32)
    return [speech, np.concatenate([quiet, speech[:48000], noise]), np.concatenate([noise, speech[16000:]]),
            speech[::-1].copy()]


def _lone(backend, audio, i, sizes=None):
    anim = Animator(backend=backend, seed=SEEDS[i], style=STYLES[i])
    x = audio[i]
    if sizes is None:
        return np.array(anim.step(x))
    out, pos = [], 0
    for n in sizes:
        out += anim.step(x[pos:pos + n])
        pos += n
    return np.array(out)


@pytest.mark.parametrize("backend", INSTALLED)
def test_each_stream_equals_a_lone_animator(audio, backend):
    rng = np.random.default_rng(5)
    pool = AnimatorPool(4, backend=backend, seeds=SEEDS)
    for i, s in enumerate(STYLES):
        if s is not None:
            pool.set_style(i, s)
    pos, got = [0] * 4, [[] for _ in range(4)]
    # different chunk lengths per stream and per call, empty chunks included
    while any(p < len(a) for p, a in zip(pos, audio)):
        sizes = [int(rng.choice([0, 160, 320, 333, 1000, 4000, 16000])) for _ in range(4)]
        chunks = [a[p:p + n] for a, p, n in zip(audio, pos, sizes)]
        for i, fr in enumerate(pool.step(chunks)):
            got[i] += fr
        pos = [p + n for p, n in zip(pos, sizes)]
    lone_speaking = []
    for i in range(4):
        anim = Animator(backend=backend, seed=SEEDS[i], style=STYLES[i])
        want = np.array(anim.step(audio[i]))
        lone_speaking.append(anim.speaking)
        assert len(got[i]) == len(want) > 100
        assert np.array_equal(np.array(got[i]), want), f"stream {i} differs from a lone Animator on {backend}"
    assert pool.speaking == lone_speaking and all(isinstance(v, bool) for v in pool.speaking)


def test_reset_and_style_change_of_one_stream(audio):
    pool = AnimatorPool(4, backend="numpy", seeds=SEEDS)
    for i, s in enumerate(STYLES):
        if s is not None:
            pool.set_style(i, s)
    lone = [Animator(backend="numpy", seed=SEEDS[i], style=STYLES[i]) for i in range(4)]
    got, want = [[] for _ in range(4)], [[] for _ in range(4)]
    step = 3200
    for k, p in enumerate(range(0, 16000 * 5, step)):
        if k == 7:
            pool.reset(1), lone[1].reset()
        if k == 11:
            pool.set_style(2, "lively"), lone[2].set_style("lively")
        chunks = [a[p:p + step] for a in audio]
        for i, fr in enumerate(pool.step(chunks)):
            got[i] += fr
            want[i] += lone[i].step(chunks[i])
    for i in range(4):
        assert np.array_equal(np.array(got[i]), np.array(want[i]))
    assert got[1][-1].t < got[0][-1].t          # stream 1 restarted its clock, the others did not
    assert pool.speaking == [a.speaking for a in lone]


def test_array_input_and_default_seeds_differ(audio):
    x = np.stack([audio[0][:32000]] * 3)
    pool = AnimatorPool(3, backend="numpy")
    out = [np.array(f) for f in pool.step(x)]
    assert [len(f) for f in out] == [49, 49, 49]
    assert not np.array_equal(out[0], out[1])                         # seeds 0, 1, 2 by default
    assert np.array_equal(out[2], np.array(Animator(backend="numpy", seed=2).step(audio[0][:32000])))


def test_bad_input():
    pool = AnimatorPool(2, backend="numpy")
    with pytest.raises(BadAudioError, match="2 streams"):
        pool.step([np.zeros(320, np.float32)])
    with pytest.raises(BadAudioError, match="1-D"):
        pool.step([np.zeros((2, 2), np.float32), np.zeros(3, np.float32)])
    with pytest.raises(BadAudioError):
        pool.step("not audio")
    with pytest.raises(ConfigError, match="stream index"):
        pool.reset(2)
    with pytest.raises(ConfigError, match="seeds"):
        AnimatorPool(2, backend="numpy", seeds=[1])
    with pytest.raises(ConfigError, match="n_streams"):
        AnimatorPool(0, backend="numpy")


def test_model_nan_holds_the_last_output_the_same_in_pool_and_animator(audio, caplog):
    """A model step that gives NaN (here: a poisoned output bias) holds the last output and zeroes
    the state, alike in a lone Animator and in each pool stream."""
    lone = Animator(backend="numpy", seed=3)
    pool = AnimatorPool(2, backend="numpy", seeds=[3, 4])
    steps = [lone._backend._step, pool._backend._step]
    good = [s.b_out.copy() for s in steps]
    got, want = [], []
    for k, p in enumerate(range(0, 16000 * 4, 4000)):
        for s, g in zip(steps, good):
            s.b_out = g.copy()
            if k in (4, 5):
                s.b_out[0] = np.nan
        if k == 4:
            held = lone._stream.last_raw.copy()
        chunk = audio[0][p:p + 4000]
        want += lone.step(chunk)
        got += pool.step([chunk, audio[1][p:p + 4000]])[0]
        if k in (4, 5):
            assert lone.state_norm() == 0.0
            assert (lone._stream.raw[:6] == held).all()          # every frame holds the last good output
        else:
            assert lone.state_norm() > 0.0
    assert np.array_equal(np.array(got), np.array(want))
    assert np.isfinite(np.array(want)).all() and len(want) == 99
    assert caplog.text.count("the model produced NaN/Inf") == 3     # once per stream (1 lone + 2 pooled), not per frame


@pytest.mark.parametrize("chunks, match", [
    ([["a"], [0.0]], "flat list of numbers"),
    ([[0.0, [1.0]], [0.0]], "flat list of numbers"),
    ([np.zeros((2, 2), np.float32), np.zeros(4, np.float32)], "1-D"),
    ([np.zeros(4, np.complex64), np.zeros(4, np.float32)], "dtype"),
    ("not chunks", "chunks must be"),
])
def test_bad_chunks_are_refused_with_sgt_lite_errors(chunks, match):
    pool = AnimatorPool(n_streams=2, backend="numpy")
    with pytest.raises(BadAudioError, match=match):
        pool.step(chunks)
    assert [len(f) for f in pool.step([np.zeros(16000, np.float32)] * 2)] == [24, 24]   # still usable


@pytest.mark.parametrize("kwargs, match", [
    ({"seeds": [-1, 0]}, r"seeds\[0\]"), ({"seeds": ["a", 0]}, r"seeds\[0\]"), ({"seeds": [0, 1.5]}, r"seeds\[1\]"),
    ({"seeds": [0]}, "one seed per stream"), ({"n_streams": 0}, "n_streams"),
])
def test_bad_pool_settings_are_refused(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        AnimatorPool(**{"n_streams": 2, "backend": "numpy", **kwargs})


def test_bad_style_or_index_is_refused_and_changes_nothing():
    pool = AnimatorPool(n_streams=2, backend="numpy")
    before = list(pool.styles_in_use)
    for i, style in ((5, "calm"), (0, "no-such-style"), (0, {"calm": 2.0, "lively": -1.0})):
        with pytest.raises(ConfigError):
            pool.set_style(i, style)
    assert pool.styles_in_use == before
