"""Generative (non-memorised) versions of the swaps: does a style's *statistics* of slow head posture and
of fixation positions carry retrieval, or only its source's actual trajectories?

- head slow surrogate: the render's head above 1/4 Hz plus a phase-randomised surrogate of the source's
  slow head (< 1/4 Hz, 4 s MA): the same spectrum per axis, random phases (seeded), so no trajectory of the
  source is replayed;
- gaze fixations: the render's saccade timing kept, each fixation moved to a gaze position drawn at random
  from the source (about the source's mean, placed at the render's style mean).

    PYTHONPATH=tools/style_retrieval_probe python tools/style_retrieval_probe/surrogate.py > tools/style_retrieval_probe/results/surrogate.txt
"""
import numpy as np

import analyze as A
from diagnose import score
from sgt_lite.evaluation.eyes import detect_saccades


def lp(x):
    return x - A._hp(x)


def surrogate(x, n, rng):
    """Phase-randomised surrogate of 1-D ``x`` (its spectrum), ``n`` samples long, mean 0."""
    x = x - x.mean()
    reps = int(np.ceil(n / len(x)))
    out = []
    for _ in range(reps):
        f = np.fft.rfft(x)
        ph = rng.uniform(0, 2 * np.pi, len(f))
        ph[0] = 0
        out.append(np.fft.irfft(np.abs(f) * np.exp(1j * ph), len(x)))
    return np.concatenate(out)[:n]


def run(label, fn, seed=11):
    H = T = 0
    folds = []
    rng = np.random.default_rng(seed)
    for d in A.FOLDS:
        C = A.centres(d)
        mot = {}
        for s in d["styles"]:
            srcs = [m for m, _, _ in d["source"][s]]
            src = np.concatenate(srcs)
            ms = []
            for h in d["held"].values():
                m = h["styles"][s].astype(np.float64).copy()
                ms.append(fn(m, srcs, src, C[s], rng).astype(np.float32))
            mot[s] = ms
        h, t = score(d["fold"], mot)
        H += h; T += t
        folds.append(100 * h / t)
    print(f"  {label:62s} {100 * H / T:.1f}%  folds " + " ".join(f"{x:.1f}" for x in folds), flush=True)


def slow_surrogate(m, srcs, src, c, rng):
    n = len(m)
    for a in range(3):
        slow = np.concatenate([lp(s[:, a]) for s in srcs])
        m[:, a] = A._hp(m[:, a]) + lp(m[:, a]).mean() + surrogate(slow, n, rng)
    return m


def gaze_fix(m, srcs, src, c, rng):
    g = m[:, 3:5]
    sac = detect_saccades(g, 25.0)
    cuts = [0] + [int(e) for e in sac.end] + [len(m)]
    pool = src[:, 3:5] - np.median(src[:, 3:5], axis=0)
    base = np.median(g, axis=0)
    for a, b in zip(cuts[:-1], cuts[1:]):
        if b <= a:
            continue
        seg = g[a:b]
        target = base + pool[rng.integers(len(pool))]
        g[a:b] = seg - seg.mean(0) + target
    m[:, 3:5] = g
    return m


def both(m, srcs, src, c, rng):
    return gaze_fix(slow_surrogate(m, srcs, src, c, rng), srcs, src, c, rng)


def none(m, srcs, src, c, rng):
    return m


run("baseline", none)
run("head: render > 1/4 Hz + surrogate of source slow head", slow_surrogate)
run("gaze: fixations at positions drawn from the source", gaze_fix)
run("both", both)
