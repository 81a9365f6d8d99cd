"""Aligns a checkpoint's style encoder with the styles its generator renders; the generator and the
style codes stay as they are.

The encoder is trained on real windows only (``train.train_encoder``), and each style's code, the
generator's conditioning, is the mean of its source's codes. The rendered motion of a style is
built from more than the network (events drawn from hazards, a seeded head remainder, a pose
offset), so an encoder that never saw rendered motion maps it near the wrong code (about half the
4 s windows on held-out speakers). This fine-tunes the encoder so that the windows the full
pipeline renders for each style, on the checkpoint's training audio (also augmented) with their
own seeds, land nearest to that style's fixed code: cross-entropy over ``code · table /
temperature``. ``real_keep`` holds the codes of the real source windows where the trained encoder
put them (cosine), so codes taken from real clips (``sgt-lite style add``) keep their meaning;
``real_share`` instead adds real windows to the cross-entropy. The log reports retrieval on the
renders of clips left out of the fit (``validation_every``) and on the last quarter of every real
source track (not in the fit), before and after.

    python -m sgt_train.align checkpoints/fold0 ... [--recipe default]

``calibrate`` runs this last when the recipe has an ``encoder_alignment`` table (the renders depend
on the pose offsets and hazard shifts it has just set). The default recipe has none: this is an
opt-in tool, not part of the shipped model. On the five fold checkpoints (try v2g in
docs/model.md) it raised the eval's style retrieval from 52.5% to 90.2% pooled (89.3% with
alignment seed 1) without changing any motion, and real held-out windows were retrieved 3 points
worse on average: the number moved because the ruler was fitted to the renders.
"""
import argparse
import logging

import numpy as np

from sgt_lite.errors import DataFormatError
from sgt_lite.model.checkpoint import Checkpoint
from sgt_lite.motion.dataset import default_audio_root, load_tracks

log = logging.getLogger(__name__)

# the settings of try v2g (docs/model.md)
DEFAULTS = {"steps": 6000, "lr": 1e-3, "batch": 96, "real_share": 0.0, "temperature": 0.1, "hop_s": 0.5,
            "seeds": 4, "augmented_copies": 1, "real_keep": 1.0, "keep_batch": 32,
            "speed_copies": 0, "speed_range": [0.85, 1.15], "extra_audio": [], "seed": 0, "validation_every": 0}


def speed_changed(audio, factor):
    """The audio played ``factor`` times faster (pitch and tempo together): a voice the renders have not heard."""
    from sgt_lite.audio.resample import resample

    return resample(np.asarray(audio, np.float32), int(round(16000 * factor)), 16000)


def extra_audio(paths) -> list:
    """Speech with no motion (other voices) to render on: paths, ``SHARED:`` for the shared data folder."""
    from sgt_lite.audio import read_wav

    from .data import _resolve

    return [read_wav(_resolve(p, str(default_audio_root())), 16000)[0] for p in paths]


def _windows(motion, win, hop):
    n = len(motion)
    return [motion[a:a + win] for a in range(0, n - win + 1, hop)]


def rendered_windows(ck, audios, names, win, hop, seeds, seed0):
    """{style: [(win, 6) windows]} the checkpoint's full pipeline renders for each style on ``audios``."""
    from sgt_lite.generators.model import ModelGenerator

    gen = ModelGenerator(ck)
    out = {n: [] for n in names}
    for k, audio in enumerate(audios):
        for n_i, name in enumerate(names):
            for s in range(seeds):
                m = gen.generate(audio, 16000, seed=seed0 + 7919 * k + 101 * s + n_i, style=name).motion
                out[name] += _windows(np.nan_to_num(m), win, hop)
    return out


