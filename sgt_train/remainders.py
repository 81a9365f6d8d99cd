"""Refits the AR(2) spectrum of each style's head remainder in existing checkpoints, from the
same training motion ``sgt_train`` fits it on (the styles' real speakers and procedural presets),
without retraining the network. The remainder's std (which depends on the network) is kept.

    python -m sgt_train.remainders checkpoints/default checkpoints/fold0 ...
"""
import argparse
import json
import pathlib

import numpy as np

from sgt_lite.generators import PRESETS, ProceduralGenerator
from sgt_lite.motion.dataset import default_audio_root, load_tracks

from . import data as D
from .train import fit_ar2_many


def class_head_motion(recipe, held) -> dict:
    """{style class: [(T, 3) head motion]} as training sees it (original audio variants only)."""
    fps = recipe["fps"]
    styles = recipe.get("real_styles", {})
    train = [t for t in load_tracks(audio_root=str(default_audio_root())) if t.speaker not in held]
    out = {}
    for t in train:
        out.setdefault(styles.get(t.speaker, t.speaker), []).append(t.resampled(fps).motion[:, :3])
    shared = str(default_audio_root())
    audios = [t.load_audio() for t in train[:: max(1, recipe.get("procedural_audio_stride", 1))]]
    audios += [D.read_wav(D._resolve(p, shared), 16000)[0] for p in recipe["extra_audio"]]
    gen = ProceduralGenerator(fps=fps)
    for k, a in enumerate(audios):
        for style in PRESETS:
            tr = gen.generate(a, 16000, seed=1000 * k + list(PRESETS).index(style), style=style)
            out.setdefault(style, []).append(tr.motion[:, :3])
    return out


def refit(ck_dir) -> dict:
    path = pathlib.Path(ck_dir) / "config.json"
    cfg = json.loads(path.read_text())
    recipe = cfg["training"]["recipe"]
    motion = class_head_motion(recipe, cfg["training"].get("heldout_speakers", []))
    changed = {}
    for name, entry in cfg["styles"].items():
        parts = motion[name]
        ar = [[round(a, 5) for a in fit_ar2_many([p[:, k] for p in parts])] for k in range(3)]
        changed[name] = (entry["head"]["residual_ar"], ar)
        entry["head"]["residual_ar"] = ar
    path.write_text(json.dumps(cfg, indent=1))
    return changed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoints", nargs="+")
    args = ap.parse_args(argv)
    for ck in args.checkpoints:
        for name, (old, new) in refit(ck).items():
            print(f"{ck} {name}: {old} -> {new}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
