"""User style tables: concurrent writers, kill -9 mid-write, corrupt tables, bad entries (issue #10, 7 and 8)."""
import json
import logging
import multiprocessing
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from sgt_lite import Animator
from sgt_lite.errors import ConfigError, DataFormatError, ModelFileError, SgtLiteError
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle, user_styles_path

REPO = pathlib.Path(__file__).resolve().parents[2]
TRACK = str(REPO / "data" / "tracks" / "feifeili_clip2_short.npz")
BUILTIN = set(json.loads((pathlib.Path(DEFAULT_BUNDLE) / "styles.json").read_text()))


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    d = tmp_path / "cfg"
    monkeypatch.setenv("SGT_LITE_CONFIG_DIR", str(d))
    return d


def _unit(rng, dim=16):
    v = rng.standard_normal(dim)
    return (v / np.linalg.norm(v)).round(6).tolist()


def _writer(config_dir, worker, n):
    os.environ["SGT_LITE_CONFIG_DIR"] = config_dir
    from sgt_lite.model.style_add import add_style

    for i in range(n):
        add_style(f"w{worker}_{i}", TRACK)


def test_concurrent_style_adds_lose_nothing(config_dir):
    """4 processes x 50 `style add` on one table: every style is there at the end."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(config_dir), w, 50)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    table = json.loads(user_styles_path(DEFAULT_BUNDLE).read_text())
    expected = {f"w{w}_{i}" for w in range(4) for i in range(50)}
    assert expected <= set(table), f"{len(expected - set(table))} of 200 adds lost"
    assert set(Animator(backend="numpy").styles) >= expected | BUILTIN
    leftovers = [p.name for p in user_styles_path(DEFAULT_BUNDLE).parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


_KILL_WRITER = """
import sys
from sgt_lite.model.style_add import add_style
add_style(sys.argv[1], sys.argv[2])
"""


def _writing(folder, target, size, before):
    """True once a write is under way: the table changed size, or a new (temporary) file appeared."""
    try:
        if target.stat().st_size != size:
            return True
    except FileNotFoundError:
        return True
    return any(p.name not in before for p in folder.iterdir())


def test_kill_9_mid_write_leaves_the_old_or_the_new_table(config_dir):
    """A real `style add` process is killed while it writes a large table (20,000 styles, about 4 MB):
    as soon as the write starts, and 2 and 10 ms later."""
    rng = np.random.default_rng(0)
    target = user_styles_path(DEFAULT_BUNDLE)
    target.parent.mkdir(parents=True)
    old = {f"s{i}": {"code": _unit(rng), "source": "bulk"} for i in range(20000)}
    env = dict(os.environ, SGT_LITE_CONFIG_DIR=str(config_dir))
    killed_mid_write = 0
    for attempt, delay in enumerate((0.0, 0.002, 0.01)):
        target.write_text(json.dumps(old))
        size, before = target.stat().st_size, {p.name for p in target.parent.iterdir()}
        proc = subprocess.Popen([sys.executable, "-c", _KILL_WRITER, f"new{attempt}", TRACK], env=env,
                                cwd=str(REPO), stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline and not _writing(target.parent, target, size,
                                                                                      before):
            pass
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed_mid_write += 1
        proc.wait()
        assert target.stat().st_size > 0, "kill -9 left an empty style table"
        table = json.loads(target.read_text())           # never half a file
        assert set(table) in (set(old), set(old) | {f"new{attempt}"})
    assert killed_mid_write >= 1
    anim = Animator(backend="numpy")
    assert BUILTIN <= set(anim.styles) and "s19999" in anim.styles
    # the next add clears what the killed writers left behind
    from sgt_lite.model.style_add import add_style

    add_style("after", TRACK)
    assert [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert {"after", "s0", "s19999"} <= set(json.loads(target.read_text()))


@pytest.mark.parametrize("content", [b"", b"{\"calm\": {\"code\": [0.1,", b"\xff\xfe garbage", b"[1, 2, 3]"])
def test_corrupt_user_table_falls_back_to_builtin_styles(config_dir, content, caplog):
    target = user_styles_path(DEFAULT_BUNDLE)
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        anim = Animator(backend="numpy")
    assert set(anim.styles) == BUILTIN
    assert len(anim.step(np.zeros(16000, np.float32))) == 24
    assert str(target) in caplog.text and "built-in" in caplog.text
    aside = [p for p in target.parent.iterdir() if p.name.startswith(target.name + ".corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content and not target.exists()
    # the next add starts a fresh table, and the kept copy stays
    from sgt_lite.model.style_add import add_style

    add_style("fresh", TRACK)
    assert set(json.loads(target.read_text())) == {"fresh"} and aside[0].exists()


def test_cli_animate_starts_with_a_corrupt_user_table(config_dir):
    target = user_styles_path(DEFAULT_BUNDLE)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")
    res = subprocess.run([sys.executable, "-m", "sgt_lite", "animate", "--backend", "numpy"], cwd=str(REPO),
                         env=dict(os.environ, SGT_LITE_CONFIG_DIR=str(config_dir)), capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "built-in" in res.stderr


def test_bad_entries_in_a_user_table_are_skipped_by_name(config_dir, caplog):
    rng = np.random.default_rng(1)
    target = user_styles_path(DEFAULT_BUNDLE)
    target.parent.mkdir(parents=True)
    good = _unit(rng)
    target.write_text(json.dumps({
        "good": {"code": good, "source": "ok"},
        "nan_code": {"code": [float("nan")] * 16},
        "short_code": {"code": good[:5]},
        "huge_code": {"code": [1e30] * 16},
        "zero_code": {"code": [0.0] * 16},
        "text_code": {"code": ["0.1"] * 16},
        "no_code": {"source": "x"},
        "bad name!": {"code": good},
        "x" * 41: {"code": good},
        "typo": {"code": good, "sorce": "x"},
        "not_a_table": [1, 2],
    }))
    with caplog.at_level(logging.WARNING):
        anim = Animator(backend="numpy", style="good")
    assert set(anim.styles) == BUILTIN | {"good"}
    for name in ("nan_code", "short_code", "huge_code", "zero_code", "text_code", "no_code", "bad name!",
                 "x" * 41, "typo", "not_a_table"):
        assert repr(name) in caplog.text, name
    assert target.exists()                  # a readable table with some bad entries is not moved aside


def test_bad_builtin_styles_break_the_bundle(tmp_path):
    bad = tmp_path / "b"
    shutil.copytree(DEFAULT_BUNDLE, bad)
    styles = json.loads((bad / "styles.json").read_text())
    styles["calm"]["code"][3] = float("nan")
    (bad / "styles.json").write_text(json.dumps(styles))
    with pytest.raises(ModelFileError, match="calm"):
        Bundle.load(bad)
    styles["calm"]["code"] = styles["calm"]["code"][:15]
    (bad / "styles.json").write_text(json.dumps(styles))
    with pytest.raises(ModelFileError, match="calm.*16"):
        Bundle.load(bad)
    (bad / "styles.json").write_text("")
    with pytest.raises(ModelFileError, match="styles.json"):
        Bundle.load(bad)


def test_style_names_are_capped(config_dir):
    from sgt_lite.model.style_add import add_style

    for name in ("x" * 41, "a b", "../evil", "", "ünï", "tab\t", ".hidden"):
        with pytest.raises(ConfigError, match="style name"):
            add_style(name, TRACK)
    assert not user_styles_path(DEFAULT_BUNDLE).exists()
    assert add_style("v1.2_calm-ish", TRACK).is_file()


def test_a_track_with_huge_values_is_refused_before_encoding(config_dir, tmp_path):
    from sgt_lite.model.style_add import add_style
    from sgt_lite.motion import load_track

    track = load_track(TRACK)
    track.motion[100:110, 0] = 1e30
    huge = tmp_path / "huge.npz"
    track.save(huge)
    with pytest.raises(DataFormatError, match="head_yaw"):
        add_style("huge", huge)
    assert not user_styles_path(DEFAULT_BUNDLE).exists()


def test_raw_and_blended_style_codes_are_checked():
    from sgt_lite.model.style_table import style_code

    styles = json.loads((pathlib.Path(DEFAULT_BUNDLE) / "styles.json").read_text())
    for bad in (["a"] * 16, [[1, 2], [3]], None, np.full(16, np.nan), np.ones(15), np.full(16, 1e30),
                np.zeros(16), "x" * 3):
        with pytest.raises(ConfigError):
            style_code(styles, bad, 16)
    for blend in ({"calm": "lots"}, {"calm": float("nan")}, {"calm": 1, "nope": 1}):
        with pytest.raises(ConfigError):
            style_code(styles, blend, 16)
    code = style_code(styles, np.arange(16.0), 16)
    assert code.dtype == np.float32 and abs(np.linalg.norm(code) - 1) < 1e-6
    broken = dict(styles, calm={"code": [0.1] * 5})
    with pytest.raises(ConfigError, match="calm"):
        style_code(broken, "calm", 16)


def test_add_style_errors_are_sgt_lite_errors(config_dir, tmp_path):
    from sgt_lite.model.style_add import add_style

    with pytest.raises(SgtLiteError):
        add_style("ok", tmp_path / "missing.npz")
