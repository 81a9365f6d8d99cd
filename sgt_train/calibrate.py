"""Calibrates a trained checkpoint to its own training speakers, without retraining the network.

First the run-time head settings come from the recipe: its ``head_motion`` table, and each style's
remainder std recomputed from the real and network stds the checkpoint recorded, with the recipe's
``remainder_scale`` (see :func:`sgt_train.train.remainder_std`). So a checkpoint trained with an
older recipe renders as a new one would.

Then each style's pose offset: where its source (its real training speakers, or the procedural
preset it is named after) holds the head and the eyes on average, minus where the rendered model
holds them for that style, over the checkpoint's training audio. The network regresses towards a
shared posture; the offset gives each style its source's head orientation and gaze direction
(gaze only from clips whose gaze is trusted).

The saccade head is trained on per-frame onset labels; the renderer then draws onsets with a
refractory time and the evaluation detects saccades as the eye tracker would, so the rendered rate
ends up below the real one (about half, on the corpus). This shifts the output bias of the saccade
hazard logit by ``log(real rate / rendered rate)`` (the hazard is small, so its rate scales with
``exp(bias)``; the refractory time makes it respond more weakly, so later rounds divide by the
response measured between rounds), repeated until the two agree within ``--tolerance``. Both rates come from the
checkpoint's training speakers only (tracks whose gaze is trusted), never from its held-out ones.

    python -m sgt_train.calibrate checkpoints/default checkpoints/fold0 ... [--recipe default]
"""
import argparse
import json
import math
import pathlib

import numpy as np

from sgt_lite.evaluation import eyes as E
from sgt_lite.events.head_motion import HeadMotionConfig
from sgt_lite.evaluation.summary import gaze_trusted
from sgt_lite.generators.model import ModelGenerator
from sgt_lite.model.checkpoint import Checkpoint
from sgt_lite.model.outputs import OutputLayout
from sgt_lite.motion.dataset import default_audio_root, load_tracks

from .train import load_recipe, remainder_std

BIAS = "generator.out.bias"
MAX_STEP = 3.0     # largest bias change per round (also the step when nothing was rendered)


def saccade_rate(tracks) -> float:
    """Detected saccades per minute over tracks (the evaluation's detector)."""
    n = sum(len(E.detect_saccades(E.gaze_of(t), t.fps)) for t in tracks)
    minutes = sum(t.duration for t in tracks) / 60.0
    return n / minutes if minutes > 0 else float("nan")


def training_tracks(ck: Checkpoint, fps: float):
    held = set(ck.training.get("heldout_speakers", []))
    return [t.resampled(fps) for t in load_tracks(audio_root=str(default_audio_root()))
            if t.speaker not in held and gaze_trusted(t)]


def rendered_rate(ck: Checkpoint, tracks, seed=0) -> float:
    gen = ModelGenerator(ck)
    return saccade_rate([gen.generate(t.load_audio(), 16000, seed=seed).resampled(t.fps) for t in tracks])


def apply_recipe(ck: Checkpoint, recipe: dict):
    """The recipe's run-time head settings into the checkpoint (in memory)."""
    HeadMotionConfig.from_dict(recipe.get("head_motion", {}), "recipe")
    ck.model["head_motion"] = dict(recipe.get("head_motion", {}))
    scale = recipe.get("remainder_scale", [1.0, 1.0, 1.0])
    for entry in ck.styles.values():
        head = entry.get("head")
        if head and "real_std" in head and "network_std" in head:
            head["residual_std"] = remainder_std(head["real_std"], head["network_std"], scale).round(4).tolist()
    for key in ("head_motion", "remainder_scale"):
        if key in recipe:
            ck.training.setdefault("recipe", {})[key] = recipe[key]


MAX_OFFSET = 20.0


def _mean(parts, cols):
    rows = [p[:, cols] for p in parts if len(p)]
    return np.concatenate(rows).mean(0) if rows else None


