"""The derived StyleTalk tracks shipped in ``data/tracks`` and speaker-disjoint splits.

Splits are leave-one-speaker-out, rotating over the three speakers (Obama,
andrew, feifeili): each fold holds one speaker out entirely, so no clip of a
held-out speaker is ever seen in training or used to tune a baseline.
"""
import os
import pathlib

from ..errors import ModelFileError
from .track import MotionTrack

REPO = pathlib.Path(__file__).resolve().parents[2]
TRACKS_DIR = REPO / "data" / "tracks"


def default_audio_root() -> pathlib.Path:
    shared = os.environ.get("SGT_LITE_SHARED")
    base = pathlib.Path(shared) if shared else REPO.parent / "shared"
    return base / "data" / "styletalk"


def load_tracks(tracks_dir=None, audio_root=None):
    """All ``*.npz`` tracks of a folder, with relative audio paths resolved against ``audio_root``."""
    tracks_dir = pathlib.Path(tracks_dir or TRACKS_DIR)
    audio_root = pathlib.Path(audio_root or default_audio_root())
    files = sorted(tracks_dir.glob("*.npz"))
    if not files:
        raise ModelFileError(f"no .npz tracks in {tracks_dir}")
    tracks = []
    for f in files:
        t = MotionTrack.load(f)
        if t.audio_path and not os.path.isabs(t.audio_path):
            t.audio_path = str(audio_root / t.audio_path)
        if t.audio_path and not os.path.isfile(t.audio_path):
            raise ModelFileError(f"{f.name}: its audio {t.audio_path} is missing; point audio_root (or "
                                 "SGT_LITE_SHARED) at the shared data")
        tracks.append(t)
    return tracks


def speaker_folds(tracks, heldout=None):
    """[(held-out speaker, train tracks, held-out tracks)], one fold per speaker (or just ``heldout``)."""
    speakers = sorted({t.speaker for t in tracks})
    if heldout is not None:
        if heldout not in speakers:
            from ..errors import ConfigError

            raise ConfigError(f"unknown speaker {heldout!r}; speakers: {speakers}")
        speakers = [heldout]
    return [(s, [t for t in tracks if t.speaker != s], [t for t in tracks if t.speaker == s]) for s in speakers]
