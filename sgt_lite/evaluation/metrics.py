"""Motion-naturalness metrics: generated tracks against real ones on the same audio.

All metrics work on tracks resampled to a common frame rate. Axes are the five
angles (head yaw/pitch/roll, gaze yaw/pitch); blink is scored by its rate.
"""
import numpy as np

from ..generators.prosody import analyse, loudness_db

AXES = ("head_yaw", "head_pitch", "head_roll", "gaze_yaw", "gaze_pitch")
WINDOW_S, WINDOW_HOP_S = 2.0, 0.5
COUPLING_LAG_S = 0.2
BEAT_SIGMA_S = 0.1
SACCADE_DEG_PER_S = 60.0


def velocity(x, fps):
    return np.diff(x, axis=0) * fps


def window_stats(track, axes=3) -> np.ndarray:
    """(n_windows, 3 * axes): per axis std, mean |velocity| and velocity std over 2 s windows, for
    the first ``axes`` of :data:`AXES` (3: the head, the Fréchet distance's default; 5: head and gaze)."""
    m = track.motion[:, :axes].astype(np.float64)
    w, hop = int(round(WINDOW_S * track.fps)), int(round(WINDOW_HOP_S * track.fps))
    if len(m) < w or w < 2:
        return np.zeros((0, 3 * axes))
    idx = np.arange(0, len(m) - w + 1, hop)[:, None] + np.arange(w)[None, :]
    seg = m[idx]
    v = np.diff(seg, axis=1) * track.fps
    return np.concatenate([seg.std(1), np.abs(v).mean(1), v.std(1)], axis=1)


