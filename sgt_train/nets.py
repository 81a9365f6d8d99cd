"""The networks: a contrastive style encoder and the multi-layer LSTM generator."""
import torch
from torch import nn
import torch.nn.functional as F


class StyleEncoder(nn.Module):
    """(B, T, 6) normalised gaze-head window -> (B, style_dim) unit-length style code."""

    def __init__(self, style_dim=16, width=64):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(6, width, 5, padding=2), nn.ReLU(),
            nn.Conv1d(width, width, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv1d(width, width, 5, stride=2, padding=2), nn.ReLU())
        self.proj = nn.Linear(2 * width, style_dim)

    def forward(self, motion):
        h = self.conv(motion.transpose(1, 2))
        pooled = torch.cat([h.mean(2), h.std(2)], dim=1)
        return F.normalize(self.proj(pooled), dim=1)


class Generator(nn.Module):
    """Stacked audio features + noise + style code -> raw outputs (causal, one step per frame).

    The outputs per frame are laid out by :class:`sgt_lite.model.outputs.OutputLayout`: head
    angles, saccade and blink hazard logits, gaze-state logits and gaze-target cell logits.
    """

    def __init__(self, feat_dim, noise_dim, style_dim, hidden=128, layers=2, n_out=43):
        super().__init__()
        self.noise_dim = noise_dim
        self.inp = nn.Linear(feat_dim + noise_dim + style_dim, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, n_out)

    def forward(self, feats, noise, style, state=None):
        s = style[:, None, :].expand(-1, feats.shape[1], -1)
        z = torch.tanh(self.inp(torch.cat([feats, noise, s], dim=2)))
        h, state = self.lstm(z, state)
        return self.out(h), state


def supcon_loss(codes, labels, temperature=0.1):
    """Supervised contrastive loss (Khosla et al. 2020) on unit-length codes."""
    sim = codes @ codes.T / temperature
    n = codes.shape[0]
    eye = torch.eye(n, dtype=torch.bool, device=codes.device)
    sim = sim.masked_fill(eye, -1e9)
    pos = (labels[:, None] == labels[None, :]) & ~eye
    logp = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    per = -(logp * pos).sum(1) / pos.sum(1).clamp(min=1)
    return per[pos.any(1)].mean()
