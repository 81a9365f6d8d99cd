"""The benchmark scripts run and their reports have the promised structure (no timings asserted)."""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"


def _run(args, timeout=240):
    res = subprocess.run([sys.executable] + [str(a) for a in args], capture_output=True, text=True, cwd=REPO,
                         timeout=timeout)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


@pytest.fixture
def common(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import _common

    return _common


def test_streamed_speech_is_the_same_audio_as_the_whole_clip(common):
    whole = common.speech(2.5)
    blocks = list(common.speech_blocks(2.5, block=7000))
    assert max(b.size for b in blocks) <= 7000
    np.testing.assert_array_equal(np.concatenate(blocks), whole)


def test_spread_and_percentile(common):
    assert common.spread([3.0, 1.0, 2.0]) == {"min": 1.0, "median": 2.0, "max": 3.0, "n": 3}
    assert common.spread([]) is None
    assert common.percentile([1, 2, 3, 4], 0.5) == 3 and common.percentile([1, 2, 3, 4], 0.99) == 4


def test_bench_runtime_rounds_rows_and_report(tmp_path):
    out = tmp_path / "runtime.json"
    text = _run([BENCH / "bench_runtime.py", "--seconds", "2", "--rounds", "2", "--quiet",
                 "--rows", "litert,numpy,numpy-ref,cold:numpy,net:numpy,c-frontend", "--json", out, "--board"])
    data = json.loads(out.read_text())
    for key in ("command", "machine", "load_before", "load_after", "rounds", "summary", "unavailable"):
        assert key in data
    assert "--json" not in data["command"] and data["command"].startswith("python benchmarks/bench_runtime.py")
    assert {"cpu", "cores", "arch", "os", "versions"} <= set(data["machine"])
    assert len(data["rounds"]) == 2
    orders = [r["order"] for r in data["rounds"]]
    live = [row for row in orders[0] if row not in data["unavailable"]]        # a missing runtime drops out
    assert orders[1] != live and sorted(orders[1]) == sorted(live)                  # rotated, same rows
    summary = data["summary"]
    numpy_row = summary["numpy"]
    assert numpy_row["rounds"] == 2
    cpu = numpy_row["cpu_ms_per_s"]
    assert cpu["min"] <= cpu["median"] <= cpu["max"] and cpu["min"] > 0
    steps = {name: [r for r in data["rows"]["numpy"]][0]["steps"][name]["n"] for name in ("frame", "no_frame")}
    assert steps["frame"] > 0 and steps["no_frame"] > 0
    assert steps["frame"] + steps["no_frame"] == 100                                 # 2 s in 20 ms chunks
    for run in data["rows"]["numpy"]:
        assert run["audio_s"] == pytest.approx(2.0)
        assert 0 < run["rss_after_load_mb"] <= run["rss_peak_mb"] and run["rss_end_mb"] <= run["rss_peak_mb"]
    assert summary["numpy-ref"]["cpu_ms_per_s"]["median"] > 0
    cold = summary["cold:numpy"]
    assert cold["spawn_to_first_frame_ms"]["median"] >= cold["import_ms"]["median"] > 0
    if "litert" in data["unavailable"]:
        assert data["unavailable"]["litert"] and summary["ratio_litert_to_numpy_ref"] is None
    else:
        assert len(summary["ratio_per_round"]) == 2 and summary["ratio_litert_to_numpy_ref"]["n"] == 2
        assert "End-to-end LiteRT / numpy reference frontend alone, per round" in text
    assert "| row | runtime | CPU ms per s of audio |" in text and "Load average" in text
    assert "| numpy |" in text and "numpy reference frontend alone" in text and "spawn to first frame" in text
    net, fe = summary["net:numpy"]["cpu_ms_per_s"]["median"], summary["c-frontend"]["cpu_ms_per_s"]["median"]
    assert 0 < net < cpu["max"] and 0 < fe < cpu["max"]          # each part costs less than the whole
    assert f"end-to-end {cpu['median']:.2f} = network call alone {net:.2f} + C frontend alone {fe:.2f}" in text
    block = text.split("Paste this block into an issue:", 1)[1]
    assert "cores: " in block and "pinned" in block and "numpy (no runtime): CPU median" in block


def test_bench_runtime_refuses_an_unknown_row():
    res = subprocess.run([sys.executable, BENCH / "bench_runtime.py", "--rows", "numpy,tpu"], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert res.returncode != 0 and "unknown rows ['tpu']" in res.stderr


def test_run_all_quick_writes_one_report(tmp_path):
    md, js = tmp_path / "bench.md", tmp_path / "bench.json"
    _run([BENCH / "run_all.py", "--quick", "--only", "runtime,soak", "--out", md, "--json", js])
    report = json.loads(js.read_text())
    assert report["quick"] and report["command"].startswith("python benchmarks/run_all.py --quick")
    assert report["load_before"] is None or len(report["load_before"]) == 3
    sections = {s["name"]: s for s in report["sections"]}
    assert set(sections) == {"runtime", "soak"}
    runtime = sections["runtime"]
    assert runtime["status"] == "ok" and runtime["command"] == "python benchmarks/bench_runtime.py --seconds 2 --rounds 1"
    assert runtime["json"]["summary"]["numpy"]["cpu_ms_per_s"]["median"] > 0
    assert sections["soak"]["status"] == "skipped" and "--soak 60" in sections["soak"]["why"]
    text = md.read_text()
    assert text.startswith("# sgt-lite benchmarks") and "Machine:" in text and "Load average" in text
    assert "Regenerate: `python benchmarks/bench_runtime.py --seconds 2 --rounds 1`" in text
    assert "| README figure | section |" in text and "Quick smoke run" in text


def test_run_all_report_says_what_was_not_run_and_what_failed(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import run_all

    machine = {"cpu": "X", "board": None, "cores": 4, "cores_usable": 1, "os": "Linux 6", "arch": "aarch64",
               "versions": {"python": "3.9.2", "numpy": "1.26.4"}, "sgt_lite_from": "/x/sgt_lite"}
    report = {"command": "python benchmarks/run_all.py", "started": "2026-11-24 15:00 UTC", "git": "abc123",
              "machine": machine, "quick": False, "pinned": [0], "load_before": [0.5, 0.4, 0.3], "load_after": None,
              "seconds": 12.0, "sections": [
                  {"name": "pool", "title": "Pool", "status": "missing", "why": "benchmarks/bench_pool.py does not exist"},
                  {"name": "frontend", "title": "Frontend", "status": "failed", "rc": 2, "seconds": 1.0,
                   "command": "python benchmarks/bench_frontend.py", "load_before": None, "load_after": None,
                   "stdout": "partial line", "stderr_tail": "ImportError: librosa"},
                  {"name": "display", "title": "Display", "status": "ok", "rc": 0, "seconds": 3.0,
                   "command": "python benchmarks/bench_display.py", "load_before": [1, 1, 1], "load_after": [1, 1, 1],
                   "stdout": "display eyes: 0.1 CPU s per s", "stderr_tail": ""}]}
    text = run_all.markdown(report)
    assert "pinned to CPU [0]" in text and "0.50 0.40 0.30 before, unknown after" in text
    assert "## Pool\n\nNot run: benchmarks/bench_pool.py does not exist." in text
    assert "**Failed** (exit status 2)" in text and "ImportError: librosa" in text and "partial line" in text
    assert "Regenerate: `python benchmarks/bench_display.py`" in text and "```text\ndisplay eyes" in text


def test_bench_revisions_compares_two_checkouts_round_by_round():
    out = _run([BENCH / "bench_revisions.py", REPO, REPO, "--rounds", "2", "--seconds", "2", "--backends", "numpy"])
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("numpy |")]
    assert [r[1] for r in rows] == ["old", "new"]
    assert all(len(r[2].split(" / ")) == 3 for r in rows)
    assert rows[0][3] == "" and "(min" in rows[1][3] and float(rows[1][3].split()[0]) > 0
