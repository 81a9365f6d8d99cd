"""Training data: real tracks, procedural motion and noise-only negatives, as model-rate sequences
with the event labels the generator's heads learn (saccade and blink onsets, gaze target, state)."""
import dataclasses
import logging
import os

import numpy as np

from sgt_lite.audio import Frontend, read_wav
from sgt_lite.events import EyeConfig
from sgt_lite.events.labels import event_labels
from sgt_lite.generators import PRESETS, ProceduralGenerator
from sgt_lite.model.features import stack_frames
from sgt_lite.motion import MotionTrack
from sgt_lite.motion.dataset import default_audio_root, load_tracks, speaker_folds

log = logging.getLogger(__name__)

# gaze of a clip whose iris spans few pixels is too coarse to learn saccade targets from
MIN_GAZE_CONFIDENCE = 0.5


@dataclasses.dataclass
class Sequence:
    feats: np.ndarray       # (T, stack * frame_size) raw stacked frontend features
    motion: np.ndarray      # (T, 6) degrees / lid closure (the style encoder's input)
    valid: np.ndarray       # (T, 6)
    saccade: np.ndarray     # (T,) 0/1 onset within the frame
    blink: np.ndarray       # (T,) 0/1 onset within the frame
    target: np.ndarray      # (T,) gaze-target cell of the next saccade, -1 unknown
    state: np.ndarray       # (T,) 0 fixation, 1 aversion, 2 return
    eye_weight: np.ndarray  # (T,) weight of the eye-event losses (0: gaze not seen or too coarse)
    label: str              # style class (speaker or preset); "" for negatives
    kind: str               # "real", "procedural" or "negative"
    original: bool = True   # the clip's own audio (not an augmented copy)
    speaker: str = ""       # the real speaker (several speakers may share one style class)

    @property
    def real(self) -> bool:
        return self.kind == "real"


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


def _resolve(path, shared_root):
    if path.startswith("SHARED:"):
        return os.path.join(shared_root, path[len("SHARED:"):])
    return path


def eye_config(recipe) -> EyeConfig:
    """The recipe's ``eyes`` table (grid, physiology, mutual-gaze zone) over the defaults."""
    return EyeConfig.from_dict(recipe.get("eyes", {}), "recipe")


def heldout_speakers(recipe, tracks) -> list:
    """The recipe's held-out speakers: ``heldout_fold`` (an index into the standard folds) or a list."""
    if recipe.get("heldout_fold") is not None:
        folds = speaker_folds(tracks, min_heldout=recipe.get("fold_min_heldout", 4), seed=recipe.get("fold_seed", 0))
        return list(folds[int(recipe["heldout_fold"])][0])
    return list(recipe.get("heldout_speakers", []))


def _sequence(feats, track: MotionTrack, fps, eyes: EyeConfig, label, kind, original=True, weight=1.0, speaker=""):
    t = track.resampled(fps)
    n = min(len(feats), len(t))
    motion, valid = t.motion[:n], t.valid[:n]
    gaze_ok = valid[:, 3] & valid[:, 4]
    lab = event_labels(motion[:, 3:5], np.where(valid[:, 5], motion[:, 5], np.nan), fps, valid=gaze_ok, config=eyes)
    eye_w = lab.valid.astype(np.float32) * float(weight)
    return Sequence(feats[:n], motion, valid, lab.saccade_onset, lab.blink_onset, lab.target_cell, lab.gaze_state,
                    eye_w, label, kind, original, speaker)


def negative_audio(rng, seconds) -> list:
    """Noise-only audio (white/brown noise, music, room tone, claps) at random levels: a person
    does not talk to a fan. The synthesisers are the evaluation's, with other seeds and levels."""
    from sgt_lite.evaluation import robustness as R

    makers = (R.white_noise, R.music, R.room_tone, R.claps)
    out = []
    for k, make in enumerate(makers):
        for j in range(3):
            seed = 10_000 + 97 * k + j
            lo, hi = {0: (-60, -20), 1: (-40, -12), 2: (-65, -40), 3: (-45, -15)}[k]
            out.append(make(seconds, dbfs=float(rng.uniform(lo, hi)), seed=seed))
    return out