def real_windows(sources, names, win, hop, part):
    """{style: [windows]} of each style's source motion (real speakers or its procedural preset):
    ``part`` "fit" takes the first 75% of every track, "test" the rest (at least one window)."""
    out = {}
    for n in names:
        out[n] = []
        for t in sources.get(n, []):
            m = np.nan_to_num(t.motion)
            cut = min(int(0.75 * len(m)), len(m) - win)
            out[n] += _windows(m[:cut], win, hop) if part == "fit" else _windows(m[max(cut, 0):], win, hop)
    return out


def retrieval(enc, windows, table, norm):
    """% of windows whose nearest code in ``table`` is their own style's (rows of ``table`` follow ``windows``)."""
    import torch

    if not any(len(ws) for ws in windows.values()):
        return None
    hits = total = 0
    with torch.no_grad():
        for i, ws in enumerate(windows.values()):
            if not ws:
                continue
            x = torch.tensor((np.array(ws) - norm["motion_mean"]) / norm["motion_std"], dtype=torch.float32)
            pred = (enc(x) @ table.T).argmax(1).numpy()
            hits += int((pred == i).sum())
            total += len(ws)
    return 100.0 * hits / max(total, 1)


def _r2(v):
    return None if v is None else round(v, 2)


def _pc(v):
    return "-" if v is None else f"{v:.1f}%"


def encoder_of(ck):
    import torch

    from .nets import StyleEncoder

    w = {k[len("encoder."):]: torch.tensor(v) for k, v in ck.weights.items() if k.startswith("encoder.")}
    enc = StyleEncoder(int(ck.model["style_dim"]), width=int(w["conv.0.weight"].shape[0]))
    enc.load_state_dict(w)
    return enc


