"""The model against the "Done when" targets of issue #12, scope by scope (pooled, per fold,
speakers the model never saw): each target says what was measured, whether it is met and
by how much it is missed."""
import logging

import numpy as np

log = logging.getLogger(__name__)

REAL, MODEL = "real (held-out)", "model"
HEAD = ("head_yaw", "head_pitch", "head_roll")
NOISE_KINDS = ("white noise", "music", "room tone", "claps")


def _miss(v, lo=None, hi=None):
    """'' when met, else how far ``v`` lies outside [lo, hi]."""
    if v is None or not np.isfinite(v):
        return "not measured"
    if any(b is not None and not np.isfinite(b) for b in (lo, hi)):
        return "no reference"
    if lo is not None and v < lo:
        return f"{lo - v:.3g} below {lo:.3g}"
    if hi is not None and v > hi:
        return f"{v - hi:.3g} above {hi:.3g}"
    return ""


def _targets(rows):
    """[(target, model value, real value, miss text)] for one scope's rows."""
    m, real = rows.get(MODEL, {}), rows.get(REAL, {})
    nan = float("nan")

    def g(r, k):
        return r.get(k, nan)

    out = []

    def add(target, key, lo=None, hi=None, real_value=None):
        v = g(m, key)
        out.append((target, v, g(real, key) if real_value is None else real_value, _miss(v, lo, hi)))

    fd_key = "head Fréchet distance (2 s windows)"
    proc, sway = g(rows.get("procedural", {}), fd_key), g(rows.get("sway", {}), fd_key)
    add(f"head Fréchet distance < procedural ({proc:.3g})", fd_key, hi=proc if np.isfinite(proc) else None)
    add(f"head Fréchet distance ≤ 0.5 × sway ({0.5 * sway:.3g})", fd_key,
        hi=0.5 * sway if np.isfinite(sway) else None)
    for kind in ("amplitude", "velocity"):
        for axis in HEAD:
            add(f"{kind} ratio {axis} in 0.8–1.25", f"{kind} ratio {axis}", 0.8, 1.25)
    rc = g(real, "coupling")
    add("coupling within ±0.1 of real", "coupling", rc - 0.1, rc + 0.1)
    rs = g(real, "saccades per min")
    add("saccades per min 0.5–2 × real", "saccades per min", 0.5 * rs, 2.0 * rs)
    add("peak eye speed ≥ 250°/s", "peak eye speed (°/s)", lo=250.0)
    add("gaze path in saccades ≥ 25%", "gaze path in saccades (%)", lo=25.0)
    add("≥ 80% of blinks reach ≥ 0.9 closure", "blinks reaching ≥ 0.9 closure (%)", lo=80.0)
    add("blink rate 12–30 a minute in speech", "blinks per min in speech", 12.0, 30.0)
    add("blink rate 12–30 a minute in pauses", "blinks per min in pauses > 0.7 s", 12.0, 30.0)
    add("blink rate 12–30 a minute in digital silence", "blinks per min in digital silence", 12.0, 30.0)
    add("head speed pauses ÷ speech in 0.5–1.2", "head speed, pauses ÷ speech", 0.5, 1.2)
    for kind in NOISE_KINDS:
        add(f"head speed on {kind} ≤ 0.3 × speech", f"head speed on {kind} ÷ speech", hi=0.3)
    add("seed correlation ≤ 0.5", "seed correlation (head)", hi=0.5)
    add("same sentence twice: correlation ≤ 0.6", "repeat correlation (same 6 s twice)", hi=0.6)
    add("style retrieval ≥ 90% (model's own encoder)", "style retrieval, model's own encoder (%)", lo=90.0)
    return out


def check(scoped: dict) -> dict:
    """{scope: [{"target", "value", "met", "miss"}]} for every scope that has a model column."""
    out = {}
    for label, rows in scoped.items():
        if MODEL not in rows:
            continue
        out[label] = [{"target": t, "value": float(v), "real": float(r), "met": miss == "", "miss": miss}
                      for t, v, r, miss in _targets(rows)]
    return out


def markdown(checks: dict) -> str:
    """Target | model pooled | met | (speakers never seen) | folds met."""
    labels = list(checks)
    pooled = labels[0]
    unseen = next((lb for lb in labels if lb.startswith("speakers")), None)
    folds = [lb for lb in labels if lb.startswith("fold")]
    head = ["target", f"real, {pooled}", f"model, {pooled}", "met"]
    if unseen:
        head += ["model, speakers it never saw", "met"]
    head += ["folds met"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for k, row in enumerate(checks[pooled]):
        cells = [row["target"], _val(row, "real"), _val(row), _mark(row)]
        if unseen:
            cells += [_val(checks[unseen][k]), _mark(checks[unseen][k])]
        cells.append(f"{sum(checks[f][k]['met'] for f in folds)}/{len(folds)}")
        lines.append("| " + " | ".join(cells) + " |")
    n_met = sum(r["met"] for r in checks[pooled])
    lines.append("")
    lines.append(f"Pooled: {n_met} of {len(checks[pooled])} targets met.")
    return "\n".join(lines)


def _val(row, key="value"):
    v = row[key]
    return "–" if not np.isfinite(v) else f"{v:.3g}"


def _mark(row):
    return "yes" if row["met"] else f"**no** ({row['miss']})"


def misses(checks: dict, scope: str) -> list:
    """Markdown bullets for the targets missed in ``scope``: what, the value, and by how much."""
    return [f"- {r['target']}: {_val(r)} ({r['miss']})" for r in checks.get(scope, []) if not r["met"]]
