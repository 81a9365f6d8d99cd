import json

import numpy as np
import pytest

from sgt_lite.evaluation import report as REP
from sgt_lite.evaluation.segments import segments
from sgt_lite.generators import ProceduralGenerator, ProceduralStyle
from sgt_lite.motion import MotionTrack

SPEAKERS = ("ann", "bob", "cat", "dan", "eve", "fay")


def _speech(seconds, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    rate = rng.uniform(2.5, 4.5)
    syll = (np.sin(2 * np.pi * rate * t) > 0.1) & (np.sin(2 * np.pi * 0.15 * t + seed) > -0.7)
    f0 = rng.uniform(100, 220)
    voice = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 8))
    return (0.1 * syll * voice + 0.0003 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def speakers():
    """Six 'real' speakers: procedural motion in six different styles, with in-memory audio."""
    tracks = []
    for k, name in enumerate(SPEAKERS):
        audio = _speech(12.0, k)
        style = ProceduralStyle(amplitude=1.5 + k, blink_rate=10 + 4 * k, saccade_rate_talk=0.5 + 0.3 * k)
        t = ProceduralGenerator(fps=25.0, style=style).generate(audio, seed=k)
        tracks.append(MotionTrack(25.0, t.motion, t.valid, speaker=name, source=f"synthetic:{name}",
                                  audio=audio, audio_rate=16000))
    return tracks


def test_folds_keep_speakers_apart_and_score_every_metric(speakers):
    ev = REP.Evaluation(["static", "sway", "procedural"], speakers, min_heldout=2, progress=lambda s: None)
    assert len(ev.folds) == 3
    assert sorted(ev.heldout) == list(range(len(speakers)))
    for k, (held, _, _) in enumerate(ev.folds):
        test_speakers = {ev.clips[i].speaker for i in ev.fold_clips[k]}
        train_speakers = {ev.clips[i].speaker for i in ev.fold_train[k]}
        assert test_speakers == set(held) and not test_speakers & train_speakers
        for i in ev.fold_clips[k]:
            donor = ev.per[REP.OTHER_REAL][i]
            assert donor.speaker in train_speakers and len(donor) == len(ev.clips[i].real)
    assert set(ev.tuned) == {0, 1, 2}
    scopes = {label: ev.rows(idx, folds) for label, idx, folds in ev.scopes()}
    assert list(scopes) == [REP.POOLED, "fold 1", "fold 2", "fold 3"]
    rows = scopes[REP.POOLED]
    assert list(rows) == [REP.REAL, "static", "sway", "procedural", REP.OTHER_REAL]
    real, static, proc = rows[REP.REAL], rows["static"], rows["procedural"]
    assert real["head Fréchet distance (2 s windows)"] == pytest.approx(0.0, abs=1e-6)
    assert static["head Fréchet distance (2 s windows)"] > proc["head Fréchet distance (2 s windows)"]
    assert static["saccades per min"] == 0 and static["blinks per min"] == 0
    assert real["saccades per min"] > 5 and real["blinks reaching ≥ 0.9 closure (%)"] == 100
    assert proc["seed correlation (head)"] < 0.5 and rows["sway"]["seed correlation (head)"] == pytest.approx(1.0)
    for name in ("static", "sway", "procedural"):
        for key in ("head speed on white noise ÷ speech", "head speed in digital silence ÷ speech",
                    "repeat correlation (same 6 s twice)", "blinks per min in digital silence"):
            assert key in rows[name]
    assert "style retrieval, nearest centroid (%)" in rows["procedural"]
    table = REP.markdown_table(rows)
    assert table.count("\n") == len(set().union(*[r.keys() for r in rows.values()])) + 1
    folds = REP.fold_table(scopes)
    assert folds.count("| fold 2 | procedural |") == 1


def test_too_few_speakers_lower_the_fold_size_with_a_note(speakers):
    folds, note = REP.make_folds(speakers[:5], min_heldout=4)
    assert len(folds) == 2 and "not 4" in note
    folds, note = REP.make_folds(speakers, heldout=["ann", "bob"])
    assert [f[0] for f in folds] == [["ann", "bob"]] and note is None


def test_model_training_speakers_are_read_honestly(tmp_path):
    ck = tmp_path / "ck"
    ck.mkdir()
    cfg = {"training": {"heldout_speakers": ["cat"], "train_speakers": ["ann", "bob"]},
           "styles": {"x": {"source": "real speaker 'dan' in the clips"}}}
    (ck / "config.json").write_text(json.dumps(cfg))
    assert REP.model_training_speakers(ck, SPEAKERS) == ({"ann", "bob"}, "recorded in the checkpoint")
    del cfg["training"]["train_speakers"]
    (ck / "config.json").write_text(json.dumps(cfg))
    got, how = REP.model_training_speakers(ck, SPEAKERS)
    assert got == {"dan"} and "not recorded" in how
    cfg["styles"] = {}
    (ck / "config.json").write_text(json.dumps(cfg))
    got, how = REP.model_training_speakers(ck, SPEAKERS)
    assert got == set(SPEAKERS) - {"cat"} and "assumed" in how


def test_segments_find_pauses_and_utterances():
    x = np.zeros(16000 * 10, np.float32)
    t = np.arange(16000 * 10) / 16000
    tone = (0.2 * np.sin(2 * np.pi * 200 * t) * (np.sin(2 * np.pi * 4 * t) > -0.5)).astype(np.float32)
    for a, b in ((1.0, 3.0), (3.4, 5.0), (6.5, 9.0)):                  # a 0.4 s gap, then a 1.5 s pause
        x[int(a * 16000):int(b * 16000)] = tone[int(a * 16000):int(b * 16000)]
    s = segments(x, 25.0)
    assert [(round(a / 25, 1), round(b / 25, 1)) for a, b in s.utterances] == [(1.0, 5.0), (6.5, 9.0)]
    assert [(round(a / 25, 1), round(b / 25, 1)) for a, b in s.pauses] == [(0.0, 1.0), (5.0, 6.5), (9.0, 10.0)]
    assert s.pause_mask().sum() == pytest.approx(25 * 3.5, abs=5)


def test_one_checkpoint_per_fold_and_the_speakers_each_was_trained_on(speakers, tmp_path):
    import shutil

    from sgt_lite.motion.dataset import REPO

    folds, _ = REP.make_folds(speakers, min_heldout=2)
    leaked = folds[1][0][0]                                      # pretend fold 2's model saw this speaker
    for k in range(len(folds)):
        ck = tmp_path / f"ck{k}"
        shutil.copytree(REPO / "checkpoints" / "default", ck)
        cfg = json.loads((ck / "config.json").read_text())
        cfg.setdefault("training", {})["train_speakers"] = [leaked] if k == 1 else ["nobody"]
        (ck / "config.json").write_text(json.dumps(cfg))
    ev = REP.Evaluation(["model"], speakers, min_heldout=2, checkpoint=str(tmp_path / "ck{fold}"),
                        progress=lambda s: None)
    assert ev.per_fold_model and ev.checkpoint_for(2).endswith("ck2")
    assert len({id(m) for m in ev._models.values()}) == 3
    unseen = [i for i in ev.heldout if ev.unseen_by_model(i)]
    assert {ev.clips[i].speaker for i in ev.heldout} - {ev.clips[i].speaker for i in unseen} == {leaked}
    scopes = [label for label, _, _ in ev.scopes()]
    assert scopes[-1] == "speakers the model never saw"
    notes = "\n".join(ev.notes())
    assert f"In fold 2 the model was trained on held-out speaker(s) {leaked}" in notes
    assert "In fold 1 the model" not in notes and "In fold 3 the model" not in notes
    rows = ev.rows(ev.heldout, [0, 1, 2])
    assert 0 < rows["model"]["style retrieval, model's own encoder (%)"] <= 100
