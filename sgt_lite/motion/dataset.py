"""The derived tracks shipped in ``data/tracks`` and speaker-disjoint folds.

Every track names its speaker with one canonical id across sources (Obama
appears in both the StyleTalk and the talking clips as ``Obama``), so a fold
never trains on a held-out person. :func:`speaker_folds` deals the speakers
into folds of at least ``min_heldout`` people each; every speaker is held out
exactly once.
"""
import logging
import os
import pathlib

import numpy as np

from ..errors import ConfigError, ModelFileError
from .track import MotionTrack

log = logging.getLogger(__name__)

REPO = pathlib.Path(__file__).resolve().parents[2]
TRACKS_DIR = REPO / "data" / "tracks"


def default_data_root() -> pathlib.Path:
    """The shared data folder (``$SGT_LITE_SHARED/data``, else ``../shared/data`` beside the repo)."""
    shared = os.environ.get("SGT_LITE_SHARED")
    base = pathlib.Path(shared) if shared else REPO.parent / "shared"
    return base / "data"


def default_audio_root() -> pathlib.Path:
    return default_data_root() / "styletalk"


def _resolve_audio(path: str, audio_root: pathlib.Path) -> str:
    # StyleTalk tracks store 'wav/x.wav' (relative to styletalk/); the talking
    # clips store 'talking/video/x.mp4' (relative to the shared data folder).
    if os.path.isabs(path):
        return path
    for base in (audio_root, audio_root.parent):
        if (base / path).is_file():
            return str(base / path)
    return str(audio_root / path)


def load_tracks(tracks_dir=None, audio_root=None, raw: bool = False):
    """All ``*.npz`` tracks of a folder, with relative audio paths resolved.

    A relative audio path is looked up in ``audio_root`` (default: the shared
    ``styletalk`` folder), then in its parent (the shared data folder).
    ``raw=True`` returns the head motion before jitter smoothing, where the
    file keeps it.
    """
    if tracks_dir is None and not TRACKS_DIR.is_dir():
        raise ModelFileError(f"the corpus tracks are not installed with the package: they are data/tracks in a "
                             f"clone of the sgt-lite repository (with their licences; looked for {TRACKS_DIR}); "
                             "run from a clone, or pass --tracks DIR (tracks_dir=)")
    tracks_dir = pathlib.Path(tracks_dir or TRACKS_DIR)
    audio_root = pathlib.Path(audio_root or default_audio_root())
    files = sorted(tracks_dir.glob("*.npz"))
    if not files:
        raise ModelFileError(f"no .npz tracks in {tracks_dir}")
    tracks = []
    for f in files:
        t = MotionTrack.load(f, raw=raw)
        if t.audio_path:
            t.audio_path = _resolve_audio(t.audio_path, audio_root)
            if not os.path.isfile(t.audio_path):
                raise ModelFileError(f"{f.name}: its audio {t.audio_path} is missing; the clips are not "
                                     "redistributed with sgt-lite (their sources: docs/dataset_card.md): point "
                                     "--audio-root (audio_root=) at the styletalk folder, or SGT_LITE_SHARED at "
                                     "the folder holding data/")
        tracks.append(t)
    return tracks


def speaker_seconds(tracks) -> dict:
    """{speaker: total seconds} over ``tracks``."""
    out = {}
    for t in tracks:
        out[t.speaker] = out.get(t.speaker, 0.0) + t.duration
    return out


def _deal(seconds: dict, n_folds: int, seed: int):
    """Speakers into ``n_folds`` groups of near-equal size, balancing held-out seconds."""
    names = sorted(seconds, key=lambda s: (-seconds[s], s))     # longest first balances best
    if seed:
        names = [names[i] for i in np.random.default_rng(seed).permutation(len(names))]
    base, extra = divmod(len(names), n_folds)
    capacity = [base + (1 if k < extra else 0) for k in range(n_folds)]
    groups, load = [[] for _ in range(n_folds)], [0.0] * n_folds
    for s in names:
        open_ = [k for k in range(n_folds) if len(groups[k]) < capacity[k]]
        k = min(open_, key=lambda k: (load[k], len(groups[k]), k))
        groups[k].append(s)
        load[k] += seconds[s]
    return [sorted(g) for g in groups]


def speaker_folds(tracks, heldout=None, n_folds=None, min_heldout: int = 4, seed: int = 0):
    """Speaker-disjoint folds: ``[(held-out speakers, train tracks, held-out tracks)]``.

    Every speaker is held out in exactly one fold and each fold holds out at
    least ``min_heldout`` speakers; held-out seconds are balanced across folds.
    ``n_folds`` defaults to ``len(speakers) // min_heldout``; ``seed`` changes
    the order speakers are dealt in (0: longest first). ``heldout`` (a speaker
    id or a list of them) gives one fold holding out exactly those speakers.
    Leave-one-speaker-out is ``n_folds=len(speakers), min_heldout=1``.

    >>> from sgt_lite.motion import MotionTrack
    >>> ts = [MotionTrack.from_channels(25, head_yaw=np.zeros(25 * (k + 1)), speaker=f"s{k}") for k in range(9)]
    >>> [(held, len(train)) for held, train, test in speaker_folds(ts)]
    [(['s0', 's1', 's4', 's5', 's8'], 4), (['s2', 's3', 's6', 's7'], 5)]
    """
    seconds = speaker_seconds(tracks)
    speakers = sorted(seconds)
    if heldout is not None:
        held = [heldout] if isinstance(heldout, str) else list(heldout)
        unknown = [s for s in held if s not in seconds]
        if unknown:
            raise ConfigError(f"unknown speaker(s) {unknown}; speakers: {speakers}")
        groups = [sorted(held)]
    else:
        if min_heldout < 1:
            raise ConfigError(f"min_heldout must be >= 1, got {min_heldout}")
        if n_folds is None:
            n_folds = len(speakers) // min_heldout
            if n_folds < 2:
                raise ConfigError(
                    f"{len(speakers)} speakers cannot make 2 folds of >= {min_heldout} held-out speakers "
                    f"({speakers}); lower min_heldout or pass n_folds")
        if not 1 <= n_folds <= len(speakers) or len(speakers) // n_folds < min_heldout:
            raise ConfigError(f"n_folds={n_folds} does not fit {len(speakers)} speakers with >= {min_heldout} "
                              f"held out per fold; use n_folds <= {len(speakers) // max(min_heldout, 1)}")
        groups = _deal(seconds, n_folds, seed)
    folds = []
    for g in groups:
        held = set(g)
        folds.append((g, [t for t in tracks if t.speaker not in held], [t for t in tracks if t.speaker in held]))
    return folds
