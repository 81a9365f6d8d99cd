"""Animator on the shipped default bundle, on every installed backend."""
import json
import logging
import os
import shutil

import numpy as np
import pytest

import sgt_lite.model.backends as backends
from sgt_lite.model.backends import installed_backends
from sgt_lite import Animator, animate
from sgt_lite.audio import SAMPLE_WAV, read_wav
from sgt_lite.errors import BadAudioError, ConfigError, ModelFileError
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle




INSTALLED = installed_backends()


@pytest.fixture(scope="module")
def speech():
    return read_wav(SAMPLE_WAV)[0]


def _stream(anim, x, sizes):
    out, i = [], 0
    for n in sizes:
        out += anim.step(x[i:i + n])
        i += n
    out += anim.step(x[i:])
    return np.array(out)


def test_default_bundle_is_small_and_loads():
    total = sum(os.path.getsize(os.path.join(DEFAULT_BUNDLE, f)) for f in os.listdir(DEFAULT_BUNDLE))
    assert total < 1_000_000
    b = Bundle.load(DEFAULT_BUNDLE)
    assert len(b.styles) >= 6 and b.model["fps"] >= 25
    anim = Animator()
    assert anim.sample_rate == 16000 and anim.frame_rate == 25.0 and anim.latency_s <= 0.1
    assert set(anim.styles) >= {"calm", "lively", "orator", "shy"}


@pytest.mark.parametrize("backend", INSTALLED)
def test_streaming_invariance(speech, backend, rng=np.random.default_rng(3)):
    x = speech[:16000 * 4]
    whole = _stream(Animator(backend=backend, seed=7), x, [])
    assert whole.shape == (99, 7)
    for sizes in ([1] * 4000, [160] * 300, [320] * 150, [1024] * 50, list(rng.integers(0, 3000, 40))):
        got = _stream(Animator(backend=backend, seed=7), x, sizes)
        np.testing.assert_allclose(got, whole, atol=1e-5)


@pytest.mark.parametrize("backend", [b for b in INSTALLED])
def test_backends_agree_with_fp32_checkpoint(speech, backend, styletalk):
    """int8 on each backend within 0.5 deg MAE of the fp32 checkpoint on held-out speech."""
    from sgt_lite.model.checkpoint import Checkpoint
    from sgt_lite.generators.model import ModelGenerator

    ck_dir = os.path.join(os.path.dirname(__file__), "..", "..", "checkpoints", "default")
    ck = Checkpoint.load(ck_dir)
    x, _ = read_wav(styletalk / "wav" / "feifeili_clip2_short.wav")   # held-out speaker
    anim = Animator(backend=backend, style="calm", seed=0)
    got = np.array(anim.step(x))[:, 1:]
    ref = ModelGenerator(ck).generate(x, seed=0, style="calm").resampled(25).motion
    # ModelGenerator draws the same per-frame noise from default_rng(seed)
    n = min(len(got), len(ref))
    mae = np.abs(got[:n, :5] - ref[:n, :5]).mean(0)
    assert (mae < 0.5).all(), mae


def test_style_blend_moves_between_styles(speech):
    """A blend sits between its styles: head liveliness (std of the head angles, averaged over
    seeds, since every seed draws its own motion) moves along the calm -> lively line in order."""
    def summary(style):
        runs = [np.array(Animator(backend="numpy", style=style, seed=s).step(speech))[:, 1:4].std(0) for s in range(3)]
        return np.mean(runs, axis=0)

    a, b = summary("calm"), summary("lively")
    line = b - a
    pos = [np.dot(summary({"calm": 1 - w, "lively": w}) - a, line) / np.dot(line, line) for w in (0.25, 0.5, 0.75)]
    assert pos[0] < pos[1] < pos[2], pos
    assert 0.1 < pos[1] < 0.9, pos


def test_reset_restores_initial_state(speech):
    anim = Animator(backend="numpy", seed=4)
    first = anim.step(speech[:32000])
    anim.step(speech[32000:40000])
    anim.reset()
    assert anim.step(speech[:32000]) == first
    assert first[0].t == 0.0


def test_bad_input(speech, caplog):
    anim = Animator(backend="numpy")
    with pytest.raises(BadAudioError, match="accepted dtypes"):
        anim.step(np.zeros(100, np.uint8))
    with pytest.raises(BadAudioError, match="1-D"):
        anim.step(np.zeros((100, 2), np.float32))
    dirty = speech[:16000].copy()
    dirty[::50] = np.nan
    frames = np.array(anim.step(dirty))
    assert np.isfinite(frames).all()
    assert anim.step(np.zeros(0, np.float32)) == []
    with pytest.raises(ConfigError, match="available styles: .*calm"):
        anim.set_style("grumpy")
    with pytest.raises(ConfigError, match="must be 16 finite"):
        anim.set_style(np.ones(3))


def test_one_hour_chunk_at_once():
    anim = Animator(backend="numpy")
    hour = np.zeros(16000 * 3600, np.int16)
    hour[::7] = 1000
    frames = anim.step(hour)
    assert len(frames) == 89999 and np.isfinite(np.array(frames)).all()