def frechet_distance(real: np.ndarray, gen: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature rows."""
    mu_r, mu_g = real.mean(0), gen.mean(0)
    cr, cg = np.cov(real, rowvar=False), np.cov(gen, rowvar=False)
    cr = cr + 1e-6 * np.eye(len(cr))
    cg = cg + 1e-6 * np.eye(len(cg))
    w, v = np.linalg.eigh(cr)
    sr = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    mid = sr @ cg @ sr
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((mid + mid.T) / 2), 0, None)).sum()
    return max(0.0, float(np.sum((mu_r - mu_g) ** 2) + np.trace(cr) + np.trace(cg) - 2 * tr_sqrt))


def head_speed(track):
    return np.linalg.norm(velocity(track.motion[:, :3].astype(np.float64), track.fps), axis=1)


def coupling(audio, track, db=None) -> float:
    """Best |Pearson r| between loudness and head speed within ±200 ms of lag (``db``: the audio's
    loudness at the track's rate, if already computed)."""
    speed = head_speed(track)
    db = (loudness_db(audio, track.fps) if db is None else db)[1:len(speed) + 1]
    n = min(len(db), len(speed))
    db, speed = db[:n], speed[:n]
    if speed.std() < 1e-9 or db.std() < 1e-9:
        return 0.0
    best = 0.0
    lag_max = int(round(COUPLING_LAG_S * track.fps))
    for lag in range(-lag_max, lag_max + 1):
        a, b = (db[:n - lag], speed[lag:]) if lag >= 0 else (db[-lag:], speed[:n + lag])
        if a.size > 10 and b.std() > 1e-9:
            best = max(best, abs(np.corrcoef(a, b)[0, 1]))
    return float(best)


def kinematic_beats(track):
    """Frames where head speed has a local minimum after a movement (motion 'beats')."""
    s = head_speed(track)
    if s.size < 3 or s.max() < 1e-6:
        return np.zeros(0, int)
    thr = np.percentile(s, 60)
    return np.flatnonzero((s[1:-1] < s[:-2]) & (s[1:-1] <= s[2:]) & (s[:-2] > thr)) + 1


def beat_alignment(audio, track, prosody=None) -> float:
    """Mean over speech prominence peaks of exp(-d²/2σ²), d = distance to the nearest motion beat
    (``prosody``: :func:`analyse` of the audio at the track's rate, if already computed)."""
    pro = analyse(audio, track.fps) if prosody is None else prosody
    beats = kinematic_beats(track) / track.fps
    peaks = np.array([k for k, _ in pro.prominences]) / track.fps
    if peaks.size == 0:
        return float("nan")
    if beats.size == 0:
        return 0.0
    d = np.abs(peaks[:, None] - beats[None, :]).min(1)
    return float(np.mean(np.exp(-d ** 2 / (2 * BEAT_SIGMA_S ** 2))))


def jerk(track) -> float:
    """Mean |third derivative| of the head angles, deg/s³."""
    m = track.motion[:, :3].astype(np.float64)
    if len(m) < 4:
        return 0.0
    return float(np.abs(np.diff(m, n=3, axis=0)).mean() * track.fps ** 3)


def saccades(track):
    """(amplitudes deg, onset times s) of eye-in-head saccades (speed > 60 deg/s)."""
    g = track.motion[:, 3:5].astype(np.float64)
    if len(g) < 3:
        return np.zeros(0), np.zeros(0)
    padded = np.pad(g, ((1, 1), (0, 0)), mode="edge")
    g = (padded[:-2] + padded[1:-1] + padded[2:]) / 3
    speed = np.linalg.norm(velocity(g, track.fps), axis=1)
    fast = speed > SACCADE_DEG_PER_S
    edges = np.diff(np.concatenate([[0], fast.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    amps = np.array([np.linalg.norm(g[e] - g[s]) for s, e in zip(starts, ends)])
    return amps, starts / track.fps


def blink_rate(track) -> float:
    closed = track.blink > 0.5
    return float(np.sum(closed[1:] & ~closed[:-1]) / max(track.duration, 1e-9) * 60.0)


def over_limits(track, v_max=200.0, a_max=2000.0) -> float:
    """% of frames where a head axis exceeds ``v_max`` deg/s or ``a_max`` deg/s²."""
    m = track.motion[:, :3].astype(np.float64)
    if len(m) < 3:
        return 0.0
    v = np.abs(velocity(m, track.fps))[1:]
    a = np.abs(np.diff(m, n=2, axis=0)) * track.fps ** 2
    bad = (v > v_max).any(1) | (a > a_max).any(1)
    return float(100.0 * bad.mean())


def nearest_centroid_accuracy(features_by_label: dict) -> float:
    """Leave-one-out nearest-centroid accuracy on z-scored window features."""
    labels, rows = [], []
    for k, f in enumerate(features_by_label.values()):
        rows.append(f)
        labels += [k] * len(f)
    X = np.concatenate(rows)
    X = (X - X.mean(0)) / (X.std(0) + 1e-9)
    labels = np.array(labels)
    n_labels = len(features_by_label)
    sums = np.stack([X[labels == k].sum(0) for k in range(n_labels)])
    counts = np.array([np.sum(labels == k) for k in range(n_labels)], float)
    cents = sums / counts[:, None]
    d = ((X[:, None, :] - cents[None, :, :]) ** 2).sum(-1)
    own = counts[labels]
    # each window's own class centroid without that window
    loo = np.where(own[:, None] > 1, (sums[labels] - X) / np.maximum(own - 1, 1)[:, None], np.nan)
    d[np.arange(len(X)), labels] = np.where(own > 1, ((X - loo) ** 2).sum(-1), np.inf)
    return float(np.mean(np.argmin(d, axis=1) == labels))


def style_features(track) -> np.ndarray:
    """Window statistics plus mean gaze direction and blink fraction: what tells styles apart."""
    base = window_stats(track, axes=5)
    w, hop = int(round(WINDOW_S * track.fps)), int(round(WINDOW_HOP_S * track.fps))
    extra = [np.concatenate([track.motion[a:a + w, 0:5].mean(0), [track.blink[a:a + w].mean()]])
             for a in range(0, len(track) - w + 1, hop)]
    return np.concatenate([base, np.array(extra).reshape(-1, 6)], axis=1)
