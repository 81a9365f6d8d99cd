"""A style's pose offset (where its source holds the head and eyes) and hazard shifts (how often its
source makes saccades and blinks), applied to every frame, alike in lone and pooled streams."""
import json
import shutil

import numpy as np
import pytest

from sgt_lite import Animator, AnimatorPool
from sgt_lite.errors import ConfigError
from sgt_lite.events.motion import style_hazard_bias, style_pose_offset
from sgt_lite.model.bundle import DEFAULT_BUNDLE
from sgt_lite.model.style_table import check_entry

OFFSET = [6.0, -3.0, 1.5, -4.0, 2.0]


@pytest.fixture(scope="module")
def speech_16k():
    from sgt_lite.audio import SAMPLE_WAV, read_wav

    x, rate = read_wav(SAMPLE_WAV)
    assert rate == 16000
    return x


def _bundle_with_offsets(tmp_path, offsets, hazards=None):
    d = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, d)
    styles = json.loads((d / "styles.json").read_text())
    for name, off in offsets.items():
        if off is None:
            styles[name].pop("pose_offset", None)
        else:
            styles[name]["pose_offset"] = off
    for name, hz in (hazards or {}).items():
        styles[name]["hazard_bias"] = hz
    (d / "styles.json").write_text(json.dumps(styles))
    cfg = json.loads((d / "bundle.json").read_text())
    return d, cfg["default_style"], styles


def _frames(anim, audio):
    return np.array([f[1:] for f in anim.step(audio)])


def test_offset_shifts_every_frame_by_exactly_the_offset(tmp_path, speech_16k):
    d, style, _ = _bundle_with_offsets(tmp_path, {})
    zero, _, _ = _bundle_with_offsets(tmp_path / "z", {style: [0.0] * 5})
    shifted, _, _ = _bundle_with_offsets(tmp_path / "s", {style: OFFSET})
    a = _frames(Animator(zero, style=style, backend="numpy", seed=3), speech_16k[:48000])
    b = _frames(Animator(shifted, style=style, backend="numpy", seed=3), speech_16k[:48000])
    inside = (np.abs(a[:, 0]) < 30) & (np.abs(a[:, 3]) < 25)      # away from the clamps
    assert inside.mean() > 0.9
    np.testing.assert_allclose((b - a)[inside][:, :5], np.tile(OFFSET, (inside.sum(), 1)), atol=1e-9)
    np.testing.assert_array_equal(b[:, 5], a[:, 5])                   # the lid has no offset


def test_pool_streams_equal_lone_animators_with_offsets(tmp_path, speech_16k):
    d, style, styles = _bundle_with_offsets(tmp_path, {})
    names = sorted(n for n, e in styles.items() if "head" in e)[:2]
    d, _, _ = _bundle_with_offsets(tmp_path / "o", {names[0]: OFFSET, names[1]: [-2.0, 1.0, 0.0, 3.0, -1.0]},
                                   {names[0]: [1.5, -0.5], names[1]: [-1.0, 2.0]})
    audio = speech_16k[:32000]
    pool = AnimatorPool(n_streams=10, model=d, backend="numpy", style=names[0])
    pool.set_style(1, names[1])
    pool.set_style(2, {names[0]: 0.5, names[1]: 0.5})
    chunks = [audio[k * 640:(k + 1) * 640] for k in range(len(audio) // 640)]
    got = [[] for _ in range(10)]
    for c in chunks:
        for i, fr in enumerate(pool.step([c] * 10)):
            got[i] += fr
    for i, style_i in ((0, names[0]), (1, names[1]), (2, {names[0]: 0.5, names[1]: 0.5})):
        lone = Animator(d, style=style_i, backend="numpy", seed=i)
        want = []
        for c in chunks:
            want += lone.step(c)
        assert got[i] == want


def test_offset_lookup_blends_and_nearest():
    styles = {"a": {"code": [1.0, 0.0], "head": {}, "pose_offset": [1, 2, 3, 4, 5]},
              "b": {"code": [0.0, 1.0], "head": {}},                         # trained, no offset: none
              "mine": {"code": [0.9, 0.1]}}                                  # added from a clip
    assert style_pose_offset(styles, "a") == [1, 2, 3, 4, 5]
    assert style_pose_offset(styles, "b") == [0.0] * 5
    assert style_pose_offset(styles, "mine") == [1, 2, 3, 4, 5]
    assert style_pose_offset(styles, {"a": 1, "b": 3}) == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.25])
    assert style_pose_offset(styles, None, code=[0.1, 0.9]) == [0.0] * 5


