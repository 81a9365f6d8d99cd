import os
import pathlib

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = pathlib.Path(os.environ.get("SGT_LITE_SHARED", REPO.parent / "shared"))
STYLETALK = SHARED / "data" / "styletalk"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SGT_LITE_HARDWARE") == "1":
        return
    skip = pytest.mark.skip(reason="needs real hardware; set SGT_LITE_HARDWARE=1")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def styletalk():
    if not (STYLETALK / "wav").is_dir():
        pytest.skip(f"shared StyleTalk data not found at {STYLETALK} (set SGT_LITE_SHARED)")
    return STYLETALK


@pytest.fixture(scope="session")
def speech(styletalk):
    from sgt_lite.audio import read_wav

    x, sr = read_wav(styletalk / "wav" / "Obama_clip1.wav")
    assert sr == 16000
    return x


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def build_c():
    """build_c(out, sources, include): compiles C with the system compiler (skips without one)."""
    import shutil
    import subprocess

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")

    def build(out, sources, include, extra=()):
        subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", *extra,
                        "-I", str(include), *map(str, sources), "-lm", "-o", str(out)], check=True)
        return out
    return build