def source_poses(ck: Checkpoint, tracks, fps: float) -> dict:
    """{style: (head mean (3,), gaze mean (2,) or None)} of each style's source on the training side."""
    from sgt_lite.generators import PRESETS, ProceduralGenerator

    recipe = ck.training.get("recipe", {})
    groups = recipe.get("real_styles", {})
    held = set(ck.training.get("heldout_speakers", []))
    head, gaze = {}, {}
    for t in load_tracks(audio_root=str(default_audio_root())):
        if t.speaker in held:
            continue
        t = t.resampled(fps)
        name = groups.get(t.speaker, t.speaker)
        head.setdefault(name, []).append(t.motion[t.valid[:, :3].all(1), :3])
        if gaze_trusted(t):
            gaze.setdefault(name, []).append(t.motion[t.valid[:, 3:5].all(1), 3:5])
    gen = ProceduralGenerator(fps=fps)
    for k, t in enumerate(tracks[::3]):
        audio = t.load_audio()
        for style in PRESETS:
            m = gen.generate(audio, 16000, seed=1000 * k + list(PRESETS).index(style), style=style).motion
            head.setdefault(style, []).append(m[:, :3])
            gaze.setdefault(style, []).append(m[:, 3:5])
    return {name: (_mean(head[name], slice(0, 3)), _mean(gaze.get(name, []), slice(0, 2))) for name in head}


def pose_offsets(ck: Checkpoint, tracks, fps: float) -> dict:
    """{style: [5 offsets]} for the trained styles whose source is known (see the module docstring)."""
    sources = source_poses(ck, tracks, fps)
    for entry in ck.styles.values():
        entry.pop("pose_offset", None)
    gen = ModelGenerator(ck)
    audios = [t.load_audio() for t in tracks[::2]]
    out = {}
    for name, entry in ck.styles.items():
        if "head" not in entry or name not in sources:
            continue
        motion = [gen.generate(a, 16000, seed=7, style=name).motion for a in audios]
        src_head, src_gaze = sources[name]
        off = np.zeros(5)
        off[:3] = src_head - _mean(motion, slice(0, 3))
        if src_gaze is not None:
            off[3:] = src_gaze - _mean(motion, slice(3, 5))
        out[name] = np.clip(off, -MAX_OFFSET, MAX_OFFSET).round(3).tolist()
    return out


def calibrate(ck_dir, recipe=None, rounds=6, tolerance=0.05, log=print, offsets=True) -> dict:
    ck = Checkpoint.load(ck_dir)
    if recipe is not None:
        apply_recipe(ck, recipe)
    if offsets:
        for name, off in pose_offsets(ck, training_tracks(ck, float(ck.model["fps"])), float(ck.model["fps"])).items():
            ck.styles[name]["pose_offset"] = off
            log(f"{ck_dir}: {name}: pose offset {off}")
    fps = float(ck.model["fps"])
    tracks = training_tracks(ck, fps)
    if not tracks:
        raise SystemExit(f"{ck_dir}: no training speaker with trusted gaze to calibrate against")
    real = saccade_rate(tracks)
    index = OutputLayout(len(ck.model["outputs"]) - 8).saccade
    start = float(ck.weights[BIAS][index])
    response, last = 1.0, None
    for r in range(rounds):
        gen = rendered_rate(ck, tracks)
        bias = float(ck.weights[BIAS][index])
        log(f"{ck_dir}: round {r + 1}: rendered {gen:.1f} saccades/min, real {real:.1f} "
            f"({len(tracks)} training clips)")
        if gen > 0 and abs(math.log(real / gen)) <= tolerance:
            break
        if gen > 0 and last is not None and last[1] > 0 and abs(bias - last[0]) > 1e-6:
            response = min(max(math.log(gen / last[1]) / (bias - last[0]), 0.2), 1.5)
        last = (bias, gen)
        step = math.log(real / gen) / response if gen > 0 else MAX_STEP
        ck.weights[BIAS][index] = np.float32(bias + min(max(step, -MAX_STEP), MAX_STEP))
    shift = float(ck.weights[BIAS][index]) - start
    record = ck.training.setdefault("calibration", {})
    record["saccade_bias_shift"] = round(record.get("saccade_bias_shift", 0.0) + shift, 4)     # over all runs
    ck.training["calibration"]["saccades_per_min_real"] = round(real, 2)
    ck.save(ck_dir)
    return {"real": real, "shift": shift}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--recipe", default="default", help="recipe whose head_motion and remainder_scale to apply "
                    "(a name in sgt_train/recipes or a path; 'none' keeps the checkpoint's)")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--tolerance", type=float, default=0.05, help="stop when |log(real / rendered)| is below this")
    args = ap.parse_args(argv)
    recipe = None if args.recipe == "none" else load_recipe(args.recipe)
    for path in args.checkpoints:
        out = calibrate(path, recipe, args.rounds, args.tolerance)
        print(json.dumps({"checkpoint": str(pathlib.Path(path)), **{k: round(v, 4) for k, v in out.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
