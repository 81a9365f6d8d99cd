"""C core against the numpy reference, and both against librosa."""
import numpy as np
import pytest

from sgt_lite.audio import Frontend, FrontendConfig, read_wav
from sgt_lite.errors import BackendUnavailableError, ConfigError


def _both(x, **cfg):
    config = FrontendConfig(**cfg)
    return (Frontend(config, backend="c").process(x), Frontend(config, backend="numpy").process(x))


def test_c_matches_numpy_on_every_real_clip(styletalk):
    worst = 0.0
    for wav in sorted((styletalk / "wav").glob("*.wav")):
        x, _ = read_wav(wav)
        c, ref = _both(x)
        assert c.shape == ref.shape == ((x.size - 400) // 160 + 1, 14)
        worst = max(worst, float(np.abs(c - ref).max()))
    assert worst <= 1e-4, worst


@pytest.mark.parametrize("scale", [1.0, 1e-3, 1e-6])
def test_c_matches_numpy_on_noise(rng, scale):
    x = (rng.standard_normal(16000 * 5) * 0.3 * scale).astype(np.float32)
    c, ref = _both(x)
    assert np.abs(c - ref).max() <= 1e-4


def test_c_matches_numpy_with_other_configs(rng):
    x = rng.uniform(-1, 1, 8000 * 3).astype(np.float32)
    c, ref = _both(x, sample_rate=8000, win_length=200, hop_length=80, n_fft=256, n_mels=23,
                   fmin=0.0, fmax=4000.0, n_mfcc=20, preemph=0.0)
    assert c.shape[1] == 21
    assert np.abs(c - ref).max() <= 1e-4


def _librosa_mfcc(x, cfg):
    librosa = pytest.importorskip("librosa")
    from scipy.signal import lfilter

    y = lfilter([1.0, -cfg.preemph], [1.0], x.astype(np.float64))
    # librosa centres the win_length window inside an n_fft frame; pad so that
    # its frame k sees exactly our samples [k*hop, k*hop + win).
    pad = (cfg.n_fft - cfg.win_length) // 2
    y = np.concatenate([np.zeros(pad), y, np.zeros(pad)])
    mel = librosa.feature.melspectrogram(
        y=y, sr=cfg.sample_rate, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
        win_length=cfg.win_length, window="hann", center=False, power=2.0,
        n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax, htk=False, norm="slaney", dtype=np.float64)
    db = 10.0 * np.log10(np.maximum(mel, cfg.log_floor))
    return librosa.feature.mfcc(S=db, n_mfcc=cfg.n_mfcc, dct_type=2, norm="ortho").T


LIBROSA_TOL = 1e-3  # in the MFCCs' dB units; observed max difference is ~1e-5


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_mfcc_agrees_with_librosa_on_speech(speech, backend):
    cfg = FrontendConfig()
    ours = Frontend(cfg, backend=backend).process(speech)[:, :-1]
    ref = _librosa_mfcc(speech, cfg)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= LIBROSA_TOL


def test_log_energy_is_frame_power_in_db(rng):
    x = (rng.standard_normal(400) * 0.1).astype(np.float32)
    feats = Frontend(FrontendConfig(preemph=0.0), backend="c").process(x)
    assert feats.shape == (1, 14)
    assert feats[0, -1] == pytest.approx(10 * np.log10(np.sum(x.astype(np.float64) ** 2)), abs=1e-4)


def test_silence_hits_the_floor_not_minus_infinity():
    feats = Frontend(backend="c").process(np.zeros(1600, np.float32))
    assert np.isfinite(feats).all()
    assert feats[:, -1] == pytest.approx(-100.0, abs=1e-3)


def test_golden_values_of_a_pure_tone():
    """A 1 kHz tone puts its energy in the mel band around 1 kHz: c1 is large and negative
    (energy in the low half) and the spectrum peak sits at FFT bin 32."""
    t = np.arange(400) / 16000.0
    x = (0.5 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    cfg = FrontendConfig(preemph=0.0)
    c = Frontend(cfg, backend="c").process(x)[0]
    ref = Frontend(cfg, backend="numpy").process(x)[0]
    np.testing.assert_allclose(c, ref, atol=1e-4)
    assert c[-1] == pytest.approx(10 * np.log10(np.sum(x.astype(np.float64) ** 2)), abs=1e-3)


def test_bad_config_is_a_config_error():
    with pytest.raises(ConfigError, match="power of two"):
        FrontendConfig(n_fft=500)
    with pytest.raises(ConfigError, match="n_mfcc"):
        FrontendConfig(n_mfcc=41)
    with pytest.raises(ConfigError, match="hop: unknown key; known keys"):
        FrontendConfig.from_dict({"hop": 1})
    with pytest.raises(ConfigError, match="unknown frontend backend"):
        Frontend(backend="gpu")


def test_auto_falls_back_to_numpy_when_the_extension_is_missing(monkeypatch, caplog):
    import sgt_lite.audio.frontend as fe

    monkeypatch.setattr(fe, "C_MODULE", "sgt_lite.audio._no_such_module")
    with caplog.at_level("WARNING"):
        f = fe.Frontend(backend="auto")
    assert f.backend == "numpy"
    assert "falling back to the numpy MFCC frontend" in caplog.text
    with pytest.raises(BackendUnavailableError, match="backend='numpy'"):
        fe.Frontend(backend="c")


def test_env_variable_overrides_auto(monkeypatch):
    monkeypatch.setenv("SGT_LITE_FRONTEND", "numpy")
    assert Frontend().backend == "numpy"
    monkeypatch.setenv("SGT_LITE_FRONTEND", "fpga")
    with pytest.raises(ConfigError, match="SGT_LITE_FRONTEND"):
        Frontend()