def align_encoder(ck: Checkpoint, tracks, sources: dict, cfg=None, log=log.info) -> dict:
    """Fine-tunes ``ck``'s ``encoder.*`` weights in memory (see the module docstring); returns the figures
    it also records under ``ck.encoder["alignment"]``. ``tracks``: the checkpoint's training tracks
    (their audio is rendered); ``sources``: {style: source tracks} (``calibrate.source_tracks``)."""
    import torch
    import torch.nn.functional as F

    cfg = dict(DEFAULTS, **(cfg or {}))
    if not tracks:
        raise DataFormatError("no training audio to render the styles on; check the corpus (data/tracks)")
    torch.manual_seed(int(cfg["seed"]))
    rng = np.random.default_rng(int(cfg["seed"]))
    fps = float(ck.model["fps"])
    win = int(ck.encoder["window"])
    hop = max(1, int(round(cfg["hop_s"] * fps)))
    names = list(ck.styles)
    table = torch.tensor(np.array([ck.styles[n]["code"] for n in names]), dtype=torch.float32)
    every = int(cfg["validation_every"])      # 0: render every clip for the fit, report no rendered figure
    fit_clips = [t for i, t in enumerate(tracks) if every <= 0 or i % every != every - 1]
    val_clips = [t for i, t in enumerate(tracks) if every > 0 and i % every == every - 1]
    from .data import augment

    fit_audio = [t.load_audio() for t in fit_clips]
    fit_audio += [augment(a, rng) for a in fit_audio for _ in range(int(cfg["augmented_copies"]))]
    fit_audio += [speed_changed(a, rng.uniform(*cfg["speed_range"])) for a in fit_audio[:len(fit_clips)]
                  for _ in range(int(cfg["speed_copies"]))]
    fit_audio += extra_audio(cfg["extra_audio"])
    fit = rendered_windows(ck, fit_audio, names, win, hop, int(cfg["seeds"]), 50_000)
    val = rendered_windows(ck, [t.load_audio() for t in val_clips], names, win, win // 2, 1, 90_000)
    real = real_windows(sources, names, win, hop, "fit")
    real_test = real_windows(sources, names, win, win // 2, "test")
    norm = ck.norm
    enc = encoder_of(ck)
    enc.eval()
    before = {"rendered": retrieval(enc, val, table, norm), "real": retrieval(enc, real_test, table, norm)}

    def pool(by_style):
        xs = [w for ws in by_style.values() for w in ws]
        ys = [i for i, ws in enumerate(by_style.values()) for _ in ws]
        x = (np.array(xs, np.float32) - norm["motion_mean"]) / norm["motion_std"]
        return torch.tensor(x, dtype=torch.float32), torch.tensor(ys)

    Xg, Yg = pool(fit)
    Xr, Yr = pool({n: real[n] for n in names})
    n_real = int(round(cfg["batch"] * cfg["real_share"])) if len(Xr) else 0
    n_gen = int(cfg["batch"]) - n_real
    keep = float(cfg["real_keep"])
    if keep > 0:                # the real windows' codes stay where the trained encoder put them
        ref = encoder_of(ck).eval()
        with torch.no_grad():
            Cr = ref(Xr)
    opt = torch.optim.Adam(enc.parameters(), lr=float(cfg["lr"]))
    enc.train()
    losses = []
    for step in range(int(cfg["steps"])):
        ig = rng.integers(len(Xg), size=n_gen)
        x, y = Xg[ig], Yg[ig]
        if n_real:
            ir = rng.integers(len(Xr), size=n_real)
            x, y = torch.cat([x, Xr[ir]]), torch.cat([y, Yr[ir]])
        loss = F.cross_entropy(enc(x) @ table.T / float(cfg["temperature"]), y)
        if keep > 0:
            ik = rng.integers(len(Xr), size=int(cfg["keep_batch"]))
            loss = loss + keep * (1.0 - (enc(Xr[ik]) * Cr[ik]).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % 100 == 0:
            log(f"  encoder alignment step {step}: loss {np.mean(losses[-100:]):.3f}")
    enc.eval()
    after = {"rendered": retrieval(enc, val, table, norm), "real": retrieval(enc, real_test, table, norm)}
    for k, v in enc.state_dict().items():
        ck.weights[f"encoder.{k}"] = v.detach().numpy().astype(np.float32)
    record = {"steps": int(cfg["steps"]), "rendered_windows": int(len(Xg)), "real_windows": int(len(Xr)),
              "rendered_retrieval_before": _r2(before["rendered"]), "rendered_retrieval_after": _r2(after["rendered"]),
              "real_retrieval_before": _r2(before["real"]), "real_retrieval_after": _r2(after["real"]), "config": cfg}
    ck.encoder["alignment"] = record
    log(f"  encoder alignment: rendered windows of unused training clips {_pc(before['rendered'])} -> "
        f"{_pc(after['rendered'])} nearest their own code; real windows (the last quarter of every source "
        f"track) {_pc(before['real'])} -> {_pc(after['real'])}")
    return record


def training_audio(ck: Checkpoint, fps: float) -> list:
    """The checkpoint's training speakers' tracks (all of them: their audio is what gets rendered)."""
    held = set(ck.training.get("heldout_speakers", []))
    return [t.resampled(fps) for t in load_tracks(audio_root=str(default_audio_root())) if t.speaker not in held]


def align(ck_dir, recipe=None, log=log.info) -> dict:
    """Loads, aligns (the recipe's ``encoder_alignment`` over :data:`DEFAULTS`) and saves a checkpoint."""
    from .calibrate import source_tracks

    ck = Checkpoint.load(ck_dir)
    cfg = (recipe or ck.training.get("recipe", {})).get("encoder_alignment", {})
    fps = float(ck.model["fps"])
    tracks = training_audio(ck, fps)
    res = align_encoder(ck, tracks, source_tracks(ck, tracks, fps), cfg, log)
    ck.training.setdefault("recipe", {})["encoder_alignment"] = cfg
    ck.save(ck_dir)
    return res


def main(argv=None):
    from .train import load_recipe

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--recipe", default="default", help="recipe whose encoder_alignment table to use "
                    "('none': the checkpoint's own recipe)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    recipe = None if args.recipe == "none" else load_recipe(args.recipe)
    for path in args.checkpoints:
        align(path, recipe)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
