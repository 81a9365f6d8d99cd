"""Every frontend config field is bounded and strictly typed, in Python and in the C core (issue #10, defect 5).

Before the fix ``Frontend(FrontendConfig(n_fft=131072, n_mels=65536))`` overflowed an int in the C
core and crashed the process; the config is reachable from a bundle's ``"frontend"`` section.
"""
import math
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from sgt_lite.audio import Frontend, FrontendConfig
from sgt_lite.audio import frontend_config as fc
from sgt_lite.errors import ConfigError

CSRC = pathlib.Path(__file__).resolve().parents[2] / "sgt_lite" / "audio" / "csrc"
HARNESS = pathlib.Path(__file__).with_name("c") / "mfcc_config.c"

BAD = [  # (field, value, words the error must contain)
    ("n_fft", 131072, "outside"),
    ("n_mels", 65536, "outside [1, 512]"),
    ("n_fft", 500, "power of two"),
    ("n_fft", 2, "outside"),
    ("n_fft", 2 ** 40, "outside"),
    ("n_fft", 512.0, "float"),
    ("n_mels", True, "boolean"),
    ("win_length", 400.0, "float"),
    ("win_length", "400", "string"),
    ("win_length", 513, "outside"),
    ("hop_length", 0, "outside"),
    ("hop_length", 401, "outside"),
    ("sample_rate", 0, "outside"),
    ("sample_rate", 10 ** 6, "outside"),
    ("sample_rate", 16000.0, "float"),
    ("n_mfcc", 41, "outside"),
    ("n_mfcc", 0, "outside"),
    ("preemph", 1.0, "outside"),
    ("preemph", -0.5, "outside"),
    ("preemph", math.nan, "finite"),
    ("preemph", 0.999999999, "float32"),
    ("preemph", None, "number"),
    ("fmin", math.inf, "finite"),
    ("fmin", 8000.0, "outside"),
    ("fmin", -1.0, "outside"),
    ("fmin", 10 ** 400, "out of range"),
    ("fmax", 8000.5, "outside"),
    ("fmax", 0.0, "outside"),
    ("fmax", math.nan, "finite"),
    ("fmax", False, "boolean"),
    ("log_floor", 0.0, "outside"),
    ("log_floor", 10.0, "outside"),
    ("log_floor", -math.inf, "finite"),
]


@pytest.mark.parametrize("field,value,words", BAD, ids=[f"{f}={v!r}"[:40] for f, v, _ in BAD])
def test_bad_field_is_a_config_error_naming_it(field, value, words):
    with pytest.raises(ConfigError) as info:
        FrontendConfig(**{field: value})
    assert f"frontend config: {field}:" in str(info.value) and words in str(info.value)


def test_the_reported_crash_config_is_refused_before_any_c_code():
    with pytest.raises(ConfigError, match="n_fft"):
        Frontend(FrontendConfig(n_fft=131072, n_mels=65536), backend="c")
    with pytest.raises(ConfigError, match="n_mels"):
        FrontendConfig.from_dict({"n_fft": 65536, "win_length": 65536, "n_mels": 65536})


def test_float_pair_that_collapses_in_float32_is_refused():
    with pytest.raises(ConfigError, match="fmin.*float32"):
        FrontendConfig(fmin=1000.00001, fmax=1000.00002)


def test_numpy_scalars_become_plain_python_numbers():
    cfg = FrontendConfig(n_mels=np.int64(40), fmin=np.float32(20.0), fmax=8000)
    assert type(cfg.n_mels) is int and type(cfg.fmin) is float and type(cfg.fmax) is float
    assert cfg == FrontendConfig()


def test_from_dict_rejects_non_tables_and_typos():
    with pytest.raises(ConfigError, match="expected a table"):
        FrontendConfig.from_dict([512])
    with pytest.raises(ConfigError, match="did you mean 'n_mels'"):
        FrontendConfig.from_dict({"n_mel": 40})


def test_python_bounds_are_the_c_core_bounds():
    header = (CSRC / "sgt_mfcc.h").read_text()
    defines = dict(re.findall(r"#define SGT_MFCC_(M(?:IN|AX)_\w+) ([0-9.e+-]+)f?", header))
    defines.pop("MAX_ABS")  # the input sample clamp, not a config bound
    for name, value in defines.items():
        assert float(value) == float(getattr(fc, name)), name
    assert {"MIN_SAMPLE_RATE", "MAX_SAMPLE_RATE", "MIN_N_FFT", "MAX_N_FFT", "MAX_N_MELS", "MIN_LOG_FLOOR",
            "MAX_LOG_FLOOR"} <= set(defines)


