"""Speaker-disjoint folds (synthetic tracks: no shared data needed)."""
import numpy as np
import pytest

from sgt_lite.errors import ConfigError
from sgt_lite.motion import MotionTrack
from sgt_lite.motion.dataset import speaker_folds


def _tracks(rng, n_speakers, clips_max=3):
    out = []
    for k in range(n_speakers):
        for c in range(int(rng.integers(1, clips_max + 1))):
            n = int(rng.integers(50, 2000))
            out.append(MotionTrack.from_channels(25, head_yaw=np.zeros(n), speaker=f"spk{k:02d}",
                                                 source=f"spk{k:02d}_{c}"))
    return out


@pytest.mark.parametrize("n_speakers,min_heldout,seed", [(8, 4, 0), (21, 4, 0), (21, 4, 7), (19, 4, 1),
                                                         (23, 5, 0), (12, 3, 2)])
def test_every_speaker_held_out_once_disjoint_and_enough_per_fold(rng, n_speakers, min_heldout, seed):
    tracks = _tracks(rng, n_speakers)
    folds = speaker_folds(tracks, min_heldout=min_heldout, seed=seed)
    assert len(folds) == n_speakers // min_heldout >= 2
    held_all = [s for held, _, _ in folds for s in held]
    assert sorted(held_all) == sorted({t.speaker for t in tracks})       # each speaker exactly once
    for held, train, test in folds:
        assert len(held) >= min_heldout
        train_spk, test_spk = {t.speaker for t in train}, {t.speaker for t in test}
        assert not train_spk & test_spk and test_spk == set(held)
        assert len(train) + len(test) == len(tracks)


def test_held_out_seconds_are_balanced(rng):
    tracks = _tracks(rng, 21)
    secs = [sum(t.duration for t in test) for _, _, test in speaker_folds(tracks)]
    assert max(secs) - min(secs) <= max(t.duration for t in tracks)


def test_one_canonical_id_keeps_a_person_on_one_side():
    """Obama from two sources is one speaker: both clips are held out together."""
    mk = lambda spk, src: MotionTrack.from_channels(25, head_yaw=np.zeros(100), speaker=spk, source=src)
    tracks = [mk("Obama", "styletalk:Obama_clip1"), mk("Obama", "talking:edtalk_obama")]
    tracks += [mk(f"s{k}", f"x{k}") for k in range(7)]
    for held, train, test in speaker_folds(tracks):
        obama = [t.source for t in test if t.speaker == "Obama"]
        assert obama == [] or len(obama) == 2
        assert ("Obama" in held) == bool(obama)


def test_named_heldout_and_leave_one_out(rng):
    tracks = _tracks(rng, 5)
    [(held, train, test)] = speaker_folds(tracks, "spk03")
    assert held == ["spk03"] and {t.speaker for t in test} == {"spk03"}
    assert "spk03" not in {t.speaker for t in train}
    [(held, _, test)] = speaker_folds(tracks, heldout=["spk04", "spk01"])
    assert held == ["spk01", "spk04"]
    loo = speaker_folds(tracks, n_folds=5, min_heldout=1)
    assert all(len(h) == 1 for h, _, _ in loo)
    assert sorted(h[0] for h, _, _ in loo) == [f"spk{k:02d}" for k in range(5)]


def test_seed_changes_the_deal_but_not_the_guarantees(rng):
    tracks = _tracks(rng, 16)
    a = [h for h, _, _ in speaker_folds(tracks, seed=0)]
    b = [h for h, _, _ in speaker_folds(tracks, seed=5)]
    assert a != b and a == [h for h, _, _ in speaker_folds(tracks, seed=0)]


def test_impossible_fold_requests_are_clear_errors(rng):
    tracks = _tracks(rng, 5)
    with pytest.raises(ConfigError, match="cannot make 2 folds"):
        speaker_folds(tracks)                        # 5 speakers, 4 per fold
    with pytest.raises(ConfigError, match="n_folds=3"):
        speaker_folds(tracks, n_folds=3, min_heldout=2)
    with pytest.raises(ConfigError, match="unknown speaker"):
        speaker_folds(tracks, "nobody")
