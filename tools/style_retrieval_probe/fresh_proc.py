"""Memorisation check for the swap results: for the procedural-preset styles, the preset rendered FRESH on the
held-out audio (seed never used in training) - retrieval per style of (model render), (preset render), and
(model render with the preset's head swapped in). Retrieval over the fold's full style table.

    PYTHONPATH=tools/style_retrieval_probe python tools/style_retrieval_probe/fresh_proc.py > tools/style_retrieval_probe/results/fresh_proc.txt
"""
import numpy as np

import analyze as A
from sgt_lite.evaluation.report import load_clips
from sgt_lite.generators import PRESETS, ProceduralGenerator
from sgt_lite.motion.dataset import load_tracks

tracks = load_tracks()
gen = ProceduralGenerator(fps=25.0)
res = {}
for d in A.FOLDS:
    enc, codes = A.ENC[d["fold"]]
    names = d["styles"]
    table = np.stack([codes[n] for n in names])
    for i, h in d["held"].items():
        audio = tracks[i].load_audio()
        for s in names:
            if s not in PRESETS:
                continue
            k = names.index(s)
            p = gen.generate(audio, 16000, seed=987654 + i, style=s).motion
            m = h["styles"][s]
            n = min(len(p), len(m))
            sw = m[:n].copy()
            sw[:, :3] = p[:n, :3]
            sg = m[:n].copy()
            sg[:, 3:5] = p[:n, 3:5]
            for lab, x in (("model", m), ("preset", p), ("model+preset head", sw), ("model+preset gaze", sg)):
                pr = np.argmax(enc.windows(x) @ table.T, axis=1)
                e = res.setdefault(lab, {}).setdefault(s, [0, 0])
                e[0] += int(np.sum(pr == k)); e[1] += len(pr)
for lab, r in res.items():
    H = sum(v[0] for v in r.values()); T = sum(v[1] for v in r.values())
    print(f"{lab:20s} {100 * H / T:5.1f}%  " + " ".join(f"{s} {100 * v[0] / v[1]:.0f}" for s, v in sorted(r.items())))