# -- the C binding checks on its own, for anyone who bypasses FrontendConfig --

C_BAD = [
    (dict(n_fft=131072, n_mels=65536), "n_fft=131072: n_fft must be a power of two in [4, 65536]"),
    (dict(n_fft=65536, win_length=65536, n_mels=65536), "n_mels=65536"),
    (dict(n_fft=2 ** 40), "far out of range"),
    (dict(n_mels=True), "n_mels must be an integer"),
    (dict(n_fft=512.0), "n_fft must be an integer"),
    (dict(fmin=math.nan), "fmin must be a finite float32"),
    (dict(fmax=1e300), "fmax must be a finite float32"),
    (dict(preemph=1.0), "preemph=1.0"),
    (dict(log_floor=0.0), "log_floor=0.0"),
    (dict(sample_rate=-5), "sample_rate=-5"),
    (dict(hop_length=401), "hop_length=401"),
    (dict(fmin="0"), "fmin must be a number"),
]


@pytest.mark.parametrize("kwargs,words", C_BAD, ids=[str(k)[:40] for k, _ in C_BAD])
def test_c_binding_turns_every_status_into_a_config_error(kwargs, words):
    from sgt_lite.audio._mfcc import Mfcc

    with pytest.raises(ConfigError) as info:
        Mfcc(**kwargs)
    assert words in str(info.value)


def test_c_binding_survives_the_reported_config_in_a_fresh_process():
    # a subprocess, so a regression shows as a failed test rather than a dead test run
    code = ("from sgt_lite.audio._mfcc import Mfcc\n"
            "try:\n    Mfcc(n_fft=131072, n_mels=65536)\nexcept ValueError as e:\n    print('refused:', e)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "refused: invalid MFCC config: n_fft=131072" in res.stdout


def test_refused_reinit_keeps_the_working_state():
    from sgt_lite.audio._mfcc import Mfcc

    m = Mfcc()
    with pytest.raises(ConfigError):
        m.__init__(n_mels=1000)
    assert np.frombuffer(m.process(np.zeros(400, np.float32)), np.float32).size == 14
    m.__init__(n_mels=20, n_mfcc=5)
    assert np.frombuffer(m.process(np.zeros(400, np.float32)), np.float32).size == 6


def test_largest_valid_config_works_in_c():
    cfg = FrontendConfig(sample_rate=192000, n_fft=65536, win_length=65536, hop_length=16384, n_mels=512,
                         n_mfcc=512, fmax=96000.0)
    x = np.random.default_rng(0).uniform(-1, 1, 65536 + 16384).astype(np.float32)
    out = Frontend(cfg, backend="c").process(x)
    assert out.shape == (2, 513) and np.isfinite(out).all()


def test_bigger_config_still_matches_the_numpy_reference(rng):
    cfg = FrontendConfig(sample_rate=48000, n_fft=4096, win_length=2048, hop_length=480, n_mels=128,
                         n_mfcc=40, fmax=24000.0)
    x = (0.3 * rng.standard_normal(48000)).astype(np.float32)
    c, ref = Frontend(cfg, backend="c").process(x), Frontend(cfg, backend="numpy").process(x)
    assert c.shape == ref.shape == ((x.size - 2048) // 480 + 1, 41)
    assert np.abs(c - ref).max() <= 1e-4


@pytest.fixture(scope="module")
def config_harness(tmp_path_factory, build_c):
    out = tmp_path_factory.mktemp("c") / "mfcc_config"
    try:
        return build_c(out, [CSRC / "sgt_mfcc.c", HARNESS], CSRC,
                       extra=("-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"))
    except subprocess.CalledProcessError:  # no sanitizer runtime: the plain build still checks the codes
        return build_c(out, [CSRC / "sgt_mfcc.c", HARNESS], CSRC)


def test_c_core_gives_one_status_per_bad_field_and_handles_edge_configs(config_harness):
    res = subprocess.run([str(config_harness)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "all config checks passed" in res.stdout
