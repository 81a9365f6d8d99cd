import numpy as np
import pytest

from sgt_lite.errors import DataFormatError
from sgt_lite.evaluation import reference as REF

HEADER = ",".join(REF.COLUMNS)


def _write(path, rows):
    path.write_text(HEADER + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    return path


def test_statistics_of_a_small_synthetic_file(tmp_path):
    # participant 0 speaks: 3 fixations of 10 samples (111 ms) starting every 12 samples (2-sample gaps);
    # then listens: 2 fixations of 20 samples starting 25 samples apart
    ms = 11.1
    rows = [(0, "SPEAK", 0, k, 100 + 12 * k, 10, 10 * ms, 12 * ms, 500 + 30 * k, 400) for k in range(3)]
    rows += [(0, "LISTEN", 1, k, 500 + 25 * k, 20, 20 * ms, 25 * ms, 600, 400) for k in range(2)]
    stats = REF.fixation_stats(REF.read_fixations(_write(tmp_path / "f.csv", rows)))
    sp, li = stats["SPEAK"], stats["LISTEN"]
    assert sp["fixations"] == 3 and sp["participants"] == 1 and li["fixations"] == 2
    assert sp["fixation median (ms)"] == pytest.approx(111.0)
    assert sp["onset-to-onset median (ms)"] == pytest.approx(12 * ms)
    assert sp["gap end-to-start median (ms)"] == pytest.approx(2 * ms)
    assert sp["jump between fixations median (px)"] == pytest.approx(30.0)
    assert li["gap end-to-start median (ms)"] == pytest.approx(5 * ms)
    assert sp["fixations per min"] == pytest.approx(60000 / (12 * ms))
    assert "DIALOGUE" not in stats
    table = REF.markdown(stats)
    assert table.splitlines()[0] == "| statistic | speak | listen |" and "| fixations | 3 | 2 |" in table


def test_a_file_without_the_columns_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("participant,mode\n0,SPEAK\n")
    with pytest.raises(DataFormatError, match="expected columns"):
        REF.read_fixations(bad)
    rows = [(0, "SPEAK", 0, 0, "x", 10, 111, 0, 1, 1)]
    with pytest.raises(DataFormatError, match="start_sample"):
        REF.read_fixations(_write(tmp_path / "nan.csv", rows))


def test_real_fixations_speaking_against_listening():
    path = REF.default_path()
    if not path.is_file():
        pytest.skip(f"gaze_conversation data not found at {path} (set SGT_LITE_SHARED)")
    cols = REF.read_fixations(path)
    stats = REF.fixation_stats(cols)
    sp, li = stats["SPEAK"], stats["LISTEN"]
    assert sp["participants"] == li["participants"] == 19
    # speakers fixate more briefly than listeners and jump further between fixations
    assert 120 < sp["fixation median (ms)"] < li["fixation median (ms)"] < 400
    assert sp["jump between fixations median (px)"] > li["jump between fixations median (px)"]
    # pause_before_ms is the onset-to-onset interval in this file, not the gap after the previous fixation
    ms = np.median(cols["duration_ms"] / cols["length_samples"])
    onset = np.diff(cols["start_sample"]) * ms
    same = (np.diff(cols["fixation"]) == 1) & (np.diff(cols["segment"]) == 0)
    np.testing.assert_allclose(cols["pause_before_ms"][1:][same], onset[same], atol=0.05)
    assert sp["gap end-to-start median (ms)"] < 50 < sp["onset-to-onset median (ms)"]
