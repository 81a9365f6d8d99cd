"""The per-frame stages in C (sgt_lite.events._frames) against the Python classes they mirror:
the same frames, bit for bit, through speech, pauses, digital silence, noise, NaN network
outputs, style changes, resets and any chunking; and clear errors around them."""
import logging

import numpy as np
import pytest

import sgt_lite.events.native as native
from sgt_lite import Animator
from sgt_lite.animator import Frame
from sgt_lite.audio import SAMPLE_WAV, read_wav
from sgt_lite.audio.synthetic import white_noise
from sgt_lite.errors import BackendUnavailableError, BadAudioError, ConfigError
from sgt_lite.pool import AnimatorPool

from .test_animator import INSTALLED

pytestmark = pytest.mark.skipif(native.frames_choice() != "c", reason="the C frames extension is not built")


@pytest.fixture(scope="module")
def audio():
    speech = read_wav(SAMPLE_WAV)[0]
    return np.concatenate([speech[:5 * 16000], np.zeros(3 * 16000, np.float32),
                           white_noise(3.0, -30.0, seed=2).astype(np.float32), speech[5 * 16000:9 * 16000]])


def _frames(monkeypatch, which, x, backend="numpy", seed=0, chunk=320, style=None, nan_at=None):
    monkeypatch.setenv(native.FRAMES_ENV, which)
    anim = Animator(backend=backend, seed=seed, style=style)
    assert (anim._stream.native is not None) == (which == "c")
    if nan_at is not None:                      # a network that gives NaN once, mid-speech
        run, calls = anim._backend.run, [0]

        def flaky(xs, h, c, out):
            run(xs, h, c, out)
            calls[0] += 1
            if calls[0] == nan_at:
                out[:] = np.nan
        anim._backend.run = flaky
    out = []
    for i in range(0, len(x) // 2, chunk):
        out += anim.step(x[i:min(i + chunk, len(x) // 2)])
    anim.set_style("lively")
    for i in range(len(x) // 2, len(x), chunk):
        out += anim.step(x[i:i + chunk])
    speaking = anim.speaking
    anim.reset()
    out += anim.step(x[:16000])
    assert all(type(f) is Frame for f in out)
    return np.array(out), speaking


@pytest.mark.parametrize("backend", INSTALLED)
@pytest.mark.parametrize("seed,chunk,style", [(0, 320, None), (3, 777, "calm"), (5, 16000, {"calm": 0.5, "shy": 0.5})])
def test_c_frames_equal_python_frames(monkeypatch, audio, backend, seed, chunk, style):
    want, spk_py = _frames(monkeypatch, "python", audio, backend, seed, chunk, style)
    got, spk_c = _frames(monkeypatch, "c", audio, backend, seed, chunk, style)
    assert got.shape == want.shape and np.array_equal(got, want)
    assert spk_c == spk_py


def test_nan_network_output_is_held_the_same_way(monkeypatch, audio, caplog):
    with caplog.at_level(logging.ERROR, logger="sgt_lite.animator"):
        want, _ = _frames(monkeypatch, "python", audio, nan_at=40)
        got, _ = _frames(monkeypatch, "c", audio, nan_at=40)
    assert np.isfinite(got).all() and np.array_equal(got, want)
    assert sum("NaN/Inf" in r.getMessage() for r in caplog.records) == 2       # once per Animator


def test_non_finite_eye_logits_warn_once_and_start_nothing(monkeypatch, audio, caplog):
    def run(which):
        monkeypatch.setenv(native.FRAMES_ENV, which)
        anim = Animator(backend="numpy")
        lay = anim._spec.layout
        step = anim._backend.run

        def inf_hazards(xs, h, c, out):
            step(xs, h, c, out)
            out[:, lay.saccade] = np.inf
            out[:, lay.blink] = np.nan
        anim._backend.run = inf_hazards          # take() then holds the last finite output: send it via raw
        anim._stream.last_raw[lay.saccade] = np.inf
        out = []
        for i in range(0, 4 * 16000, 320):
            out += anim.step(audio[i:i + 320])
        return np.array(out)

    with caplog.at_level(logging.WARNING):
        want, got = run("python"), run("c")
    assert np.array_equal(got, want) and np.isfinite(got).all()
    assert sum("non-finite eye-event logits" in r.getMessage() for r in caplog.records) == 2    # once each


def test_pool_streams_equal_lone_animators_with_c_frames(monkeypatch, audio):
    monkeypatch.setenv(native.FRAMES_ENV, "c")
    pool = AnimatorPool(9, backend="numpy", seeds=list(range(9)))
    assert pool._vectorised
    sizes = [320, 640, 160, 16000, 480, 0, 320, 999, 320]
    outs = [[] for _ in range(9)]
    pos = [0] * 9
    for _ in range(30):
        chunks = []
        for i, n in enumerate(sizes):
            chunks.append(audio[pos[i]:pos[i] + n])
            pos[i] += n
        for i, f in enumerate(pool.step(chunks)):
            outs[i] += f
    monkeypatch.setenv(native.FRAMES_ENV, "python")
    for i in (0, 3, 7):
        lone = Animator(backend="numpy", seed=i)
        want = lone.step(audio[:pos[i]])
        assert np.array_equal(np.array(outs[i]), np.array(want))


def test_bad_frames_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(native.FRAMES_ENV, "fortran")
    with pytest.raises(ConfigError, match="SGT_LITE_FRAMES"):
        Animator(backend="numpy")
    monkeypatch.setenv(native.FRAMES_ENV, "c")
    monkeypatch.setattr(native, "C_MODULE", "sgt_lite.events._not_built")     # what a build without a compiler leaves
    with pytest.raises(BackendUnavailableError, match="pip install"):
        Animator(backend="numpy")
    monkeypatch.setenv(native.FRAMES_ENV, "auto")
    assert Animator(backend="numpy")._stream.native is None                    # auto: the Python stages


def test_frames_object_refuses_bad_buffers_and_config(monkeypatch):
    monkeypatch.setenv(native.FRAMES_ENV, "c")
    st = Animator(backend="numpy")._stream
    nat = st.native
    n = 2
    good = dict(stacked=np.zeros((n, 56), np.float32), raw=np.zeros((n, st.spec.layout.size), np.float32),
                draws=np.zeros((n, st.spec.noise_dim + 3), np.float32), u=np.zeros((n, 16)))
    assert len(nat.run(n, *good.values(), 0)) == n
    for key, bad in (("stacked", np.zeros((n, 56))), ("raw", np.zeros((1, 3), np.float32)),
                     ("u", np.zeros((n, 16), np.float32)), ("draws", np.zeros((n, 11), np.float32)[:, ::2])):
        args = dict(good, **{key: bad})
        with pytest.raises(BadAudioError, match=key if key != "u" else "uniforms"):
            nat.run(n, *args.values(), 0)
    sp = st.spec
    cfg = native.frames_config(st.vad, st.renderer, sp.lo, sp.hi, sp.zero, sp.pose_rate, sp.noise_dim, sp.feat_mean,
                               sp.feat_std, st.xs.shape[1])
    for key, value in (("fps", None), ("n_cells", 7), ("amp", [1.0]), ("feat_std", [1.0] * 3), ("input_dim", 10)):
        broken = dict(cfg)
        if value is None:
            del broken[key]
        else:
            broken[key] = value
        with pytest.raises(ConfigError, match="frames config"):
            nat.__class__(broken, Frame)


def test_c_frames_equal_python_frames_on_extreme_network_outputs(monkeypatch):
    """Straight into the stages after the network: hazards from never to always, every gaze state
    and target, listening and speaking flipping (random frontend frames), NaN/Inf outputs, style
    changes and resets; 6000 frames in chunks of 0..12, C against the Python classes."""
    def stream(which):
        monkeypatch.setenv(native.FRAMES_ENV, which)
        anim = Animator(backend="numpy", seed=11)
        return anim, anim._stream

    a_py, py = stream("python")
    a_c, c = stream("c")
    sp = py.spec
    lay = sp.layout
    rng = np.random.default_rng(5)
    got, want, states = [], [], set()
    for chunk in range(1000):
        n = int(rng.integers(0, 13))
        loud = rng.random() < 0.5
        feats = (rng.standard_normal((n, 56)) * (8 if loud else 1) + (20 if loud else -40)).astype(np.float32)
        raw = (rng.standard_normal((n, lay.size)) * rng.choice([0.5, 3.0, 30.0])).astype(np.float32)
        raw[:, lay.saccade] += rng.choice([-30.0, -3.0, 0.0, 4.0])
        raw[:, lay.blink] += rng.choice([-30.0, -3.0, 0.0, 4.0])
        if chunk % 37 == 0 and n:
            raw[rng.integers(0, n), rng.integers(0, lay.size)] = rng.choice([np.nan, np.inf, -np.inf])
        draws = rng.standard_normal((n, sp.noise_dim + 3)).astype(np.float32)
        for anim, st in ((a_py, py), (a_c, c)):
            st.feats, st.draws = feats, draws
            st.raw = raw.copy()
            if st.native is None:
                st.speech = st.vad.decide_stacked(feats)
                st.normals = draws[:, sp.noise_dim:].tolist()
            (want if st is py else got).extend(st.finish(n) if n else [])
            if chunk % 97 == 50:
                anim.set_style(["calm", "shy", {"lively": 0.3, "anchor": 0.7}][chunk % 3])
            if chunk % 331 == 300:
                anim.reset()
        assert py.speaking == c.speaking
        states.add(c.speaking)
    assert states == {True, False}                      # both speaking and listening frames
    got, want = np.array(got), np.array(want)
    assert got.shape == want.shape == (len(want), 7) and len(want) > 5000
    assert np.array_equal(got, want)
    assert np.isfinite(got).all()
