"""Per-style hit rates of (e2): held-out renders with head or gaze swapped for the style's training-side source
motion (for the real-speaker styles that source is the encoder's own training data: an optimistic bound).

    PYTHONPATH=tools/style_retrieval_probe python tools/style_retrieval_probe/swap_by_style.py > tools/style_retrieval_probe/results/swap_by_style.txt
"""
import numpy as np

import analyze as A
from sgt_lite.generators import PRESETS

res = {}
for lab, ch in (("model", []), ("swap head", [0, 1, 2]), ("swap gaze", [3, 4]), ("swap head+gaze", [0, 1, 2, 3, 4])):
    for d in A.FOLDS:
        enc, codes = A.ENC[d["fold"]]
        names = d["styles"]
        table = np.stack([codes[n] for n in names])
        for k, s in enumerate(names):
            src = np.concatenate([m for m, _, _ in d["source"][s]])
            off = 0
            for h in d["held"].values():
                m = h["styles"][s].copy()
                idx = (off + np.arange(len(m))) % len(src)
                off += len(m)
                if ch:
                    m[:, ch] = src[idx][:, ch]
                pr = np.argmax(enc.windows(m) @ table.T, axis=1)
                e = res.setdefault(lab, {}).setdefault(s, [0, 0])
                e[0] += int(np.sum(pr == k)); e[1] += len(pr)
for lab, r in res.items():
    def grp(f):
        v = [x for s, x in r.items() if f(s)]
        return 100 * sum(a for a, _ in v) / sum(b for _, b in v)
    print(f"{lab:15s} real-speaker styles {grp(lambda s: s not in PRESETS):5.1f}%  procedural styles "
          f"{grp(lambda s: s in PRESETS):5.1f}% | " + " ".join(f"{s} {100 * v[0] / v[1]:.0f}" for s, v in sorted(r.items())))
