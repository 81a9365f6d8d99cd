"""Fits the gaze prior for listening (and speaking) to the eye-tracking fixations of
``gaze_conversation/fixations.csv`` (Dembinsky et al., ETRA 2024; 19 people in video calls)
and writes ``listening_prior.json`` next to this file.

    python -m sgt_lite.events.fit_listening [path/to/fixations.csv] [--out file.json]

Per mode (LISTEN, SPEAK) it fits:

- fixation durations: a shifted lognormal by maximum likelihood (the shift profiled over a
  1 ms grid below the shortest fixation; the dataset's detector keeps fixations >= 100 ms);
- gaze-shift amplitudes: the quantiles of the distance between consecutive fixation centres
  of a turn, in degrees;
- the spread of fixation centres around each person's median (per-axis quantiles), in degrees.

Pixels become degrees with the dataset's own scale: its fixation detector uses a 30 px
dispersion threshold "for 0.66 deg" (``move_data`` in the dataset's repository).
``pause_before_ms`` in the CSV is the onset-to-onset interval (the detector's ``Pause`` is
the time since the previous fixation *started*), so the gap between two fixations is
``pause_before_ms`` minus the previous fixation's duration. Gaps over 150 ms hold a blink
or lost tracking; their rate is stored as a lower bound on the blink rate.
Blink rates themselves are literature constants (Bentivoglio et al. 1997: 17/min at rest,
26/min in conversation), since the CSV has no blink channel.
"""
import argparse
import csv
import hashlib
import json
import math
import os
import pathlib
import sys

import numpy as np

from ..errors import DataFormatError

PRIOR_FILE = pathlib.Path(__file__).with_name("listening_prior.json")
FORMAT = "sgt-lite-gaze-prior/1"
SHARED_ENV = "SGT_LITE_SHARED"     # the folder holding data/ (as the tests use it)


def default_csv() -> pathlib.Path:
    shared = os.environ.get(SHARED_ENV) or pathlib.Path(__file__).resolve().parents[3] / "shared"
    return pathlib.Path(shared) / "data" / "gaze_conversation" / "fixations.csv"
PX_PER_DEG = 30.0 / 0.66
MODES = ("LISTEN", "SPEAK")
BLINK_PER_MIN = {"LISTEN": 17.0, "SPEAK": 26.0}
LONG_GAP_S = 0.15
AMPLITUDE_QUANTILES = np.linspace(0.0, 1.0, 41)
SPREAD_QUANTILES = (0.5, 0.75, 0.9, 0.95)
COLUMNS = ("participant", "mode", "segment", "fixation", "duration_ms", "pause_before_ms",
           "center_x_px", "center_y_px")


