"""User styles are keyed by the model's content, in one user folder: every install of the same
bundle (another venv, the [extract] venv with numpy < 2, a wheel install) sees them; built-in
names are not replaced without --force."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

from sgt_lite.errors import ConfigError
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle
from sgt_lite.model.style_table import bundle_key, legacy_user_styles_path, user_styles_path

REPO = pathlib.Path(__file__).resolve().parents[2]
TRACK = str(REPO / "data" / "tracks" / "feifeili_clip2_short.npz")
BUILTIN = sorted(json.loads((pathlib.Path(DEFAULT_BUNDLE) / "styles.json").read_text()))


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    d = tmp_path / "cfg"
    monkeypatch.setenv("SGT_LITE_CONFIG_DIR", str(d))
    return d


def _install(root):
    """A copy of the package at another path, as a second venv or a wheel install has it."""
    shutil.copytree(REPO / "sgt_lite", root / "sgt_lite", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _run(install, code, config_dir):
    env = dict(os.environ, PYTHONPATH=str(install), SGT_LITE_CONFIG_DIR=str(config_dir))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                         cwd=str(install))
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_two_installs_of_the_same_model_share_user_styles(tmp_path, config_dir):
    a, b = _install(tmp_path / "venv_a"), _install(tmp_path / "venv_b")
    where = _run(a, "import sgt_lite, sys; from sgt_lite.model.style_add import add_style; "
                    f"assert sgt_lite.__file__.startswith({str(a)!r}); print(add_style('mine', {TRACK!r}))",
                 config_dir)
    assert pathlib.Path(where).parent == config_dir / "styles"
    seen = _run(b, "import sgt_lite; from sgt_lite import Animator; "
                   f"assert sgt_lite.__file__.startswith({str(b)!r}); print('mine' in Animator(backend='numpy').styles)",
                config_dir)
    assert seen == "True"


def test_the_key_is_the_model_files_content(tmp_path):
    files = json.loads((pathlib.Path(DEFAULT_BUNDLE) / "bundle.json").read_text())["files"]
    copy = tmp_path / "elsewhere" / "default_bundle"
    shutil.copytree(DEFAULT_BUNDLE, copy)
    assert user_styles_path(copy) == user_styles_path(DEFAULT_BUNDLE)
    assert bundle_key(files) == bundle_key(dict(reversed(list(files.items()))))
    other = {k: dict(v) for k, v in files.items()}
    first = next(iter(other))
    other[first]["sha256"] = "0" * 64
    assert bundle_key(other) != bundle_key(files)


def test_styles_from_the_old_path_keyed_store_still_load(config_dir):
    legacy = legacy_user_styles_path(DEFAULT_BUNDLE)
    legacy.parent.mkdir(parents=True)
    dim = Bundle.load(DEFAULT_BUNDLE).model["style_dim"]
    legacy.write_text(json.dumps({"old_one": {"code": [1.0] + [0.0] * (dim - 1), "source": "before"}}))
    assert "old_one" in Bundle.load(DEFAULT_BUNDLE).styles


def test_builtin_names_are_not_replaced_without_force(config_dir):
    from sgt_lite.model.style_add import add_style

    name = BUILTIN[0]
    before = np.array(Bundle.load(DEFAULT_BUNDLE).styles[name]["code"])
    with pytest.raises(ConfigError, match="--force"):
        add_style(name, TRACK)
    assert not user_styles_path(DEFAULT_BUNDLE).exists()
    add_style(name, TRACK, force=True)
    after = np.array(Bundle.load(DEFAULT_BUNDLE).styles[name]["code"])
    assert not np.allclose(before, after)


def test_cli_style_add_refuses_a_builtin_name(config_dir):
    env = dict(os.environ, SGT_LITE_CONFIG_DIR=str(config_dir))
    cmd = [sys.executable, "-m", "sgt_lite", "style", "add", BUILTIN[0], "--from", TRACK]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 1 and "built-in" in res.stderr and "--force" in res.stderr, res.stderr
    res = subprocess.run(cmd + ["--force"], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "replaces the built-in" in res.stderr
