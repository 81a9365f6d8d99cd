"""Real gaze timing from eye tracking: ``gaze_conversation/fixations.csv`` (19 people in remote
video dialogues, Dembinsky et al., ETRA 2024), speaking against listening.

The file's ``pause_before_ms`` is, in the data, the onset-to-onset interval
from the previous fixation (it equals the difference of ``start_sample`` to
within 0.02 ms on every consecutive pair); the gap between one fixation's end and
the next one's start is derived here from ``start_sample`` and
``length_samples``. The tracker samples at about 90 Hz and sees saccades far
smaller than video at 25 fps can, so its fixations are much shorter than the
intervals between saccades a video detector finds; compare like with like.
"""
import csv
import logging
import pathlib

import numpy as np

from ..errors import DataFormatError

log = logging.getLogger(__name__)

COLUMNS = ("participant", "mode", "segment", "fixation", "start_sample", "length_samples", "duration_ms",
           "pause_before_ms", "center_x_px", "center_y_px")
MODES = ("SPEAK", "LISTEN", "DIALOGUE")


def default_path() -> pathlib.Path:
    from ..motion.dataset import default_audio_root

    return default_audio_root().parent / "gaze_conversation" / "fixations.csv"


def read_fixations(path) -> dict:
    """{column: array} of the fixations CSV; :class:`DataFormatError` if a column is missing."""
    path = pathlib.Path(path)
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or any(c not in header for c in COLUMNS):
            raise DataFormatError(f"{path}: expected columns {COLUMNS}, got {header}")
        rows = list(reader)
    cols = {}
    for c in COLUMNS:
        k = header.index(c)
        vals = [r[k] for r in rows]
        try:
            cols[c] = np.array(vals) if c == "mode" else np.array(vals, np.float64)
        except ValueError as exc:
            raise DataFormatError(f"{path}: column {c!r} is not numeric ({exc})") from exc
    return cols


def fixation_stats(cols: dict) -> dict:
    """{mode: {statistic: value}} over the fixations of each mode (SPEAK, LISTEN, DIALOGUE)."""
    ms_per_sample = float(np.median(cols["duration_ms"] / np.maximum(cols["length_samples"], 1)))
    same = ((cols["participant"][1:] == cols["participant"][:-1]) & (cols["segment"][1:] == cols["segment"][:-1])
            & (cols["mode"][1:] == cols["mode"][:-1]) & (cols["fixation"][1:] == cols["fixation"][:-1] + 1))
    onset = np.diff(cols["start_sample"]) * ms_per_sample
    gap = (np.diff(cols["start_sample"]) - cols["length_samples"][:-1]) * ms_per_sample
    jump = np.hypot(np.diff(cols["center_x_px"]), np.diff(cols["center_y_px"]))
    out = {}
    for mode in MODES:
        sel = cols["mode"] == mode
        if not sel.any():
            continue
        pair = same & sel[1:]
        d = cols["duration_ms"][sel]
        out[mode] = {
            "fixations": int(sel.sum()),
            "participants": int(np.unique(cols["participant"][sel]).size),
            "fixation p25 (ms)": float(np.percentile(d, 25)),
            "fixation median (ms)": float(np.median(d)),
            "fixation p75 (ms)": float(np.percentile(d, 75)),
            "fixations over 1 s (%)": float(100.0 * np.mean(d > 1000.0)),
            "onset-to-onset median (ms)": float(np.median(onset[pair])),
            "gap end-to-start median (ms)": float(np.median(gap[pair])),
            "gap end-to-start p90 (ms)": float(np.percentile(gap[pair], 90)),
            "fixations per min": float(60000.0 / np.mean(onset[pair])),
            "jump between fixations median (px)": float(np.median(jump[pair])),
        }
    return out


def markdown(stats: dict) -> str:
    modes = [m for m in MODES if m in stats]
    keys = list(next(iter(stats.values())))
    lines = ["| statistic | " + " | ".join(m.lower() for m in modes) + " |", "|---|" + "---:|" * len(modes)]
    for k in keys:
        cells = [str(v) if isinstance(v, int) else f"{v:.4g}" for v in (stats[m][k] for m in modes)]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
