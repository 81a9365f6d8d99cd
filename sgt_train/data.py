"""Training data: real tracks and procedural motion, with audio augmentation, as model-rate sequences."""
import dataclasses
import logging
import os

import numpy as np

from sgt_lite.audio import Frontend, read_wav
from sgt_lite.generators import PRESETS, ProceduralGenerator
from sgt_lite.model.features import stack_frames
from sgt_lite.motion import MotionTrack
from sgt_lite.motion.dataset import default_audio_root, load_tracks

log = logging.getLogger(__name__)

PATTERNS = ("fixation", "saccade", "aversion", "blink")
AVERSION_DEG = 6.0
SACCADE_DEG_PER_S = 60.0


@dataclasses.dataclass
class Sequence:
    feats: np.ndarray      # (T, stack * frame_size) raw stacked frontend features
    motion: np.ndarray     # (T, 6)
    valid: np.ndarray      # (T, 6)
    label: str             # style class (speaker or preset)
    real: bool


def pattern_labels(motion: np.ndarray, fps: float) -> np.ndarray:
    """Per frame: 0 fixation, 1 saccade, 2 aversion, 3 blink."""
    gaze = motion[:, 3:5]
    speed = np.zeros(len(motion))
    speed[1:] = np.linalg.norm(np.diff(gaze, axis=0), axis=1) * fps
    lab = np.zeros(len(motion), np.int64)
    lab[np.linalg.norm(gaze, axis=1) > AVERSION_DEG] = 2
    lab[speed > SACCADE_DEG_PER_S] = 1
    lab[motion[:, 5] > 0.5] = 3
    return lab


def augment(audio: np.ndarray, rng) -> np.ndarray:
    """Gain, additive noise and a room-like (exponentially decaying) impulse response."""
    x = audio * 10 ** (rng.uniform(-12, 6) / 20)
    if rng.random() < 0.6:
        n = int(rng.uniform(0.02, 0.25) * 16000)
        ir = rng.normal(0, 1, n) * np.exp(-np.arange(n) / (n / 5))
        ir[0] = 1.0 / rng.uniform(0.3, 1.0)
        x = np.convolve(x, ir / np.linalg.norm(ir), mode="full")[:len(audio)]
    if rng.random() < 0.7:
        snr_db = rng.uniform(5, 35)
        p = np.mean(x ** 2) + 1e-12
        x = x + rng.normal(0, np.sqrt(p / 10 ** (snr_db / 10)), len(x))
    return np.clip(x, -1, 1).astype(np.float32)


def features(audio: np.ndarray, stack: int) -> np.ndarray:
    return stack_frames(Frontend(backend="c").process(audio), stack)


def _fit(feats, track: MotionTrack, fps):
    t = track.resampled(fps)
    n = min(len(feats), len(t))
    return feats[:n], t.motion[:n], t.valid[:n]


def _resolve(path, shared_root):
    if path.startswith("SHARED:"):
        return os.path.join(shared_root, path[len("SHARED:"):])
    return path


def build(recipe: dict, rng, progress=print):
    """Returns (train sequences, held-out tracks)."""
    fps, stack = recipe["fps"], recipe["stack"]
    shared = str(default_audio_root())
    tracks = load_tracks(audio_root=shared)
    heldout = [t for t in tracks if t.speaker in recipe["heldout_speakers"]]
    train = [t for t in tracks if t.speaker not in recipe["heldout_speakers"]]
    seqs = []
    for t in train:
        audio = t.load_audio()
        variants = [audio] + [augment(audio, rng) for _ in range(recipe["augmentations_per_clip"])]
        for a in variants:
            f, m, v = _fit(features(a, stack), t, fps)
            seqs.append(Sequence(f, m, v, t.speaker, True))
    progress(f"  real: {len(train)} clips x {recipe['augmentations_per_clip'] + 1} audio variants "
             f"({sum(t.duration for t in train):.0f} s of motion, held out: {recipe['heldout_speakers']})")
    audios = [t.load_audio() for t in train] + [read_wav(_resolve(p, shared), 16000)[0] for p in recipe["extra_audio"]]
    gen = ProceduralGenerator(fps=fps)
    total = 0.0
    for k, a in enumerate(audios):
        for style in PRESETS:
            for s in range(recipe["procedural_seeds"]):
                tr = gen.generate(a, 16000, seed=1000 * k + 10 * s + list(PRESETS).index(style), style=style)
                aa = augment(a, rng) if s else a
                f, m, v = _fit(features(aa, stack), tr, fps)
                seqs.append(Sequence(f, m, v, style, False))
                total += len(m) / fps
    progress(f"  procedural: {len(audios)} audio files x {len(PRESETS)} styles x {recipe['procedural_seeds']} "
             f"seeds ({total:.0f} s of motion)")
    return seqs, heldout


def norm_stats(seqs):
    f = np.concatenate([s.feats for s in seqs])
    real = [s for s in seqs if s.real]
    m = np.concatenate([s.motion for s in real])
    v = np.concatenate([s.valid for s in real])
    mm = np.array([m[v[:, i], i].mean() for i in range(6)])
    ms = np.array([m[v[:, i], i].std() + 1e-3 for i in range(6)])
    mm[5], ms[5] = 0.0, 1.0
    return {"feat_mean": f.mean(0), "feat_std": f.std(0) + 1e-3, "motion_mean": mm, "motion_std": ms}


def sample_batch(seqs, n, length, real_fraction, rng):
    real = [s for s in seqs if s.real]
    proc = [s for s in seqs if not s.real]
    out = []
    for _ in range(n):
        pool = real if rng.random() < real_fraction else proc
        s = pool[rng.integers(len(pool))]
        a = rng.integers(0, max(1, len(s.motion) - length))
        out.append((s.feats[a:a + length], s.motion[a:a + length], s.valid[a:a + length], s.label))
    return out
