"""Why amplitude gains do not move retrieval: where the encoder places (a) the sources themselves,
(b) the styles rendered on the training audio, (c) held-out renders with channels ablated, and
(d) held-out renders with a per-style causal smoothing + gain that matches BOTH the source's std and
its mean |velocity| per head axis (amplitude and speed), computed on the training side.

    PYTHONPATH=tools/style_retrieval_probe python tools/style_retrieval_probe/diagnose.py > tools/style_retrieval_probe/results/diagnose.txt
"""
import numpy as np

import analyze as A   # reuses the loaded renders, encoders and helpers (runs analyze's tables first if imported
                      # as a script; here it is imported, so guard below)


def score(fold, motions_by_style):
    """(hits, windows) for {style: [motion]} against the fold's style table."""
    enc, codes = A.ENC[fold]
    names = list(motions_by_style)
    table = np.stack([codes[n] for n in names])
    hits = tot = 0
    for k, n in enumerate(names):
        for m in motions_by_style[n]:
            if len(m) < enc.window:
                continue
            p = np.argmax(enc.windows(m) @ table.T, axis=1)
            hits += int(np.sum(p == k))
            tot += len(p)
    return hits, tot


def pct(ht):
    return 100.0 * ht[0] / max(ht[1], 1)


def ema(x, a):
    """Causal one-pole low-pass y[t] = a y[t-1] + (1-a) x[t], started at x[0]."""
    y = np.empty_like(x)
    acc = x[0]
    for t in range(len(x)):
        acc = a * acc + (1 - a) * x[t]
        y[t] = acc
    return y


ALPHAS = np.linspace(0.0, 0.9, 19)


def shape_params(d):
    """{style: [(alpha, gain)] per head axis}: alpha makes the render's (mean |vel| / std) the source's
    (the nearest on a grid; 0 when the render is already slower than its source), then the gain its std."""
    out = {}
    for s in d["styles"]:
        src = [(m, v) for m, v, _ in d["source"].get(s, [])]
        rend = d["train"][s]
        params = []
        for a in range(3):
            s_std, s_vel = A.stat(src, a, "std"), A.stat(src, a, "vel")
            if not (np.isfinite(s_std) and s_std > 1e-9):
                params.append((0.0, 1.0))
                continue
            want = s_vel / s_std
            best = None
            for al in ALPHAS:
                sm = [(ema(m[:, a].astype(np.float64) - m[:, a].mean(), al)[:, None].repeat(6, 1),
                       np.ones((len(m), 6), bool)) for m in rend]
                r_std, r_vel = A.stat(sm, 0, "std"), A.stat(sm, 0, "vel")
                err = abs(np.log((r_vel / r_std) / want))
                if best is None or err < best[0]:
                    best = (err, al, r_std)
            params.append((best[1], float(np.clip(s_std / best[2], 0.5, 2.0))))
        out[s] = params
    return out


def shape(m, params, c):
    m = m.astype(np.float64).copy()
    for a, (al, g) in enumerate(params):
        x = m[:, a] - c[a]
        m[:, a] = c[a] + g * (ema(x, al) if al > 0 else x)
    return m.astype(np.float32)


if __name__ == "__main__":
    print("== (a) sources, (b) training-audio renders, held-out renders: encoder retrieval per fold")
    tot = {"a": [0, 0], "b": [0, 0]}
    for d in A.FOLDS:
        f = d["fold"]
        src = {s: [m for m, v, _ in d["source"][s]] for s in d["styles"] if s in d["source"]}
        a = score(f, src)
        b = score(f, {s: d["train"][s] for s in d["styles"]})
        for key, v in (("a", a), ("b", b)):
            tot[key][0] += v[0]
            tot[key][1] += v[1]
        print(f"fold {f}: sources {pct(a):.1f}% ({a[1]} windows), training-audio renders {pct(b):.1f}% "
              f"({b[1]} windows)")
    print(f"pooled: sources {pct(tot['a']):.1f}%, training-audio renders {pct(tot['b']):.1f}%")

    print("\n== (c) held-out renders with channels ablated (set to the style's training-render mean)")
    for label, chans in (("head frozen", (0, 1, 2)), ("gaze frozen", (3, 4)), ("blink frozen", (5,)),
                         ("head only (gaze+blink frozen)", (3, 4, 5)), ("gaze+blink only (head frozen)", (0, 1, 2))):
        H = T = 0
        for d in A.FOLDS:
            C = A.centres(d)
            mot = {}
            for s in d["styles"]:
                mot[s] = []
                for i, h in d["held"].items():
                    m = h["styles"][s].copy()
                    m[:, list(chans)] = C[s][list(chans)]
                    mot[s].append(m)
            h, t = score(d["fold"], mot)
            H += h
            T += t
        print(f"  {label:32s} {100 * H / T:.1f}%")

    print("\n== (d) causal smoothing + gain per style and head axis, matching source std and mean |velocity|")
    H = T = 0
    folds = []
    items = []
    items_def1 = []
    for d in A.FOLDS:
        C = A.centres(d)
        P = shape_params(d)
        print(f"fold {d['fold']}: " + "; ".join(
            f"{s} " + "/".join(f"a{al:.2f} g{g:.2f}" for al, g in P[s]) for s in d["styles"]), flush=True)
        mot = {s: [shape(h["styles"][s], P[s], C[s]) for h in d["held"].values()] for s in d["styles"]}
        h, t = score(d["fold"], mot)
        H += h
        T += t
        folds.append(100 * h / t)
        ds = d["default_style"]
        for i, hd in d["held"].items():
            items.append((hd["real"][0], shape(hd["default"], P[ds], C[ds])))
            items_def1.append((hd["real"][0], hd["default"]))
    print(f"retrieval {100 * H / T:.1f}%  folds " + " ".join(f"{x:.1f}" for x in folds))
    print("default-style ratios (shaped): " + " ".join(f"{k} {v:.3g}" for k, v in A.head_ratios(items).items()))
    print("default-style ratios (as is):  " + " ".join(f"{k} {v:.3g}" for k, v in A.head_ratios(items_def1).items()))
