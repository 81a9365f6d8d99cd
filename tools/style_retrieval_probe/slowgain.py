"""Gain on the slow head (4 s moving average about the style mean) only, from source/rendered std of that
slow part on the training side; the faster part left as rendered (and a variant that also gains the fast part).

    PYTHONPATH=tools/style_retrieval_probe python tools/style_retrieval_probe/slowgain.py > tools/style_retrieval_probe/results/slowgain.txt
"""
import numpy as np

import analyze as A
from diagnose import score


def lp(x):
    return x - A._hp(x)


def slow_std(tracks, a):
    """duration-weighted per-track std of the 4 s moving average (valid frames: whole tracks whose axis is valid
    on >= 90% of frames; invalid frames are filled in the shipped tracks)."""
    vals, ws = [], []
    for m, v in tracks:
        if v[:, a].mean() < 0.9 or len(m) < 100:
            continue
        vals.append(lp(m[:, a].astype(np.float64)).std())
        ws.append(len(m))
    return float(np.average(vals, weights=ws)) if ws else np.nan


def params(d, lo=0.5, hi=2.0, fast=False):
    out = {}
    for s in d["styles"]:
        src = [(m, v) for m, v, _ in d["source"].get(s, [])]
        rend = [(m, np.ones_like(m, bool)) for m in d["train"][s]]
        gs, gf = np.ones(3), np.ones(3)
        for a in range(3):
            n, dd = slow_std(src, a), slow_std(rend, a)
            if np.isfinite(n) and dd > 1e-9:
                gs[a] = np.clip(n / dd, lo, hi)
            if fast:
                n, dd = A.stat(src, a, "hp"), A.stat(rend, a, "hp")
                if np.isfinite(n) and dd > 1e-9:
                    gf[a] = np.clip(n / dd, lo, hi)
        out[s] = (gs, gf)
    return out


def apply(m, p, c):
    m = m.astype(np.float64).copy()
    gs, gf = p
    for a in range(3):
        x = m[:, a] - c[a]
        l = lp(x)
        m[:, a] = c[a] + gs[a] * l + gf[a] * (x - l)
    return m.astype(np.float32)


for label, kw in (("slow-only gain [0.5,2]", {}), ("slow-only gain [0.25,4]", dict(lo=0.25, hi=4.0)),
                  ("slow gain + fast (hp) gain [0.5,2]", dict(fast=True))):
    H = T = 0
    folds, items = [], []
    gains = []
    for d in A.FOLDS:
        C = A.centres(d)
        P = params(d, **kw)
        mot = {s: [apply(h["styles"][s], P[s], C[s]) for h in d["held"].values()] for s in d["styles"]}
        h, t = score(d["fold"], mot)
        H += h; T += t
        folds.append(100 * h / t)
        ds = d["default_style"]
        items += [(h["real"][0], apply(h["default"], P[ds], C[ds])) for h in d["held"].values()]
        gains.append(f"fold {d['fold']}: " + "; ".join(f"{s} " + "/".join(f"{g:.2f}" for g in P[s][0]) for s in d["styles"]))
    print(f"{label:36s} retrieval {100 * H / T:.1f}%  folds " + " ".join(f"{x:.1f}" for x in folds)
          + " | default-style ratios " + " ".join(f"{k} {v:.3g}" for k, v in A.head_ratios(items).items()), flush=True)
    if label.startswith("slow-only gain [0.25"):
        print("  slow gains (yaw/pitch/roll):\n  " + "\n  ".join(gains))
