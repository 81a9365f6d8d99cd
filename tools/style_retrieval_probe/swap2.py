"""Which part of the head carries the gap: source head swapped in with its mean moved to the render's,
or split at 4 s (slow posture vs faster movement) between source and render.

    PYTHONPATH=tools/style_retrieval_probe python tools/style_retrieval_probe/swap2.py > tools/style_retrieval_probe/results/swap2.txt
"""
import numpy as np

import analyze as A
from diagnose import score


def lp(x):
    return x - A._hp(x)


def run(label, fn):
    H = T = 0
    folds = []
    for d in A.FOLDS:
        C = A.centres(d)
        mot = {}
        for s in d["styles"]:
            src = np.concatenate([m for m, _, _ in d["source"][s]])
            ms, off = [], 0
            for h in d["held"].values():
                m = h["styles"][s].astype(np.float64).copy()
                n = len(m)
                sm = src[(off + np.arange(n)) % len(src)].astype(np.float64)
                off += n
                ms.append(fn(m, sm, C[s], src.mean(0)).astype(np.float32))
            mot[s] = ms
        h, t = score(d["fold"], mot)
        H += h; T += t
        folds.append(100 * h / t)
    print(f"  {label:58s} {100 * H / T:.1f}%  folds " + " ".join(f"{x:.1f}" for x in folds), flush=True)


def swap_head_mean(m, sm, c, smu):
    m[:, :3] = sm[:, :3] - smu[:3] + c[:3]
    return m


def src_lp_render_hp(m, sm, c, smu):
    for a in range(3):
        m[:, a] = A._hp(m[:, a]) + lp(sm[:, a])
    return m


def render_lp_src_hp(m, sm, c, smu):
    for a in range(3):
        m[:, a] = lp(m[:, a]) + A._hp(sm[:, a])
    return m


print("== head: mean pose vs slow posture (< 1/4 Hz) vs faster movement")
print("   style mean of source head minus rendered head, per fold (yaw/pitch/roll):")
for d in A.FOLDS:
    C = A.centres(d)
    print(f"   fold {d['fold']}: " + "; ".join(
        f"{s} " + "/".join(f"{x:+.1f}" for x in (np.concatenate([m for m, _, _ in d['source'][s]]).mean(0) - C[s])[:3])
        for s in d["styles"]))
run("source head, mean moved to the render's style mean", swap_head_mean)
run("render's head > 1/4 Hz + source's slow head (< 1/4 Hz, 4 s MA)", src_lp_render_hp)
run("render's slow head + source's head > 1/4 Hz", render_lp_src_hp)
