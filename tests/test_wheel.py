"""`pip install .` ships what the runtime needs: the C extension, the sample, the C sources."""
import subprocess
import sys
import zipfile

import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    import pathlib

    repo = pathlib.Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "-q", "-w", str(out), str(repo)], capture_output=True, text=True)
    if res.returncode != 0 and "No module named" in res.stderr:
        pytest.skip(f"cannot build a wheel here: {res.stderr.strip().splitlines()[-1]}")
    assert res.returncode == 0, res.stderr
    (whl,) = out.glob("sgt_lite-*.whl")
    return zipfile.ZipFile(whl)


def test_wheel_contains_extension_sample_and_c_sources(wheel):
    names = set(wheel.namelist())
    assert any(n.startswith("sgt_lite/audio/_mfcc") and n.endswith(".so") for n in names)
    for needed in ("sgt_lite/data/sample.wav", "sgt_lite/data/NOTICE",
                   "sgt_lite/audio/csrc/sgt_mfcc.h", "sgt_lite/audio/csrc/sgt_mfcc.c",
                   "sgt_lite/data/default_bundle/bundle.json", "sgt_lite/data/default_bundle/model_int8.tflite",
                   "sgt_lite/shaping/profiles/pan_tilt.toml"):
        assert needed in names
    assert not any(n.startswith("tests/") or n.startswith("benchmarks/") for n in names)


def test_wheel_contains_every_python_package(wheel):
    import pathlib

    repo = pathlib.Path(__file__).resolve().parents[1]
    names = set(wheel.namelist())
    for pkg in ("sgt_lite", "sgt_train", "quantize"):
        for py in (repo / pkg).rglob("*.py"):
            rel = py.relative_to(repo).as_posix()
            assert rel in names, f"{rel} is missing from the wheel (a folder without __init__.py?)"
