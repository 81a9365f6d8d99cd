"""Renders everything the gain experiment needs, once, into tools/style_retrieval_probe/out/fold{k}.pkl.

Per fold k (eval fold k <-> checkpoints/fold{k}, as `sgt-lite eval --checkpoint 'checkpoints/fold{fold}'`):
  held[i]      : {"real": (motion, fps, dur), "default": motion (seed 0, default style, trimmed as the eval),
                  "styles": {style: motion (seed 1, as Evaluation._run feeds _encoder_hits)}}
  train[style] : rendered motions of the style over ALL the checkpoint's training tracks' audio (seed 7)
  source[style]: list of (motion, valid, gaze_trusted) of the style's source (calibrate.source_tracks)
Only training-side data go into train/source; held-out clips only into held.
"""
import pathlib
import pickle
import sys
import time

import numpy as np

from sgt_lite.evaluation.report import EVAL_FPS, _trim, load_clips, make_folds
from sgt_lite.evaluation.summary import gaze_trusted
from sgt_lite.generators.model import ModelGenerator
from sgt_lite.model.checkpoint import Checkpoint
from sgt_lite.motion.dataset import default_audio_root, load_tracks
from sgt_train.calibrate import source_tracks, training_tracks

OUT = pathlib.Path(__file__).parent / "out"
OUT.mkdir(exist_ok=True)

tracks = load_tracks()
folds, _ = make_folds(tracks)
clips = load_clips(tracks)
index = {id(t): i for i, t in enumerate(tracks)}
folds_to_do = [int(a) for a in sys.argv[1:]] or range(len(folds))
for k in folds_to_do:
    held_names, train, test = folds[k]
    t0 = time.time()
    path = f"checkpoints/fold{k}"
    ck = Checkpoint.load(path)
    assert set(ck.training["heldout_speakers"]) == set(held_names), (k, held_names, ck.training["heldout_speakers"])
    gen = ModelGenerator(path)
    fps = float(ck.model["fps"])
    held = {}
    for t in test:
        i = index[id(t)]
        c = clips[i]
        d = {"speaker": c.speaker, "name": c.name, "real": (c.real.motion.copy(), c.real.valid.copy(), c.real.fps),
             "gaze_trusted": gaze_trusted(c.track),
             "default": _trim(gen.generate(c.audio, 16000, seed=0).resampled(EVAL_FPS), len(c.real)).motion,
             "styles": {s: gen.generate(c.audio, 16000, seed=1, style=s).motion for s in gen.styles}}
        held[i] = d
    # training side ------------------------------------------------------------
    held_set = set(ck.training["heldout_speakers"])
    train_tracks = [t.resampled(fps) for t in load_tracks(audio_root=str(default_audio_root()))
                    if t.speaker not in held_set]
    audios = [t.load_audio() for t in train_tracks]
    train_r = {s: [gen.generate(a, 16000, seed=7, style=s).motion for a in audios] for s in gen.styles}
    cal_tracks = training_tracks(ck, fps)       # what calibrate.source_tracks gets (procedural presets' audio)
    src = source_tracks(ck, cal_tracks, fps)
    source = {s: [(t.motion.copy(), t.valid.copy(), gaze_trusted(t)) for t in ts] for s, ts in src.items()}
    with open(OUT / f"fold{k}.pkl", "wb") as f:
        pickle.dump({"fold": k, "heldout": held_names, "default_style": ck.training.get("default_style"),
                     "styles": list(gen.styles), "fps": fps, "held": held, "train": train_r, "source": source,
                     "train_speakers": sorted({t.speaker for t in train_tracks})}, f)
    print(f"fold {k}: {len(held)} held-out clips, {len(audios)} training clips, "
          f"sources {sorted(source)}, {time.time() - t0:.1f} s", flush=True)
