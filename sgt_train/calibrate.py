"""Calibrates a trained checkpoint to its own training speakers, without retraining the network.

First the run-time head settings come from the recipe: its ``head_motion`` table, and each style's
remainder std recomputed from the real and network stds the checkpoint recorded, with the recipe's
``remainder_scale`` (see :func:`sgt_train.train.remainder_std`). So a checkpoint trained with an
older recipe renders as a new one would.

Then, per style, its pose offset and hazard shifts, and last, when the recipe has an
``encoder_alignment`` table, the style encoder's alignment with the rendered styles
(:mod:`sgt_train.align`). The pose offset: where its source (its real training speakers, or the procedural
preset it is named after) holds the head and the eyes on average, minus where the rendered model
holds them for that style, over the checkpoint's training audio. The network regresses towards a
shared posture; the offset gives each style its source's head orientation and gaze direction
(gaze only from clips whose gaze is trusted). The hazard shifts: per style, the saccade and blink
logit shifts that bring its rendered rates to its source's (sources with trusted gaze only), so
a "calm" style blinks and shifts its gaze like the calm preset, and a real speaker's style like
that speaker; the default style keeps the pooled training speakers' rates.

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
import logging
import math
import pathlib

import numpy as np

from sgt_lite.evaluation import eyes as E
from sgt_lite.evaluation import lids as L
from sgt_lite.events.head_motion import HeadMotionConfig
from sgt_lite.evaluation.summary import gaze_trusted
from sgt_lite.errors import DataFormatError
from sgt_lite.generators.model import ModelGenerator
from sgt_lite.model.checkpoint import Checkpoint
from sgt_lite.model.outputs import OutputLayout
from sgt_lite.motion.dataset import default_audio_root, load_tracks

from .train import load_recipe, remainder_std

log = logging.getLogger(__name__)
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


MAX_OFFSET = 10.0      # a larger mean turn is where the camera stood, not how the person moves
MAX_HAZARD_BIAS = 4.0


def _mean(parts, cols):
    rows = [p[:, cols] for p in parts if len(p)]
    return np.concatenate(rows).mean(0) if rows else None


def source_tracks(ck: Checkpoint, tracks, fps: float) -> dict:
    """{style: [tracks]} of each style's source on the training side: its real training speakers'
    tracks, or the procedural preset it is named after, rendered over the training audio."""
    from sgt_lite.generators import PRESETS, ProceduralGenerator

    groups = ck.training.get("recipe", {}).get("real_styles", {})
    held = set(ck.training.get("heldout_speakers", []))
    out = {}
    for t in load_tracks(audio_root=str(default_audio_root())):
        if t.speaker not in held:
            out.setdefault(groups.get(t.speaker, t.speaker), []).append(t.resampled(fps))
    gen = ProceduralGenerator(fps=fps)
    for k, t in enumerate(tracks[::3]):
        audio = t.load_audio()
        for style in PRESETS:
            out.setdefault(style, []).append(
                gen.generate(audio, 16000, seed=1000 * k + list(PRESETS).index(style), style=style))
    return out


def source_poses(sources: dict) -> dict:
    """{style: (head mean (3,), gaze mean (2,) or None)}: gaze only from tracks whose gaze is trusted."""
    out = {}
    for name, ts in sources.items():
        head = [t.motion[t.valid[:, :3].all(1), :3] for t in ts]
        gaze = [t.motion[t.valid[:, 3:5].all(1), 3:5] for t in ts if gaze_trusted(t)]
        out[name] = (_mean(head, slice(0, 3)), _mean(gaze, slice(0, 2)))
    return out


def blink_rate(tracks) -> float:
    """Detected blinks per minute over tracks (the evaluation's detector)."""
    n = sum(len(L.detect_blinks(t.blink, t.fps)) for t in tracks)
    minutes = sum(t.duration for t in tracks) / 60.0
    return n / minutes if minutes > 0 else float("nan")


def pose_offsets(ck: Checkpoint, tracks, sources: dict) -> dict:
    """{style: [5 offsets]} for the trained styles whose source is known (see the module docstring)."""
    sources = source_poses(sources)
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
        if src_head is None:
            continue
        off = np.zeros(5)
        off[:3] = src_head - _mean(motion, slice(0, 3))
        if src_gaze is not None:
            off[3:] = src_gaze - _mean(motion, slice(3, 5))
        out[name] = np.clip(off, -MAX_OFFSET, MAX_OFFSET).round(3).tolist()
    return out


def hazard_biases(ck: Checkpoint, tracks, sources: dict, rounds=4, tolerance=0.1, log=log.info) -> dict:
    """{style: [saccade shift, blink shift]}: per style, the hazard logit shifts that bring its
    rendered saccade and blink rates (over the training audio) to its source's. Sources without
    trusted gaze (whose saccades and blinks are tracker noise) keep a shift of 0, and so does the
    default style: it keeps the shared calibration, the pooled training speakers' rates."""
    targets = {}
    default = ck.training.get("default_style")
    for name, entry in ck.styles.items():
        trusted = [t for t in sources.get(name, []) if gaze_trusted(t)]
        if "head" in entry and trusted and name != default:
            targets[name] = (saccade_rate(trusted), blink_rate(trusted))
        entry.pop("hazard_bias", None)
    audios = [t.load_audio() for t in tracks[::2]]
    bias = {name: [0.0, 0.0] for name in targets}
    last = {}
    for r in range(rounds):
        for name, entry in ck.styles.items():
            if name in bias:
                entry["hazard_bias"] = list(bias[name])
        gen = ModelGenerator(ck)
        done = True
        for name, (want_s, want_b) in targets.items():
            out = [gen.generate(a, 16000, seed=11, style=name) for a in audios]
            got = (saccade_rate(out), blink_rate(out))
            log(f"  {name}: round {r + 1}: saccades {got[0]:.1f}/min (source {want_s:.1f}), "
                f"blinks {got[1]:.1f}/min (source {want_b:.1f})")
            for j, want in enumerate((want_s, want_b)):
                if not (want > 0 and got[j] > 0) or abs(math.log(want / got[j])) <= tolerance:
                    continue
                done = False
                response = 1.0
                prev = last.get((name, j))
                if prev is not None and abs(bias[name][j] - prev[0]) > 1e-6 and prev[1] > 0:
                    response = min(max(math.log(got[j] / prev[1]) / (bias[name][j] - prev[0]), 0.2), 1.5)
                last[(name, j)] = (bias[name][j], got[j])
                step = min(max(math.log(want / got[j]) / response, -MAX_STEP), MAX_STEP)
                bias[name][j] = min(max(bias[name][j] + step, -MAX_HAZARD_BIAS), MAX_HAZARD_BIAS)
        if done:
            break
    return {name: [round(v, 3) for v in b] for name, b in bias.items()}


def calibrate(ck_dir, recipe=None, rounds=6, tolerance=0.05, log=log.info, styles=True) -> dict:
    ck = Checkpoint.load(ck_dir)
    if recipe is not None:
        apply_recipe(ck, recipe)
    fps = float(ck.model["fps"])
    tracks = training_tracks(ck, fps)
    if not tracks:
        raise DataFormatError(f"{ck_dir}: no training speaker with trusted gaze to calibrate against; "
                              "check the corpus (data/tracks) and the checkpoint's held-out speakers")
    for entry in ck.styles.values():          # the shared bias first, measured without per-style shifts
        entry.pop("hazard_bias", None)
    real = saccade_rate(tracks)
    if not real > 0:
        raise DataFormatError(f"{ck_dir}: the training speakers' gaze shows no saccades; nothing to calibrate to")
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
    record["saccades_per_min_real"] = round(real, 2)
    if styles:          # rates first: the mean gaze depends a little on how often the eyes move
        sources = source_tracks(ck, tracks, fps)
        for name, hz in hazard_biases(ck, tracks, sources, log=log).items():
            ck.styles[name]["hazard_bias"] = hz
            log(f"{ck_dir}: {name}: hazard shifts (saccade, blink) {hz}")
        for name, off in pose_offsets(ck, tracks, sources).items():
            ck.styles[name]["pose_offset"] = off
            log(f"{ck_dir}: {name}: pose offset {off}")
        align_cfg = (recipe if recipe is not None else ck.training.get("recipe", {})).get("encoder_alignment")
        if align_cfg is not None:       # last: the renders it learns from depend on the shifts and offsets above
            from .align import align_encoder, training_audio

            audio_tracks = training_audio(ck, fps)
            align_encoder(ck, audio_tracks, source_tracks(ck, audio_tracks, fps), align_cfg, log)
            ck.training.setdefault("recipe", {})["encoder_alignment"] = align_cfg
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
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    recipe = None if args.recipe == "none" else load_recipe(args.recipe)
    for path in args.checkpoints:
        out = calibrate(path, recipe, args.rounds, args.tolerance)
        print(json.dumps({"checkpoint": str(pathlib.Path(path)), **{k: round(v, 4) for k, v in out.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
