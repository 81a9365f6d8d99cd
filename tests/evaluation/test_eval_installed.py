"""`sgt-lite eval` from an installed package (a copy of sgt_lite elsewhere, as a wheel puts it):
the corpus tracks, the clips' audio and the training checkpoint are not in it, and each
missing piece is named with where it lives and which option points at it, before any work."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("SGT_LITE_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(REPO / "sgt_lite", root / "site-packages" / "sgt_lite",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _eval(installed, *args, shared=None):
    env = {k: v for k, v in os.environ.items() if k != "SGT_LITE_SHARED"}
    env["PYTHONPATH"] = str(installed / "site-packages")
    if shared:
        env["SGT_LITE_SHARED"] = str(shared)
    cwd = installed / "elsewhere"
    cwd.mkdir(exist_ok=True)
    res = subprocess.run([sys.executable, "-m", "sgt_lite", "eval", "-o", str(installed / "out"), *args],
                         capture_output=True, text=True, env=env, cwd=str(cwd), timeout=600)
    return res.returncode, res.stdout, res.stderr


def test_missing_tracks_say_where_they_are(installed):
    rc, out, err = _eval(installed)
    assert rc == 1 and "Traceback" not in err
    assert "data/tracks" in err and "--tracks" in err and "clone" in err, err


def test_missing_audio_says_how_to_point_at_it(installed):
    rc, out, err = _eval(installed, "--tracks", str(REPO / "data" / "tracks"), "--generators", "static",
                         shared=installed / "no_shared_here")
    assert rc == 1 and "--audio-root" in err and "SGT_LITE_SHARED" in err, err


def test_missing_checkpoint_is_named_before_any_work(installed):
    if not (SHARED / "data" / "styletalk" / "wav").is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    rc, out, err = _eval(installed, "--tracks", str(REPO / "data" / "tracks"), "--generators", "static,model",
                         shared=SHARED)
    assert rc == 1 and "--checkpoint" in err and "checkpoints/default" in err, err
    assert "loaded" not in out                   # refused before loading the clips