@pytest.mark.parametrize("bad", [[1, 2, 3], [0, 0, 0, 0, 99], [0, 0, float("nan"), 0, 0], "x"])
def test_bad_offsets_are_refused_by_name(bad):
    with pytest.raises(ConfigError, match="pose_offset"):
        check_entry("s", {"code": [1.0] + [0.0] * 15, "pose_offset": bad}, 16)


def test_hazard_bias_changes_how_often_events_start(tmp_path, speech_16k):
    from sgt_lite.evaluation.eyes import detect_saccades
    from sgt_lite.evaluation.lids import detect_blinks

    d, style, _ = _bundle_with_offsets(tmp_path, {})
    counts = {}
    for shift in (-3.0, 0.0, 2.0):
        b, _, _ = _bundle_with_offsets(tmp_path / str(shift), {}, {style: [shift, shift]})
        f = _frames(Animator(b, style=style, backend="numpy", seed=1), speech_16k)
        counts[shift] = (len(detect_saccades(f[:, 3:5], 25.0)), len(detect_blinks(f[:, 5], 25.0)))
    assert counts[-3.0][0] < counts[0.0][0] < counts[2.0][0]
    assert counts[-3.0][1] < counts[2.0][1]


def test_hazard_lookup_and_validation():
    styles = {"a": {"code": [1.0, 0.0], "head": {}, "hazard_bias": [0.5, -1.0]},
              "b": {"code": [0.0, 1.0], "head": {}}}
    assert style_hazard_bias(styles, "a") == [0.5, -1.0]
    assert style_hazard_bias(styles, {"a": 1, "b": 1}) == pytest.approx([0.25, -0.5])
    assert style_hazard_bias(styles, None, code=[1.0, 0.1]) == [0.5, -1.0]
    with pytest.raises(ConfigError, match="hazard_bias"):
        check_entry("s", {"code": [1.0] + [0.0] * 15, "hazard_bias": [0.0, 50.0]}, 16)


def test_a_style_change_eases_into_the_new_pose(tmp_path, speech_16k):
    """Switching between styles whose poses differ by 20 deg moves the frames by at most the ease's
    step per frame (no jump), and reaches the new pose within a few time constants."""
    from sgt_lite.animator import POSE_EASE_S

    d, style, styles = _bundle_with_offsets(tmp_path, {})
    a, b = sorted(n for n, e in styles.items() if "head" in e)[:2]
    plain, _, _ = _bundle_with_offsets(tmp_path / "p", {a: [0.0] * 5, b: [0.0] * 5})
    posed, _, _ = _bundle_with_offsets(tmp_path / "q", {a: [10.0, 0, 0, 0, 0], b: [-10.0, 0, 0, 0, 0]})
    runs = []
    for bundle in (plain, posed):
        anim = Animator(bundle, style=a, backend="numpy", seed=2)
        first = _frames(anim, speech_16k[:32000])
        anim.set_style(b)
        runs.append(np.concatenate([first, _frames(anim, speech_16k[32000:112000])]))
    pose = runs[1][:, 0] - runs[0][:, 0]
    k = 2 * 25 - 1                     # the last frame before the change
    assert pose[:k] == pytest.approx(10.0, abs=1e-9)
    step = 20.0 * (1 - np.exp(-1 / (POSE_EASE_S * 25)))
    assert np.abs(np.diff(pose)).max() <= step + 1e-9
    assert pose[-1] == pytest.approx(-10.0, abs=0.05)
