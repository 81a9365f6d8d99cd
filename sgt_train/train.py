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
from sgt_lite.motion import CHANNELS

from . import data as D
from .losses import moment_loss, spectrum_loss
from .nets import Generator, StyleEncoder, supcon_loss

log = logging.getLogger("sgt_train")


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
    labels = sorted({s.label for s in seqs})
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recipe", default=str(pathlib.Path(__file__).with_name("recipes") / "default.json"))
    ap.add_argument("-o", "--output", required=True, help="checkpoint folder to write")
    ap.add_argument("--steps", type=int, help="override the recipe's generator steps")
    ap.add_argument("--encoder-steps", type=int, help="override the recipe's encoder steps")
    ap.add_argument("--seed", type=int, help="override the recipe's seed")
    ap.add_argument("--resume", action="store_true", help="continue from OUTPUT/train_state.pt")
    ap.add_argument("--device", default="auto", help="auto (cuda if present), cpu or cuda")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    recipe = json.loads(pathlib.Path(args.recipe).read_text())
    for key, val in (("steps", args.steps), ("encoder_steps", args.encoder_steps), ("seed", args.seed)):
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

    seqs, heldout = D.build(recipe, rng, say)
    norm = D.norm_stats(seqs)
    enc, labels, enc_acc = train_encoder(seqs, norm, recipe, device, rng, say)
    for p in enc.parameters():
        p.requires_grad_(False)

    fps, T = recipe["fps"], int(recipe["seq_s"] * recipe["fps"])
    feat_dim = seqs[0].feats.shape[1]
    gen = Generator(feat_dim, recipe["noise_dim"], recipe["style_dim"], recipe["hidden"], recipe["layers"],
                    len(D.PATTERNS)).to(device)
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
    mm, ms = (torch.tensor(norm[k], dtype=torch.float32, device=device) for k in ("motion_mean", "motion_std"))
    w = recipe["loss_weights"]
    enc_win = int(recipe["encoder_window_s"] * fps)
    history = []
    bar = _bar(range(start, recipe["steps"]), recipe["steps"] - start, "generator")
    for step in bar:
        batch = D.sample_batch(seqs, recipe["batch"], T, recipe["real_fraction"], rng)
        feats = (torch.tensor(np.array([b[0] for b in batch]), device=device) - fm) / fs
        motion = torch.tensor(np.array([b[1] for b in batch]), dtype=torch.float32, device=device)
        valid = torch.tensor(np.array([b[2] for b in batch]), device=device)
        pat = torch.tensor(np.array([D.pattern_labels(b[1], fps) for b in batch]), device=device)
        target = (motion - mm) / ms
        with torch.no_grad():
            style = enc(target[:, :enc_win])
        noise = torch.randn(feats.shape[0], T, recipe["noise_dim"], device=device)
        out_raw, _ = gen(feats, noise, style)
        ang, blink_logit, pat_logit = out_raw[..., :5], out_raw[..., 5], out_raw[..., 6:]
        vmask = valid[..., :5].float()
        l1 = (torch.abs(ang - target[..., :5]) * vmask).sum() / vmask.sum().clamp(min=1)
        bmask = valid[..., 5].float()
        blink = (F.binary_cross_entropy_with_logits(blink_logit, target[..., 5].clamp(0, 1), reduction="none")
                 * bmask).sum() / bmask.sum().clamp(min=1)
        gen_all = torch.cat([ang, torch.sigmoid(blink_logit)[..., None]], dim=2)
        moments = moment_loss(gen_all, target.clamp(max=1e3), win=50, tail_weight=w.get("tails", 1.0))
        spectrum = spectrum_loss(ang, target[..., :5])
        pattern = F.cross_entropy(pat_logit.reshape(-1, pat_logit.shape[-1]), pat.reshape(-1))
        style_l = (1 - (enc(gen_all[:, :enc_win]) * style).sum(1)).mean()
        loss = (w["l1"] * l1 + w["blink"] * blink + w["moments"] * moments + w["spectrum"] * spectrum
                + w["pattern"] * pattern + w["style"] * style_l)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gen.parameters(), 1.0)
        opt.step()
        sched.step()
        history.append([loss.item(), l1.item(), moments.item(), spectrum.item(), pattern.item(), style_l.item()])
        if step % 10 == 0:
            h = np.mean(history[-50:], axis=0)
            msg = dict(loss=f"{h[0]:.3f}", l1=f"{h[1]:.3f}", mom=f"{h[2]:.3f}", spec=f"{h[3]:.3f}",
                       pat=f"{h[4]:.3f}", sty=f"{h[5]:.3f}")
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
            style = enc(((torch.tensor(s.motion[None, :enc_win], dtype=torch.float32, device=device) - mm) / ms))
            noise = torch.randn(1, len(s.feats), recipe["noise_dim"], device=device)
            x = torch.tanh(gen.inp(torch.cat([f, noise, style[:, None].expand(-1, len(s.feats), -1)], 2)))
            for layer in range(recipe["layers"]):
                x, worst = _cell_trace(gen.lstm, layer, x)
                cmax = max(cmax, worst)
    codes = _style_table(enc, seqs, norm, labels, recipe, device)
    weights = {f"generator.{k}": v.detach().cpu().numpy() for k, v in gen.state_dict().items()}
    weights.update({f"encoder.{k}": v.detach().cpu().numpy() for k, v in enc.state_dict().items()})
    frontend = FrontendConfig()
    ck = Checkpoint(
        path=str(out), frontend=frontend,
        model={"fps": fps, "stack": recipe["stack"], "feature_dim": feat_dim, "noise_dim": recipe["noise_dim"],
               "style_dim": recipe["style_dim"], "hidden": recipe["hidden"], "layers": recipe["layers"],
               "outputs": list(CHANNELS), "pattern_classes": list(D.PATTERNS),
               "latency_s": (frontend.win_length + (recipe["stack"] - 1) * frontend.hop_length) / frontend.sample_rate,
               "cell_clip": float(max(3.0, 1.5 * cmax))},
        norm=norm, styles=codes, encoder={"window": enc_win, "retrieval_heldout_windows": enc_acc},
        training={"recipe": recipe, "steps": recipe["steps"], "seed": recipe["seed"],
                  "heldout_speakers": recipe["heldout_speakers"], "torch": torch.__version__,
                  "python": platform.python_version(), "minutes": round((time.time() - t0) / 60, 1),
                  "final_losses": dict(zip(["loss", "l1", "moments", "spectrum", "pattern", "style"],
                                           np.mean(history[-100:], axis=0).round(4).tolist())) if history else {}},
        weights=weights)
    ck.save(out)
    with open(out / "losses.csv", "w") as f:
        f.write("step,loss,l1,moments,spectrum,pattern,style\n")
        for i, row in enumerate(history):
            f.write(f"{start + i}," + ",".join(f"{v:.5f}" for v in row) + "\n")
    say(f"wrote {out}/config.json and weights.npz in {(time.time() - t0) / 60:.1f} min "
        f"(cell clip {ck.model['cell_clip']:.2f}, {len(codes)} styles)")
    return 0


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


def _style_table(enc, seqs, norm, labels, recipe, device):
    """Named style codes: the mean encoder code over each class's windows, with provenance."""
    win = int(recipe["encoder_window_s"] * recipe["fps"])
    names = dict(recipe.get("real_styles", {}))
    table = {}
    with torch.no_grad():
        for label in labels:
            ws = []
            for s in seqs:
                if s.label == label:
                    for a in range(0, len(s.motion) - win + 1, win // 2):
                        ws.append(_norm_motion(s.motion[a:a + win], norm))
            codes = enc(torch.tensor(np.array(ws), dtype=torch.float32, device=device))
            code = F.normalize(codes.mean(0), dim=0).cpu().numpy()
            real = any(s.real for s in seqs if s.label == label)
            name = names.get(label, label)
            source = (f"real speaker '{label}' in the StyleTalk sample clips ({len(ws)} windows, 3DMM head + "
                      "video gaze)" if real else f"procedural generator preset '{label}' ({len(ws)} windows)")
            table[name] = {"code": code.round(6).tolist(), "source": source}
    return table
