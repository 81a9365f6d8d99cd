from sgt_lite.motion.dataset import load_tracks, speaker_folds


def test_shipped_tracks_and_speaker_disjoint_folds(styletalk):
    tracks = load_tracks(audio_root=styletalk)
    assert len(tracks) == 8 and sum(t.duration for t in tracks) > 150
    folds = speaker_folds(tracks, n_folds=3, min_heldout=1)
    assert sorted(f[0][0] for f in folds) == ["Obama", "andrew", "feifeili"]
    for (speaker,), train, test in folds:
        assert test and all(t.speaker == speaker for t in test)
        assert all(t.speaker != speaker for t in train)
        assert len(train) + len(test) == 8
    for t in tracks:
        assert t.valid[:, :3].all() and t.valid[:, 3:].mean() > 0.8