def test_outputs_stay_in_range_on_extreme_audio():
    anim = Animator(backend="numpy")
    square = np.sign(np.sin(np.arange(16000 * 20) / 3)).astype(np.float32)
    f = np.array(anim.step(square))[:, 1:]
    lo, hi = anim.bundle.output_ranges[:, 0], anim.bundle.output_ranges[:, 1]
    assert (f >= lo - 1e-6).all() and (f <= hi + 1e-6).all()


def test_missing_or_corrupted_model_file_names_the_file(tmp_path):
    bad = tmp_path / "b"
    shutil.copytree(DEFAULT_BUNDLE, bad)
    (bad / "weights_int8.npz").write_bytes((bad / "weights_int8.npz").read_bytes()[:1000])
    with pytest.raises(ModelFileError, match="weights_int8.npz"):
        Animator(model=bad)
    (bad / "weights_int8.npz").unlink()
    with pytest.raises(ModelFileError, match="weights_int8.npz"):
        Animator(model=bad)
    with pytest.raises(ModelFileError, match="not found"):
        Animator(model=tmp_path / "nowhere")
    shutil.rmtree(bad)
    shutil.copytree(DEFAULT_BUNDLE, bad)
    (bad / "bundle.json").write_text("{broken")
    with pytest.raises(ModelFileError, match="bundle.json"):
        Animator(model=bad)


def test_auto_falls_back_and_env_overrides(monkeypatch, caplog):
    monkeypatch.setitem(backends.RUNTIME_MODULES, "litert", ("no_such_litert",))
    monkeypatch.setitem(backends.RUNTIME_MODULES, "onnx", ("no_such_onnxruntime",))
    with caplog.at_level(logging.WARNING):
        anim = Animator()
    assert anim.backend == "numpy"
    assert "fell back to 'numpy'" in caplog.text and "no_such_litert" in caplog.text
    monkeypatch.setenv("SGT_LITE_BACKEND", "numpy")
    assert Animator().backend == "numpy"
    monkeypatch.setenv("SGT_LITE_BACKEND", "tpu")
    with pytest.raises(ConfigError, match="SGT_LITE_BACKEND"):
        Animator()
    monkeypatch.delenv("SGT_LITE_BACKEND")
    with pytest.raises(Exception, match="no_such_onnxruntime"):
        Animator(backend="onnx")


def test_animate_helper(speech):
    out = animate(speech, backend="numpy")
    assert out.dtype.names == ("t", "head_yaw", "head_pitch", "head_roll", "gaze_yaw", "gaze_pitch", "blink")
    assert len(out) == 299 and out["t"][1] == pytest.approx(0.04)
    assert 0 <= out["blink"].min() and out["blink"].max() <= 1


def test_style_add_from_a_track(tmp_path, monkeypatch, styletalk):
    from sgt_lite.model.style_add import add_style

    monkeypatch.setenv("SGT_LITE_CONFIG_DIR", str(tmp_path))
    track = os.path.join(os.path.dirname(__file__), "..", "..", "data", "tracks", "feifeili_clip2_short.npz")
    path = add_style("phone_video", track)
    assert path.is_file() and str(tmp_path) in str(path)
    anim = Animator(backend="numpy", style="phone_video")
    assert "phone_video" in anim.styles
    code = np.array(json.loads(path.read_text())["phone_video"]["code"])
    assert abs(np.linalg.norm(code) - 1) < 1e-4
    with pytest.raises(Exception, match="at least"):
        short = tmp_path / "short.csv"
        short.write_text("t,yaw\n0,1\n0.04,2\n")
        add_style("tiny", short)


def test_style_encoder_numpy_fallback_matches_the_onnx_encoder(monkeypatch):
    """Without onnxruntime, style add runs the encoder in numpy on the int8 weights."""
    import sys

    pytest.importorskip("onnxruntime")
    from sgt_lite.model.style_add import _encoder_codes, reference_motion

    bundle = Bundle.load(DEFAULT_BUNDLE)
    track = os.path.join(os.path.dirname(__file__), "..", "..", "data", "tracks", "Obama_clip1.npz")
    motion = reference_motion(track, bundle.model["fps"])
    onnx_codes = _encoder_codes(bundle, motion)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    numpy_codes = _encoder_codes(bundle, motion)
    assert onnx_codes.shape == numpy_codes.shape == (9, 16)
    assert (onnx_codes * numpy_codes).sum(axis=1).min() > 0.999      # cosine of unit codes


def test_raw_style_vectors_work_everywhere(speech):
    from sgt_lite.model.checkpoint import Checkpoint
    from sgt_lite.generators.model import ModelGenerator

    ck = Checkpoint.load(os.path.join(os.path.dirname(__file__), "..", "..", "checkpoints", "default"))
    code = np.asarray(ck.styles["calm"]["code"], np.float32)
    by_vector = ModelGenerator(ck).generate(speech[:16000], seed=0, style=code)
    by_name = ModelGenerator(ck).generate(speech[:16000], seed=0, style="calm")
    np.testing.assert_allclose(by_vector.motion, by_name.motion, atol=1e-5)
    anim = Animator(backend="numpy", style=code)
    assert len(anim.step(speech[:16000])) == 24


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, None])
def test_a_bad_seed_is_refused_by_name(seed):
    with pytest.raises(ConfigError, match="seed must be a whole number >= 0"):
        Animator(backend="numpy", seed=seed)
