"""Training CLI: contrastive style encoder, then the LSTM generator; writes a checkpoint folder.

    python -m sgt_train --recipe sgt_train/recipes/default.json -o checkpoints/default [--resume]

Progress goes to stderr (a bar with live losses); use the GPU when one is present.
"""
import argparse
import json
import logging
import pathlib
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from sgt_lite.audio.frontend_config import FrontendConfig
from sgt_lite.model.checkpoint import Checkpoint
from sgt_lite.events.head_motion import HeadMotionConfig
from sgt_lite.model.outputs import OutputLayout

from . import data as D
from .nets import Generator, StyleEncoder, supcon_loss

log = logging.getLogger("sgt_train")
# At least this share of each style's head std comes from the seeded remainder: the network fits its
# training speakers' head motion closer than it will fit a new speaker's, so var(real) - var(network)
# measured on training data understates the remainder; this floor keeps two seeds visibly different.
MIN_REMAINDER = 0.7


def remainder_std(real_std, network_std, scale=(1.0, 1.0, 1.0)) -> np.ndarray:
    """A style's head remainder std per axis: ``scale * sqrt(max(var(real) - var(network),
    MIN_REMAINDER² var(real)))`` (``scale``: the recipe's ``remainder_scale``)."""
    var_r, var_n = np.square(np.asarray(real_std, np.float64)), np.square(np.asarray(network_std, np.float64))
    return np.asarray(scale, np.float64) * np.sqrt(np.maximum(var_r - var_n, (MIN_REMAINDER ** 2) * var_r))


def _bar(it, total, desc):
    try:
        from tqdm import tqdm

        return tqdm(it, total=total, desc=desc, file=sys.stderr, mininterval=2.0, dynamic_ncols=True)
    except ImportError:  # the [train] extra brings tqdm; degrade to plain lines
        return it


def _norm_motion(m, norm):
    return (m - norm["motion_mean"]) / norm["motion_std"]


