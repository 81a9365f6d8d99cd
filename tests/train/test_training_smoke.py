"""A few training steps on the real data: the loss goes down and the checkpoint round-trips."""
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sgt_lite.model.checkpoint import Checkpoint  # noqa: E402
from sgt_lite.model.numpy_step import NumpyStep  # noqa: E402
from sgt_lite.model.style_encoder import NumpyStyleEncoder  # noqa: E402


@pytest.fixture(scope="module")
def smoke_checkpoint(tmp_path_factory, styletalk):
    out = tmp_path_factory.mktemp("ck") / "smoke"
    res = subprocess.run([sys.executable, "-m", "sgt_train", "--recipe", "sgt_train/recipes/smoke.json",
                          "-o", str(out)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return out, res.stderr


def test_loss_goes_down(smoke_checkpoint):
    """The parts the network has to learn fall: the head regression and the gaze-target choice
    (ln 35 = 3.56 at chance). The hazard terms start at the training data's event rates (their
    output biases are initialised from them), so they are near their floor from step 0 and the
    total falls less than the learned parts do."""
    out, _ = smoke_checkpoint
    table = np.loadtxt(out / "losses.csv", delimiter=",", skiprows=1)
    assert len(table) == 60
    names = open(out / "losses.csv").readline().strip().split(",")
    first, last = table[:15].mean(0), table[-15:].mean(0)
    for name, fall in (("loss", 0.15), ("head", 0.15), ("target", 0.2)):
        k = names.index(name)
        assert last[k] < (1 - fall) * first[k], (name, first[k], last[k])


def test_checkpoint_round_trips_and_matches_torch(smoke_checkpoint, tmp_path):
    from sgt_train.nets import Generator, StyleEncoder

    out, _ = smoke_checkpoint
    ck = Checkpoint.load(out)
    assert {"measured", "storyteller", "calm", "lively"} <= set(ck.styles)
    assert all(len(e["head"]["residual_std"]) == 3 for e in ck.styles.values())
    assert ck.model["fps"] >= 25 and ck.model["latency_s"] <= 0.1
    ck.save(tmp_path / "copy")
    again = Checkpoint.load(tmp_path / "copy")
    for k, v in ck.weights.items():
        np.testing.assert_array_equal(v, again.weights[k])
    m = ck.model
    net = Generator(m["feature_dim"], m["noise_dim"], m["style_dim"], m["hidden"], m["layers"], len(m["outputs"]))
    net.load_state_dict({k: torch.tensor(v) for k, v in ck.generator_weights().items()})
    step = NumpyStep(ck.generator_weights(), m["layers"], m["cell_clip"])
    rng = np.random.default_rng(0)
    f = rng.standard_normal((1, 40, m["feature_dim"])).astype(np.float32)
    z = rng.standard_normal((1, 40, m["noise_dim"])).astype(np.float32)
    code = np.asarray(ck.styles["calm"]["code"], np.float32)
    with torch.no_grad():
        ref, _ = net(torch.tensor(f), torch.tensor(z), torch.tensor(code[None]))
    h, c = step.initial_state()
    for t in range(40):
        raw, h, c = step(np.concatenate([f[0, t], z[0, t]]), code, h, c)
        np.testing.assert_allclose(raw, ref[0, t].numpy(), atol=1e-4)
    enc = StyleEncoder(m["style_dim"])
    enc.load_state_dict({k[len("encoder."):]: torch.tensor(v) for k, v in ck.weights.items()
                         if k.startswith("encoder.")})
    window = rng.standard_normal((ck.encoder["window"], 6)).astype(np.float32) * 3
    with torch.no_grad():
        ref_code = enc(torch.tensor(((window - ck.norm["motion_mean"]) / ck.norm["motion_std"])[None]))[0]
    np.testing.assert_allclose(NumpyStyleEncoder.from_checkpoint(ck).encode_window(window), ref_code.numpy(), atol=1e-5)


def test_resume_continues(smoke_checkpoint, tmp_path):
    out, _ = smoke_checkpoint
    import shutil

    shutil.copytree(out, tmp_path / "ck")
    res = subprocess.run([sys.executable, "-m", "sgt_train", "--recipe", "sgt_train/recipes/smoke.json",
                          "-o", str(tmp_path / "ck"), "--resume", "--steps", "70"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "resumed at step 60" in res.stderr
    assert len(np.loadtxt(tmp_path / "ck" / "losses.csv", delimiter=",", skiprows=1)) == 10


def test_progress_bar_shows_live_losses(smoke_checkpoint):
    _, log = smoke_checkpoint
    assert "generator" in log and "head=" in log and "sacc=" in log and "style retrieval on held-out windows" in log


def test_calibrate_moves_the_saccade_rate_towards_the_training_speakers(smoke_checkpoint, tmp_path):
    """sgt_train.calibrate applies the recipe's head settings and shifts the saccade hazard's bias so
    the rendered rate on the training speakers approaches their real rate."""
    import shutil

    from sgt_train.calibrate import calibrate, rendered_rate, training_tracks
    from sgt_train.train import load_recipe, remainder_std

    out, _ = smoke_checkpoint
    ck_dir = tmp_path / "ck"
    shutil.copytree(out, ck_dir)
    before = Checkpoint.load(ck_dir)
    before.weights["generator.out.bias"][3] -= 2.0          # the saccade hazard, made far too rare
    before.save(ck_dir)
    tracks = training_tracks(before, 25.0)[:4]
    recipe = dict(load_recipe("smoke"), head_motion={"smooth_hz": 5.0, "listen_level": 0.1, "attack_s": 0.1,
                                                    "release_s": 0.5}, remainder_scale=[0.5, 1.0, 1.0])
    res = calibrate(ck_dir, recipe, rounds=3, tolerance=0.05, log=lambda *_: None)
    after = Checkpoint.load(ck_dir)
    assert after.model["head_motion"]["listen_level"] == 0.1
    assert after.encoder["alignment"]["steps"] == recipe["encoder_alignment"]["steps"]   # the encoder, last
    for name, entry in after.styles.items():
        head = entry["head"]
        assert head["residual_std"] == pytest.approx(
            remainder_std(head["real_std"], head["network_std"], [0.5, 1, 1]).round(4).tolist(), abs=1e-4)
    assert after.training["calibration"]["saccade_bias_shift"] == pytest.approx(res["shift"], abs=1e-3)
    # each style's rendered mean pose now sits at its source's (another seed than the fit's)
    from sgt_train.calibrate import source_poses, source_tracks

    sources = source_poses(source_tracks(after, tracks, 25.0))
    from sgt_train.calibrate import MAX_OFFSET

    name = max((n for n, e in after.styles.items() if "pose_offset" in e and sources.get(n, (None,))[0] is not None
                and np.abs(e["pose_offset"]).max() < MAX_OFFSET),
               key=lambda n: np.abs(after.styles[n]["pose_offset"][:3]).max())
    size = np.abs(after.styles[name]["pose_offset"][:3]).max()
    from sgt_lite.generators.model import ModelGenerator

    gen = ModelGenerator(after)
    mean = np.concatenate([gen.generate(t.load_audio(), 16000, seed=99, style=name).motion[:, :3]
                           for t in tracks[::2]]).mean(0)
    assert np.abs(mean - sources[name][0]).max() < 0.5 * size + 0.5, (name, size, mean, sources[name][0])
    assert any("hazard_bias" in e for e in after.styles.values())
    real = res["real"]
    gap_before = abs(np.log(max(rendered_rate(before, tracks), 0.1) / real))
    shared = Checkpoint.load(ck_dir)          # the shared bias alone: without the per-style shifts
    for entry in shared.styles.values():
        entry.pop("hazard_bias", None)
    gap_after = abs(np.log(max(rendered_rate(shared, tracks), 0.1) / real))
    assert res["shift"] > 0.5 and gap_after < gap_before


def test_encoder_alignment_recognises_rendered_styles_and_keeps_the_rest(smoke_checkpoint, tmp_path):
    """sgt_train.align fine-tunes only the style encoder: afterwards the windows the full pipeline renders
    for each style on audio the alignment never rendered (other seeds) land nearer their own code, real
    windows stay nearer their old codes than without ``real_keep``, and the generator and the style codes
    are untouched."""
    import shutil

    from sgt_train.align import align_encoder, encoder_of, rendered_windows, retrieval
    from sgt_train.calibrate import source_tracks, training_tracks

    out, _ = smoke_checkpoint
    ck_dir = tmp_path / "ck"
    shutil.copytree(out, ck_dir)
    ck = Checkpoint.load(ck_dir)
    before = {k: v.copy() for k, v in ck.weights.items()}
    codes = {n: list(e["code"]) for n, e in ck.styles.items()}
    tracks = training_tracks(ck, 25.0)
    fit, probe = tracks[:10], tracks[10:13]
    names = list(ck.styles)
    table = torch.tensor(np.array([codes[n] for n in names]), dtype=torch.float32)
    win = int(ck.encoder["window"])
    unseen = rendered_windows(ck, [t.load_audio() for t in probe], names, win, win // 2, 1, 123_457)
    enc0 = encoder_of(ck).eval()
    score0 = retrieval(enc0, unseen, table, ck.norm)
    sources = source_tracks(ck, fit, 25.0)
    real = np.array([t.motion[:win] for ts in sources.values() for t in ts if len(t.motion) >= win], np.float32)
    record = align_encoder(ck, fit, sources, {"steps": 600, "lr": 1e-3, "hop_s": 0.5, "seeds": 2, "real_keep": 1.0,
                                              "validation_every": 0}, log=lambda *_: None)
    ck.save(ck_dir)
    after = Checkpoint.load(ck_dir)
    enc1 = encoder_of(after).eval()
    score1 = retrieval(enc1, unseen, table, after.norm)
    assert score1 > max(score0 + 15, 200 / len(names)), (score0, score1)     # 7% -> 36% here; chance 7%
    assert after.encoder["alignment"]["steps"] == record["steps"] == 600
    for k, v in before.items():
        if not k.startswith("encoder."):
            np.testing.assert_array_equal(v, after.weights[k])
    assert any(not np.array_equal(before[k], after.weights[k]) for k in before if k.startswith("encoder."))
    assert {n: e["code"] for n, e in after.styles.items()} == codes
    x = torch.tensor((real - after.norm["motion_mean"]) / after.norm["motion_std"])
    loose = Checkpoint.load(out)                 # the same alignment without real_keep
    align_encoder(loose, fit, sources, {"steps": 600, "lr": 1e-3, "hop_s": 0.5, "seeds": 2, "real_keep": 0.0,
                                        "validation_every": 0}, log=lambda *_: None)
    with torch.no_grad():
        kept, moved = (enc0(x) * enc1(x)).sum(1).mean(), (enc0(x) * encoder_of(loose)(x)).sum(1).mean()
    assert float(kept) > float(moved) + 0.1, (float(kept), float(moved))
    np.testing.assert_allclose(NumpyStyleEncoder.from_checkpoint(after).encode_window(real[0]),
                               enc1(x[:1]).detach().numpy()[0], atol=1e-5)
