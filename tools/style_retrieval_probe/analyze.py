"""Post-hoc per-style head (and gaze) gains on the renders of exp/gen.py; re-scores the model's-own-encoder
style retrieval (as report.Evaluation._encoder_hits) and the pooled head amplitude/velocity ratios (as
summary.head_metrics) of the default style.

Gains come from training-side data only: source tracks (calibrate.source_tracks) vs the style rendered over
the checkpoint's training audio. Held-out clips are only scored.

    PYTHONPATH=tools/style_retrieval_probe python tools/style_retrieval_probe/analyze.py > tools/style_retrieval_probe/results/analyze.txt
"""
import json
import pickle
import pathlib

import numpy as np

from sgt_lite.model.checkpoint import Checkpoint
from sgt_lite.model.style_encoder import NumpyStyleEncoder

OUT = pathlib.Path(__file__).parent / "out"
FOLDS = [pickle.load(open(OUT / f"fold{k}.pkl", "rb")) for k in range(5)]
ENC = {}
for d in FOLDS:
    ck = Checkpoint.load(f"checkpoints/fold{d['fold']}")
    ENC[d["fold"]] = (NumpyStyleEncoder.from_checkpoint(ck),
                      {n: np.asarray(v["code"], np.float32) for n, v in ck.styles.items()})
FPS = 25.0
HP_S = 4.0           # high-pass: minus a centred 4 s moving average


def _runs(valid):
    """[(a, b)] runs of consecutive valid frames."""
    v = np.concatenate([[False], valid, [False]])
    edges = np.flatnonzero(np.diff(v.astype(int)))
    return list(zip(edges[::2], edges[1::2]))


