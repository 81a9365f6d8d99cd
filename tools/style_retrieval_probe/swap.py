"""Which channels carry the gap between sources (89% retrieval) and renders (~53%): (e1) sources with
channels frozen at their mean; (e2) held-out renders with one channel group swapped for the style's SOURCE
motion (training side, concatenated and cropped to the clip's length; a diagnostic, not a run-time method).

    PYTHONPATH=tools/style_retrieval_probe python tools/style_retrieval_probe/swap.py > tools/style_retrieval_probe/results/swap.txt
"""
import numpy as np

import analyze as A
from diagnose import score

GROUPS = (("head", [0, 1, 2]), ("gaze", [3, 4]), ("blink", [5]), ("gaze+blink", [3, 4, 5]))
print("== (e1) sources with a channel group frozen at the source's mean")
for label, ch in (("none", []),) + GROUPS:
    H = T = 0
    for d in A.FOLDS:
        mot = {}
        for s in d["styles"]:
            if s not in d["source"]:
                continue
            allm = np.concatenate([m for m, _, _ in d["source"][s]])
            mu = allm.mean(0)
            ms = []
            for m, _, _ in d["source"][s]:
                m = m.copy()
                if ch:
                    m[:, ch] = mu[ch]
                ms.append(m)
            mot[s] = ms
        h, t = score(d["fold"], mot)
        H += h; T += t
    print(f"  frozen {label:12s} {100 * H / T:.1f}%")
print("== (e2) held-out renders with a channel group swapped for the style's source motion")
for label, ch in GROUPS + (("head+gaze", [0, 1, 2, 3, 4]),):
    H = T = 0
    folds = []
    for d in A.FOLDS:
        mot = {}
        for s in d["styles"]:
            src = np.concatenate([m for m, _, _ in d["source"][s]])
            ms = []
            off = 0
            for h in d["held"].values():
                m = h["styles"][s].copy()
                n = len(m)
                idx = (off + np.arange(n)) % len(src)
                off += n
                m[:, ch] = src[idx][:, ch]
                ms.append(m)
            mot[s] = ms
        h, t = score(d["fold"], mot)
        H += h; T += t
        folds.append(100 * h / t)
    print(f"  swapped {label:12s} {100 * H / T:.1f}%  folds " + " ".join(f"{x:.1f}" for x in folds))
