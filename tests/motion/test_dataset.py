from sgt_lite.motion.dataset import load_tracks, speaker_folds


def test_shipped_tracks_resolve_their_audio_and_fold_by_speaker(styletalk):
    tracks = load_tracks(audio_root=styletalk)
    assert len(tracks) >= 27 and sum(t.duration for t in tracks) > 450
    sources = {t.source.split(":")[0] for t in tracks}
    assert sources == {"styletalk", "talking"}
    assert all(t.audio_path.endswith(".wav") == (t.source.startswith("styletalk")) for t in tracks)
    folds = speaker_folds(tracks, n_folds=None)
    for held, train, test in folds:
        assert test and all(t.speaker in held for t in test)
        assert all(t.speaker not in held for t in train)
        assert len(train) + len(test) == len(tracks)
    loo = speaker_folds([t for t in tracks if t.source.startswith("styletalk")], n_folds=3, min_heldout=1)
    assert sorted(h[0] for h, _, _ in loo) == ["Obama", "andrew", "feifeili"]
    for t in tracks:
        assert t.valid[:, :3].mean() > 0.94 and t.valid[:, 5].mean() > 0.94
        if t.gaze_confidence >= 0.5:
            assert t.valid[:, 3:5].mean() > 0.8


def test_raw_tracks_load_too(styletalk):
    raw = load_tracks(audio_root=styletalk, raw=True)
    smooth = load_tracks(audio_root=styletalk)
    assert [t.source for t in raw] == [t.source for t in smooth]
    assert any(abs(a.motion[:, 1] - b.motion[:, 1]).max() > 0.1 for a, b in zip(raw, smooth))