def build(recipe: dict, rng, progress=print):
    """Returns (train sequences, held-out tracks, held-out speakers)."""
    fps, stack = recipe["fps"], recipe["stack"]
    eyes = eye_config(recipe)
    shared = str(default_audio_root())
    tracks = load_tracks(audio_root=shared)
    held = heldout_speakers(recipe, tracks)
    heldout = [t for t in tracks if t.speaker in held]
    train = [t for t in tracks if t.speaker not in held]
    styles = recipe.get("real_styles", {})
    seqs = []
    for t in train:
        audio = t.load_audio()
        conf = 1.0 if t.gaze_confidence is None else float(t.gaze_confidence)
        weight = conf if conf >= MIN_GAZE_CONFIDENCE else 0.0
        variants = [audio] + [augment(audio, rng) for _ in range(recipe["augmentations_per_clip"])]
        for k, a in enumerate(variants):
            seqs.append(_sequence(features(a, stack), t, fps, eyes, styles.get(t.speaker, t.speaker), "real", k == 0,
                                  weight, t.speaker))
    progress(f"  real: {len(train)} clips of {len({t.speaker for t in train})} speakers x "
             f"{recipe['augmentations_per_clip'] + 1} audio variants ({sum(t.duration for t in train):.0f} s of "
             f"motion; held out: {', '.join(held) or 'none'})")
    audios = [t.load_audio() for t in train[:: max(1, recipe.get("procedural_audio_stride", 1))]]
    audios += [read_wav(_resolve(p, shared), 16000)[0] for p in recipe["extra_audio"]]
    gen = ProceduralGenerator(fps=fps)
    total = 0.0
    for k, a in enumerate(audios):
        for style in PRESETS:
            for s in range(recipe["procedural_seeds"]):
                tr = gen.generate(a, 16000, seed=1000 * k + 10 * s + list(PRESETS).index(style), style=style)
                aa = augment(a, rng) if s else a
                seqs.append(_sequence(features(aa, stack), tr, fps, eyes, style, "procedural", s == 0))
                total += len(tr) / fps
    progress(f"  procedural: {len(audios)} audio files x {len(PRESETS)} styles x {recipe['procedural_seeds']} "
             f"seeds ({total:.0f} s of motion)")
    n_neg = 0
    for a in negative_audio(rng, recipe.get("negative_s", 12.0)) if recipe.get("negatives", True) else []:
        f = features(a, stack)
        T = len(f)
        z = np.zeros(T, np.float32)
        seqs.append(Sequence(f, np.zeros((T, 6), np.float32), np.ones((T, 6), bool), z, z, np.full(T, -1),
                             np.zeros(T, np.int64), z.copy(), "", "negative"))
        n_neg += T / fps
    progress(f"  negatives: {n_neg:.0f} s of noise, music, room tone and claps (head target: still)")
    return seqs, heldout, held


def norm_stats(seqs):
    f = np.concatenate([s.feats for s in seqs if s.kind != "negative"])
    real = [s for s in seqs if s.real]
    m = np.concatenate([s.motion for s in real])
    v = np.concatenate([s.valid for s in real])
    mm = np.array([m[v[:, i], i].mean() for i in range(6)])
    ms = np.array([m[v[:, i], i].std() + 1e-3 for i in range(6)])
    mm[5], ms[5] = 0.0, 1.0
    return {"feat_mean": f.mean(0), "feat_std": f.std(0) + 1e-3, "motion_mean": mm, "motion_std": ms}


def sample_batch(seqs, n, length, fractions, rng):
    """``n`` windows of ``length`` frames; ``fractions`` = {"real": p, "negative": q} (rest procedural)."""
    pools = {k: [s for s in seqs if s.kind == k] for k in ("real", "procedural", "negative")}
    out = []
    for _ in range(n):
        u = rng.random()
        kind = "real" if u < fractions["real"] else (
            "negative" if u < fractions["real"] + fractions["negative"] and pools["negative"] else "procedural")
        pool = pools[kind]
        s = pool[rng.integers(len(pool))]
        a = rng.integers(0, max(1, len(s.motion) - length))
        out.append((s, slice(a, a + length)))
    return out
