"""Losses against regression to the mean: window moments and velocity spectra."""
import torch


def window_moments(x, win):
    """(B, T, C) -> per-window std of values and of velocities, (B, W, C) each."""
    B, T, C = x.shape
    w = x[:, : (T // win) * win].reshape(B, T // win, win, C)
    v = w[:, :, 1:] - w[:, :, :-1]
    return w.std(2), v.std(2)


def tail_moment(x, win):
    """Per-window (mean v^4)^(1/4) of velocities: large when motion comes in jumps (saccades)."""
    B, T, C = x.shape
    w = x[:, : (T // win) * win].reshape(B, T // win, win, C)
    v = w[:, :, 1:] - w[:, :, :-1]
    return (v ** 4).mean(2).clamp(min=1e-8) ** 0.25


def moment_loss(gen, real, win, tail_weight=1.0):
    gs, gv = window_moments(gen, win)
    rs, rv = window_moments(real, win)
    eps = 1e-2
    return ((torch.log(gs + eps) - torch.log(rs + eps)) ** 2).mean() + \
        ((torch.log(gv + eps) - torch.log(rv + eps)) ** 2).mean() + \
        tail_weight * ((torch.log(tail_moment(gen, win) + eps) - torch.log(tail_moment(real, win) + eps)) ** 2).mean()


def spectrum_loss(gen, real, bands=8):
    """Log power of velocity spectra, pooled into bands, per channel."""
    def spec(x):
        v = x[:, 1:] - x[:, :-1]
        p = torch.fft.rfft(v - v.mean(1, keepdim=True), dim=1).abs() ** 2
        n = p.shape[1] // bands * bands
        return torch.log(p[:, :n].reshape(p.shape[0], bands, -1, p.shape[2]).mean(2) + 1e-4)
    return ((spec(gen) - spec(real)) ** 2).mean()