def _hp(x):
    n = int(HP_S * FPS) | 1
    if len(x) < n:
        return x - x.mean()
    k = np.ones(n) / n
    pad = np.pad(x, (n // 2, n // 2), mode="reflect")
    return x - np.convolve(pad, k, mode="valid")


def stat(tracks, axis, kind):
    """Duration-weighted mean over tracks of the per-track statistic of one channel (valid frames only).
    tracks: [(motion, valid)]; kind: std | hp | vel."""
    vals, ws = [], []
    for m, v in tracks:
        x, ok = m[:, axis].astype(np.float64), v[:, axis].astype(bool)
        pieces = [x[a:b] for a, b in _runs(ok) if b - a >= 3]
        if not pieces:
            continue
        n = sum(len(p) for p in pieces)
        if kind == "std":
            xs = np.concatenate(pieces)
            s = xs.std()
        elif kind == "hp":
            s = np.sqrt(np.mean(np.concatenate([_hp(p) for p in pieces]) ** 2))
        elif kind == "vel":
            s = np.mean(np.abs(np.concatenate([np.diff(p) * FPS for p in pieces])))
        vals.append(s)
        ws.append(n)
    if not ws:
        return np.nan
    return float(np.sum(np.array(vals) * ws) / np.sum(ws))


def gains(d, kind, axes, lo, hi):
    """{style: gains (6,)}: source / rendered on the training side, per axis in ``axes``; 1 elsewhere."""
    out = {}
    for s in d["styles"]:
        g = np.ones(6)
        src = d["source"].get(s, [])
        rend = [(m, np.ones_like(m, bool)) for m in d["train"][s]]
        for a in axes:
            srcs = [(m, v) for m, v, trusted in src if a < 3 or trusted]
            num, den = stat(srcs, a, kind), stat(rend, a, kind)
            if np.isfinite(num) and den > 1e-9:
                g[a] = np.clip(num / den, lo, hi)
        out[s] = g
    return out


def centres(d):
    """{style: mean (6,) of the style rendered over the training audio} (the point the gain scales about)."""
    return {s: np.concatenate(d["train"][s]).mean(0) for s in d["styles"]}


def apply(m, g, c):
    m = m.astype(np.float64).copy()
    for a in range(5):
        if g[a] != 1.0:
            m[:, a] = c[a] + g[a] * (m[:, a] - c[a])
    return m.astype(np.float32)


def retrieval(d, G, C):
    enc, codes = ENC[d["fold"]]
    names = d["styles"]
    table = np.stack([codes[n] for n in names])
    hits = total = 0
    conf = np.zeros((len(names), len(names)), int)
    for i, h in d["held"].items():
        for k, n in enumerate(names):
            m = h["styles"][n]
            if G is not None:
                m = apply(m, G[n], C[n])
            pred = np.argmax(enc.windows(m) @ table.T, axis=1)
            hits += int(np.sum(pred == k))
            total += len(pred)
            np.add.at(conf[k], pred, 1)
    return hits, total, conf


def head_ratios(items):
    """Pooled (duration-weighted) amplitude and velocity ratios per head axis, as summary.head_metrics.
    items: [(real motion, generated motion)]."""
    w = np.array([len(r) for r, _ in items], float)
    w /= w.sum()
    out = {}
    for a, ax in enumerate(("yaw", "pitch", "roll")):
        rs = np.array([r[:, a].std() for r, _ in items])
        gs = np.array([g[:, a].std() for _, g in items])
        rv = np.array([np.abs(np.diff(r[:, a]) * FPS).mean() for r, _ in items])
        gv = np.array([np.abs(np.diff(g[:, a]) * FPS).mean() for _, g in items])
        out[f"amp {ax}"] = float(np.sum(w * gs) / np.sum(w * rs))
        out[f"vel {ax}"] = float(np.sum(w * gv) / np.sum(w * rv))
    return out


def default_items(d, G, C, default_gain=True):
    ds = d["default_style"]
    items = []
    for i, h in d["held"].items():
        m = h["default"]
        if G is not None and default_gain:
            m = apply(m, G[ds], C[ds])
        items.append((h["real"][0], m))
    return items


def fmt(x):
    return f"{x:.3g}"


def main():
    VARIANTS = [("baseline", None)]
    for kind in ("std", "hp", "vel"):
        for lo, hi in ((0.5, 2.0), (1 / 1.5, 1.5), (0.25, 4.0)):
            VARIANTS.append((f"head {kind} [{lo:.2g},{hi:.2g}]", (kind, (0, 1, 2), lo, hi)))
            VARIANTS.append((f"head+gaze {kind} [{lo:.2g},{hi:.2g}]", (kind, (0, 1, 2, 3, 4), lo, hi)))

    results = {}
    for label, spec in VARIANTS:
        per_fold, all_items, all_items_nodef, H, T = [], [], [], 0, 0
        for d in FOLDS:
            C = centres(d)
            G = gains(d, *spec) if spec else None
            h, t, _ = retrieval(d, G, C)
            H += h
            T += t
            per_fold.append(100.0 * h / t)
            all_items += default_items(d, G, C)
        results[label] = {"pooled": 100.0 * H / T, "folds": per_fold, "ratios": head_ratios(all_items)}
        r = results[label]
        print(f"{label:28s} retrieval {r['pooled']:.1f}%  folds " + " ".join(f"{x:.1f}" for x in per_fold)
              + " | default-style ratios " + " ".join(f"{k} {fmt(v)}" for k, v in r["ratios"].items()), flush=True)

    # per-style gains of the main variants, and default-style detail ---------------------------------------------
    print()
    for kind in ("std", "hp", "vel"):
        print(f"== per-style head gains ({kind}, unclipped) yaw/pitch/roll [gaze yaw/pitch] per fold")
        for d in FOLDS:
            G = gains(d, kind, (0, 1, 2, 3, 4), 0.0, 1e9)
            print(f"fold {d['fold']} (default {d['default_style']}): " + "; ".join(
                f"{s} " + "/".join(f"{g:.2f}" for g in G[s][:3]) + " [" + "/".join(f"{g:.2f}" for g in G[s][3:5]) + "]"
                for s in d["styles"]))
    print()
    # confusion of the baseline, pooled over folds by style name
    print("== baseline per-style hit rate (pooled over folds) and most frequent wrong answer")
    per = {}
    for d in FOLDS:
        _, _, conf = retrieval(d, None, centres(d))
        for k, n in enumerate(d["styles"]):
            row = conf[k]
            e = per.setdefault(n, [0, 0, {}])
            e[0] += row[k]
            e[1] += row.sum()
            for j, m in enumerate(d["styles"]):
                if j != k:
                    e[2][m] = e[2].get(m, 0) + row[j]
    base_hit = {n: 100 * e[0] / e[1] for n, e in per.items()}
    for n, e in sorted(per.items()):
        wrong = max(e[2], key=e[2].get)
        print(f"  {n:12s} {100 * e[0] / e[1]:5.1f}%  ({e[1]} windows; most often taken for {wrong}: "
              f"{100 * e[2][wrong] / e[1]:.0f}%)")
    json.dump(results, open(OUT.parent / "results" / "results.json", "w"), indent=1)


if __name__ == "__main__":
    main()
