"""Package-level promises: light imports, the exception hierarchy, the CLI."""
import subprocess
import sys

import pytest

from sgt_lite import errors

HEAVY = ("scipy", "librosa", "torch", "matplotlib", "onnxruntime", "tensorflow")


def _modules_after(code):
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout.split()
    return {m.split(".")[0] for m in out}


@pytest.mark.parametrize("code", ["import sgt_lite",
                                  "import sgt_lite, numpy as np; sgt_lite.Frontend().process(np.zeros(800))"])
def test_runtime_never_imports_heavy_packages(code):
    loaded = _modules_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_every_error_has_a_builtin_twin():
    for name in ("BadAudioError", "ConfigError", "BackendUnavailableError", "ModelFileError",
                 "DataFormatError"):
        cls = getattr(errors, name)
        assert issubclass(cls, errors.SgtLiteError)
        assert len(cls.__mro__) > 3, f"{name} should also derive from a built-in exception"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sgt_lite", *args], capture_output=True, text=True)


def test_cli_features_runs_on_the_bundled_sample(tmp_path):
    out = tmp_path / "f.npy"
    res = _cli("features", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "sample.wav: 12.00 s at 16000 Hz -> 1198 frames x 14 features" in res.stdout
    import numpy as np

    assert np.load(out).shape == (1198, 14)


def test_cli_error_is_one_line_and_exit_1(tmp_path):
    res = _cli("features", str(tmp_path / "missing.wav"))
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0
    assert "audio file not found" in res.stderr


def test_cli_rejects_non_wav(tmp_path):
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"not a wav at all")
    res = _cli("features", str(bad))
    assert res.returncode == 1 and "ffmpeg" in res.stderr