def read_fixations(path) -> dict:
    """The CSV's columns as numpy arrays (mode as a string array)."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file (expected gaze_conversation/fixations.csv)")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFormatError(f"{path}: missing columns {missing}; found {reader.fieldnames}")
        rows = list(reader)
    out = {"mode": np.array([r["mode"] for r in rows])}
    for c in ("participant", "segment", "fixation"):
        out[c] = np.array([int(r[c]) for r in rows])
    for c in ("duration_ms", "pause_before_ms", "center_x_px", "center_y_px"):
        out[c] = np.array([float(r[c]) for r in rows])
    return out


def fit_shifted_lognormal(x: np.ndarray, step: float = 0.001):
    """(shift, mu, sigma, loglik) maximising the likelihood of ``x - shift ~ lognormal(mu, sigma)``."""
    x = np.asarray(x, np.float64)
    best = None
    for shift in np.arange(0.0, x.min() - step / 2, step):
        y = np.log(x - shift)
        mu, sigma = y.mean(), y.std()
        ll = float(np.sum(-y - math.log(sigma) - 0.5 * math.log(2 * math.pi)) - 0.5 * len(y))
        if best is None or ll > best[3]:
            best = (float(shift), float(mu), float(sigma), ll)
    return best


def _consecutive(d, sel):
    """Mask over pairs (i, i+1) that are consecutive fixations of one turn within ``sel``."""
    same = ((d["participant"][1:] == d["participant"][:-1]) & (d["segment"][1:] == d["segment"][:-1])
            & (d["mode"][1:] == d["mode"][:-1]) & (d["fixation"][1:] == d["fixation"][:-1] + 1))
    return same & sel[1:]


def fit_mode(d: dict, mode: str) -> dict:
    sel = d["mode"] == mode
    if sel.sum() < 100:
        raise DataFormatError(f"only {int(sel.sum())} fixations for mode {mode}; need >= 100")
    dur = d["duration_ms"][sel] / 1000.0
    shift, mu, sigma, ll = fit_shifted_lognormal(dur)
    pair = _consecutive(d, sel)
    x, y = d["center_x_px"] / PX_PER_DEG, d["center_y_px"] / PX_PER_DEG
    steps = np.hypot(np.diff(x), np.diff(y))[pair]
    steps = np.minimum(steps, np.quantile(steps, 0.99))    # off-screen glances: not a listener's shift
    gaps = (d["pause_before_ms"][1:] - d["duration_ms"][:-1])[pair] / 1000.0
    # time covered by the consecutive pairs: each pair spans one onset-to-onset interval
    covered_s = d["pause_before_ms"][1:][pair].sum() / 1000.0
    dx, dy = [], []
    for p in np.unique(d["participant"][sel]):
        m = sel & (d["participant"] == p)
        dx.append(np.abs(x[m] - np.median(x[m])))
        dy.append(np.abs(y[m] - np.median(y[m])))
    dx, dy = np.concatenate(dx), np.concatenate(dy)
    return {
        "fixations": int(sel.sum()),
        "participants": int(len(np.unique(d["participant"][sel]))),
        "fixation_s": {"model": "shifted_lognormal", "shift": round(shift, 4), "mu": round(mu, 6),
                       "sigma": round(sigma, 6), "median_data": round(float(np.median(dur)), 4),
                       "median_model": round(shift + math.exp(mu), 4), "mean_data": round(float(dur.mean()), 4)},
        "shift_deg_quantiles": [round(float(v), 4) for v in np.quantile(steps, AMPLITUDE_QUANTILES)],
        "spread_deg": {"quantiles": list(SPREAD_QUANTILES),
                       "yaw": [round(float(np.quantile(dx, q)), 3) for q in SPREAD_QUANTILES],
                       "pitch": [round(float(np.quantile(dy, q)), 3) for q in SPREAD_QUANTILES]},
        "gap_s_median": round(float(np.median(gaps)), 4),
        "long_gaps_per_min": round(float(np.sum(gaps > LONG_GAP_S) / covered_s * 60.0), 2),
        "blink_per_min": BLINK_PER_MIN[mode],
    }


def fit(csv_path) -> dict:
    d = read_fixations(csv_path)
    with open(csv_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return {
        "format": FORMAT,
        "provenance": {
            "source": "gaze_conversation/fixations.csv (psyberlab/eye-gaze-during-conversation-dataset, "
                      "Apache-2.0; Dembinsky et al., ETRA 2024)",
            "sha256": digest,
            "rows": int(len(d["mode"])),
            "px_per_deg": round(PX_PER_DEG, 4),
            "script": "python -m sgt_lite.events.fit_listening",
            "blink_per_min": "literature: Bentivoglio et al. 1997 (17/min at rest, 26/min in conversation)",
        },
        "modes": {m: fit_mode(d, m) for m in MODES},
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sgt_lite.events.fit_listening", description=__doc__.split("\n")[0])
    ap.add_argument("csv", nargs="?", default=str(default_csv()))
    ap.add_argument("--out", default=str(PRIOR_FILE))
    args = ap.parse_args(argv)
    prior = fit(args.csv)
    with open(args.out, "w") as f:
        json.dump(prior, f, indent=1)
        f.write("\n")
    for m, v in prior["modes"].items():
        fx = v["fixation_s"]
        print(f"{m}: {v['fixations']} fixations, median {fx['median_data'] * 1000:.0f} ms "
              f"(model {fx['median_model'] * 1000:.0f} ms), median shift {v['shift_deg_quantiles'][20]:.2f} deg, "
              f"long gaps {v['long_gaps_per_min']}/min")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