def train_encoder(seqs, norm, recipe, device, rng, progress):
    win = int(recipe["encoder_window_s"] * recipe["fps"])
    labels = sorted({s.label for s in seqs if s.kind != "negative"})
    by_label = {l: [s for s in seqs if s.label == l] for l in labels}

    def windows(split, n_per_label):
        X, Y = [], []
        for li, l in enumerate(labels):
            for _ in range(n_per_label):
                s = by_label[l][rng.integers(len(by_label[l]))]
                n = len(s.motion)
                cut = min(int(0.75 * n), n - win)       # the last quarter (at least one window) is test
                lo, hi = (0, cut - win + 1) if split == "train" else (cut, n - win + 1)
                a = rng.integers(lo, max(lo + 1, hi))
                X.append(_norm_motion(s.motion[a:a + win], norm))
                Y.append(li)
        return torch.tensor(np.array(X), dtype=torch.float32, device=device), torch.tensor(Y, device=device)

    enc = StyleEncoder(recipe["style_dim"]).to(device)
    opt = torch.optim.Adam(enc.parameters(), lr=1e-3)
    bar = _bar(range(recipe["encoder_steps"]), recipe["encoder_steps"], "style encoder")
    for step in bar:
        X, Y = windows("train", 8)
        loss = supcon_loss(enc(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if hasattr(bar, "set_postfix") and step % 20 == 0:
            bar.set_postfix(supcon=f"{loss.item():.3f}")
    enc.eval()
    with torch.no_grad():
        Xtr, Ytr = windows("train", 40)
        Xte, Yte = windows("test", 40)
        ctr = torch.stack([F.normalize(enc(Xtr)[Ytr == i].mean(0), dim=0) for i in range(len(labels))])
        pred = (enc(Xte) @ ctr.T).argmax(1)
        acc = (pred == Yte).float().mean().item()
    progress(f"  style retrieval on held-out windows (last 25% of every sequence): {100 * acc:.1f}% "
             f"over {len(labels)} classes (chance {100 / len(labels):.1f}%)")
    return enc, labels, acc


RECIPES = pathlib.Path(__file__).with_name("recipes")


def load_recipe(name_or_path) -> dict:
    """A recipe by name (``default``, ``smoke``: sgt_train/recipes/NAME.json) or by path."""
    p = pathlib.Path(name_or_path)
    if not p.suffix and not p.exists():
        p = RECIPES / f"{name_or_path}.json"
    return json.loads(p.read_text())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recipe", default=str(RECIPES / "default.json"))
    ap.add_argument("-o", "--output", required=True, help="checkpoint folder to write")
    ap.add_argument("--steps", type=int, help="override the recipe's generator steps")
    ap.add_argument("--encoder-steps", type=int, help="override the recipe's encoder steps")
    ap.add_argument("--seed", type=int, help="override the recipe's seed")
    ap.add_argument("--heldout-fold", type=int, help="hold out fold K of the standard speaker folds "
                    "(sgt_lite.motion.dataset.speaker_folds) instead of the recipe's held-out speakers")
    ap.add_argument("--resume", action="store_true", help="continue from OUTPUT/train_state.pt")
    ap.add_argument("--device", default="auto", help="auto (cuda if present), cpu or cuda")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    recipe = load_recipe(args.recipe)
    for key, val in (("steps", args.steps), ("encoder_steps", args.encoder_steps), ("seed", args.seed),
                     ("heldout_fold", args.heldout_fold)):
        if val is not None:
            recipe[key] = val
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    torch.manual_seed(recipe["seed"])
    rng = np.random.default_rng(recipe["seed"])
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    say = log.info
    say(f"sgt_train: device {device}, torch {torch.__version__}, recipe {args.recipe}")

    seqs, heldout, held = D.build(recipe, rng, say)
    norm = D.norm_stats(seqs)
    enc, labels, enc_acc = train_encoder(seqs, norm, recipe, device, rng, say)
    for p in enc.parameters():
        p.requires_grad_(False)

    fps, T = recipe["fps"], int(recipe["seq_s"] * recipe["fps"])
    feat_dim = seqs[0].feats.shape[1]
    eyes = D.eye_config(recipe)
    layout = OutputLayout(eyes.grid.n_cells)
    gen = Generator(feat_dim, recipe["noise_dim"], recipe["style_dim"], recipe["hidden"], recipe["layers"],
                    layout.size).to(device)
    _init_event_biases(gen, seqs, layout, fps)
    opt = torch.optim.Adam(gen.parameters(), lr=recipe["lr"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, recipe["steps"], eta_min=recipe["lr"] * 0.05)
    start = 0
    state_path = out / "train_state.pt"
    if args.resume and state_path.exists():
        st = torch.load(state_path, map_location=device, weights_only=False)
        gen.load_state_dict(st["gen"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        start = st["step"]
        rng = np.random.default_rng(st["rng_seed"])
        say(f"  resumed at step {start}")
    fm, fs = (torch.tensor(norm[k], dtype=torch.float32, device=device) for k in ("feat_mean", "feat_std"))
    hm, hs = (torch.tensor(norm[k][:3], dtype=torch.float32, device=device) for k in ("motion_mean", "motion_std"))
    w = recipe["loss_weights"]
    enc_win = int(recipe["encoder_window_s"] * fps)
    codes_by_label = _class_codes(enc, seqs, norm, labels, recipe, device)
    fractions = {"real": recipe["real_fraction"], "negative": recipe.get("negative_fraction", 0.1)}
    history = []
    bar = _bar(range(start, recipe["steps"]), recipe["steps"] - start, "generator")
    for step in bar:
        b = _batch(D.sample_batch(seqs, recipe["batch"], T, fractions, rng), T, codes_by_label, labels, rng, device)
        feats = (b["feats"] - fm) / fs
        noise = torch.randn(feats.shape[0], T, recipe["noise_dim"], device=device)
        out_raw, _ = gen(feats, noise, b["style"])
        head = out_raw[..., layout.head]
        target = (b["head"] - hm) / hs
        hmask = b["head_valid"][..., None].float()
        head_l1 = (torch.abs(head - target) * hmask).sum() / (3 * hmask.sum()).clamp(min=1)
        vel = lambda x: x[:, 1:] - x[:, :-1]
        vmask = hmask[:, 1:] * hmask[:, :-1]
        head_vel = (torch.abs(vel(head) - vel(target)) * vmask).sum() / (3 * vmask.sum()).clamp(min=1)
        ew, bw = b["eye_weight"], b["blink_weight"]
        sacc = (F.binary_cross_entropy_with_logits(out_raw[..., layout.saccade], b["saccade"], reduction="none")
                * ew).sum() / ew.sum().clamp(min=1)
        blink = (F.binary_cross_entropy_with_logits(out_raw[..., layout.blink], b["blink"], reduction="none")
                 * bw).sum() / bw.sum().clamp(min=1)
        tmask = (b["target"] >= 0).float() * ew
        tgt = F.cross_entropy(out_raw[..., layout.target].reshape(-1, layout.n_cells), b["target"].clamp(min=0).reshape(-1),
                              reduction="none").reshape(tmask.shape)
        target_l = (tgt * tmask).sum() / tmask.sum().clamp(min=1)
        st = F.cross_entropy(out_raw[..., layout.state].reshape(-1, 3), b["state"].reshape(-1),
                             reduction="none").reshape(ew.shape)
        state_l = (st * ew).sum() / ew.sum().clamp(min=1)
        loss = (w["head"] * head_l1 + w["head_velocity"] * head_vel + w["saccade"] * sacc + w["blink"] * blink
                + w["target"] * target_l + w["state"] * state_l)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gen.parameters(), 1.0)
        opt.step()
        sched.step()
        history.append([loss.item(), head_l1.item(), head_vel.item(), sacc.item(), blink.item(), target_l.item(),
                        state_l.item()])
        if step % 10 == 0:
            h = np.mean(history[-50:], axis=0)
            msg = dict(loss=f"{h[0]:.3f}", head=f"{h[1]:.3f}", vel=f"{h[2]:.3f}", sacc=f"{h[3]:.3f}",
                       blink=f"{h[4]:.3f}", tgt=f"{h[5]:.3f}", state=f"{h[6]:.3f}")
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(**msg)
            elif step % 200 == 0:
                say(f"  step {step}: {msg}")
        if (step + 1) % 250 == 0 or step + 1 == recipe["steps"]:
            torch.save({"gen": gen.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                        "step": step + 1, "rng_seed": int(rng.integers(2 ** 31))}, state_path)

    # bound the LSTM cell state at 1.5x what training data produces (quantisation-drift guard)
    gen.eval()
    cmax = 0.0
    with torch.no_grad():
        for s in seqs[:: max(1, len(seqs) // 30)]:
            f = (torch.tensor(s.feats[None], device=device) - fm) / fs
            style = torch.tensor(codes_by_label.get(s.label, codes_by_label[labels[0]])[None], device=device)
            noise = torch.randn(1, len(s.feats), recipe["noise_dim"], device=device)
            x = torch.tanh(gen.inp(torch.cat([f, noise, style[:, None].expand(-1, len(s.feats), -1)], 2)))
            for layer in range(recipe["layers"]):
                x, worst = _cell_trace(gen.lstm, layer, x)
                cmax = max(cmax, worst)
    head_cfg = HeadMotionConfig(**recipe.get("head_motion", {}))
    codes = _style_table(enc, seqs, norm, labels, recipe, device, gen, codes_by_label, layout, head_cfg)
    weights = {f"generator.{k}": v.detach().cpu().numpy() for k, v in gen.state_dict().items()}
    weights.update({f"encoder.{k}": v.detach().cpu().numpy() for k, v in enc.state_dict().items()})
    frontend = FrontendConfig()
    names = ["loss", "head", "head_velocity", "saccade", "blink", "target", "state"]
    ck = Checkpoint(
        path=str(out), frontend=frontend,
        model={"fps": fps, "stack": recipe["stack"], "feature_dim": feat_dim, "noise_dim": recipe["noise_dim"],
               "style_dim": recipe["style_dim"], "hidden": recipe["hidden"], "layers": recipe["layers"],
               "outputs": layout.names(),
               "latency_s": (frontend.win_length + (recipe["stack"] - 1) * frontend.hop_length) / frontend.sample_rate,
               "cell_clip": float(max(3.0, 1.5 * cmax)), "eyes": eyes.to_dict(), "head_motion": head_cfg.to_dict()},
        norm=norm, styles=codes, encoder={"window": enc_win, "retrieval_heldout_windows": enc_acc},
        training={"recipe": recipe, "steps": recipe["steps"], "seed": recipe["seed"],
                  "heldout_speakers": held, "default_style": _default_style(recipe, codes, seqs),
                  "train_speakers": sorted({s.speaker for s in seqs if s.real}),
                  "torch": torch.__version__,
                  "python": platform.python_version(), "minutes": round((time.time() - t0) / 60, 1),
                  "final_losses": dict(zip(names, np.mean(history[-100:], axis=0).round(4).tolist())) if history else {}},
        weights=weights)
    ck.save(out)
    with open(out / "losses.csv", "w") as f:
        f.write("step," + ",".join(names) + "\n")
        for i, row in enumerate(history):
            f.write(f"{start + i}," + ",".join(f"{v:.5f}" for v in row) + "\n")
    say(f"wrote {out}/config.json and weights.npz in {(time.time() - t0) / 60:.1f} min "
        f"(cell clip {ck.model['cell_clip']:.2f}, {len(codes)} styles)")
    return 0


def _default_style(recipe, codes, seqs):
    """The recipe's default style if this run has it, else the real style with the most data."""
    if recipe.get("default_style") in codes:
        return recipe["default_style"]
    seconds = {}
    for s in seqs:
        if s.real and s.original:
            seconds[s.label] = seconds.get(s.label, 0) + len(s.motion)
    return max(seconds, key=seconds.get) if seconds else next(iter(codes))


def _init_event_biases(gen, seqs, layout, fps):
    """Start the hazard logits at the training data's event rates (faster, calmer training)."""
    from sgt_lite.events.labels import onset_logit

    w = np.concatenate([s.eye_weight for s in seqs])
    sac = np.concatenate([s.saccade for s in seqs])
    bl = np.concatenate([s.blink for s in seqs if s.kind != "negative"])
    minutes_eye = max(w.sum() / fps / 60, 1e-6)
    minutes = max(len(bl) / fps / 60, 1e-6)
    with torch.no_grad():
        gen.out.bias[layout.saccade] = onset_logit(float((sac * w).sum() / minutes_eye), fps)
        gen.out.bias[layout.blink] = onset_logit(float(bl.sum() / minutes), fps)


def _batch(items, T, codes_by_label, labels, rng, device):
    """Pads windows to T frames; masks mark the real frames. Negatives get a random style."""
    B = len(items)
    F_ = items[0][0].feats.shape[1]
    out = {"feats": np.zeros((B, T, F_), np.float32), "head": np.zeros((B, T, 3), np.float32),
           "head_valid": np.zeros((B, T), bool), "saccade": np.zeros((B, T), np.float32),
           "blink": np.zeros((B, T), np.float32), "target": np.full((B, T), -1, np.int64),
           "state": np.zeros((B, T), np.int64), "eye_weight": np.zeros((B, T), np.float32),
           "blink_weight": np.zeros((B, T), np.float32), "style": np.zeros((B, len(next(iter(codes_by_label.values())))), np.float32)}
    for i, (s, sl) in enumerate(items):
        n = len(s.feats[sl])
        out["feats"][i, :n] = s.feats[sl]
        out["head"][i, :n] = s.motion[sl, :3]
        out["head_valid"][i, :n] = s.valid[sl, :3].all(1)
        out["saccade"][i, :n] = s.saccade[sl]
        out["blink"][i, :n] = s.blink[sl]
        out["target"][i, :n] = s.target[sl]
        out["state"][i, :n] = s.state[sl]
        out["eye_weight"][i, :n] = s.eye_weight[sl]
        if s.kind != "negative":
            out["blink_weight"][i, :n] = s.valid[sl, 5]
        label = s.label if s.label in codes_by_label else labels[rng.integers(len(labels))]
        out["style"][i] = codes_by_label[label]
    res = {k: torch.tensor(v, device=device) for k, v in out.items()}
    res["feats"] = res["feats"].float()
    return res


def _class_codes(enc, seqs, norm, labels, recipe, device):
    """Each style class's code: the normalised mean encoder code over its windows."""
    win = int(recipe["encoder_window_s"] * recipe["fps"])
    out = {}
    with torch.no_grad():
        for label in labels:
            ws = [_norm_motion(s.motion[a:a + win], norm) for s in seqs if s.label == label
                  for a in range(0, len(s.motion) - win + 1, win // 2)]
            if not ws:
                ws = [_norm_motion(s.motion[:win], norm) for s in seqs if s.label == label]
                ws = [np.pad(w, ((0, win - len(w)), (0, 0)), mode="edge") for w in ws]
            codes = enc(torch.tensor(np.array(ws), dtype=torch.float32, device=device))
            out[label] = F.normalize(codes.mean(0), dim=0).cpu().numpy()
    return out


def _cell_trace(lstm, layer, x):
    """Runs one LSTM layer step by step; returns its outputs and the largest |c| reached."""
    H = lstm.hidden_size
    wi, wh = getattr(lstm, f"weight_ih_l{layer}"), getattr(lstm, f"weight_hh_l{layer}")
    b = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")
    h = torch.zeros(x.shape[0], H, device=x.device)
    c = torch.zeros_like(h)
    worst, outs = 0.0, []
    for t in range(x.shape[1]):
        g = x[:, t] @ wi.T + h @ wh.T + b
        i, f, gg, o = (torch.sigmoid(g[:, :H]), torch.sigmoid(g[:, H:2 * H]), torch.tanh(g[:, 2 * H:3 * H]),
                       torch.sigmoid(g[:, 3 * H:]))
        c = f * c + i * gg
        h = o * torch.tanh(c)
        worst = max(worst, c.abs().max().item())
        outs.append(h)
    return torch.stack(outs, 1), worst


def _style_table(enc, seqs, norm, labels, recipe, device, gen, codes_by_label, layout, head_cfg):
    """Named style codes with provenance, and each style's head-motion remainder: the variance of
    its real (or procedural) head motion that the network's speech-driven output does not carry
    (:func:`remainder_std`), with the real motion's AR(2)
    spectrum. Run time renders that remainder as a seeded process (sgt_lite.events.head_motion)."""
    from sgt_lite.events.head_motion import lowpass

    fps = recipe["fps"]
    fm, fs = (torch.tensor(norm[k], dtype=torch.float32, device=device) for k in ("feat_mean", "feat_std"))
    table = {}
    with torch.no_grad():
        for label in labels:
            own = [s for s in seqs if s.label == label and s.original]
            code = codes_by_label[label]
            real_parts, net_parts = [], []
            for s in own:
                f = (torch.tensor(s.feats[None], device=device) - fm) / fs
                noise = torch.randn(1, len(s.feats), recipe["noise_dim"], device=device)
                raw, _ = gen(f, noise, torch.tensor(code[None], device=device))
                net = raw[0, :, layout.head].cpu().numpy() * norm["motion_std"][:3] + norm["motion_mean"][:3]
                smooth = lowpass(net, head_cfg.smooth_hz, fps, start=norm["motion_mean"][:3])
                ok = s.valid[:, :3].all(1)
                real_parts.append(s.motion[ok, :3] - s.motion[ok, :3].mean(0))
                net_parts.append(smooth[ok] - smooth[ok].mean(0))
            real = np.concatenate(real_parts)
            netc = np.concatenate(net_parts)
            var_r, var_n = real.var(0), netc.var(0)
            resid = remainder_std(np.sqrt(var_r), np.sqrt(var_n), recipe.get("remainder_scale", (1.0, 1.0, 1.0)))
            ar = [fit_ar2_many([p[:, k] for p in real_parts]) for k in range(3)]
            speakers = sorted({s.speaker for s in own if s.real})
            n_s = sum(len(s.motion) for s in own) / fps
            source = (f"real speaker{'s' if len(speakers) > 1 else ''} {', '.join(speakers)} ({n_s:.0f} s of video: "
                      "head pose, gaze and blinks)" if speakers else f"procedural generator preset '{label}' ({n_s:.0f} s)")
            table[label] = {"code": code.round(6).tolist(), "source": source,
                           "head": {"residual_std": resid.round(4).tolist(),
                                    "residual_ar": [[round(a, 5) for a in p] for p in ar],
                                    "network_std": np.sqrt(var_n).round(4).tolist(),
                                    "real_std": np.sqrt(var_r).round(4).tolist()}}
    return table


def fit_ar2_many(parts):
    """AR(2) of several pieces of one process: pooled autocovariances (pieces are not joined)."""
    from sgt_lite.events.head_motion import fit_ar2_autocov

    r = np.zeros(3)
    for x in parts:
        x = np.asarray(x, np.float64) - np.mean(x)
        n = len(x)
        if n > 8:
            r += [np.dot(x[:n - k], x[k:]) for k in range(3)]
    return fit_ar2_autocov(r)
