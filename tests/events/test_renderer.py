"""EyeRenderer as a streaming stage: chunk invariance, seeds, reset, copies, zones, bad input."""
import copy
import logging

import numpy as np
import pytest

from sgt_lite.errors import ConfigError, DataFormatError, SgtLiteError
from sgt_lite.events import N_UNIFORMS, EyeConfig, EyeRenderer, GazeGrid

FPS = 25.0


def _mixed_listening(n, seed=9):
    """Alternating speaking and listening stretches of 1-4 s."""
    rng = np.random.default_rng(seed)
    out, listening = np.zeros(n, bool), False
    i = 0
    while i < n:
        j = i + int(rng.integers(25, 100))
        out[i:j] = listening
        listening = not listening
        i = j
    return out


def test_frames_do_not_depend_on_chunking(net_outputs, render):
    n = 25 * 40
    inputs = net_outputs(n, saccades_per_min=90, blinks_per_min=25, seed=1)
    listening = _mixed_listening(n)
    whole = render(inputs, seed=11, listening=listening)
    rng = np.random.default_rng(0)
    for chunks in ([1] * n, [7] * 200, list(rng.integers(0, 60, 400)), [n // 2, n - n // 2]):
        other = render(inputs, seed=11, chunks=[int(c) for c in chunks], listening=listening)
        np.testing.assert_array_equal(other[0], whole[0])
        np.testing.assert_array_equal(other[1], whole[1])
        assert sum((o.events for o in other[2]), []) == whole[2][0].events
        for field in ("gaze_state", "saccade", "blink_start"):
            np.testing.assert_array_equal(np.concatenate([getattr(o, field) for o in other[2]]),
                                          getattr(whole[2][0], field))


def test_the_random_stream_does_not_depend_on_the_events(net_outputs):
    # same seed, different hazards: the generator sits at the same place after each call
    n = 100
    a, b = EyeRenderer(seed=3), EyeRenderer(seed=3)
    a.step(*net_outputs(n, saccades_per_min=300, blinks_per_min=60))
    b.step(*net_outputs(n, saccades_per_min=1, blinks_per_min=1))
    assert a._rng.random() == b._rng.random()
    c = EyeRenderer(seed=3)
    c._rng.random((n, N_UNIFORMS))
    c._rng.random()
    assert c._rng.random() == a._rng.random()


def test_seeds_differ_and_reset_reproduces(net_outputs, render):
    n = 25 * 60
    inputs = net_outputs(n, saccades_per_min=60, seed=2)
    g0, _, o0 = render(inputs, seed=0)
    g1, _, o1 = render(inputs, seed=1)
    assert abs(np.corrcoef(g0[:, 0], g1[:, 0])[0, 1]) < 0.5
    t0 = [e.t for e in o0[0].events if e.kind == "saccade"]
    t1 = [e.t for e in o1[0].events if e.kind == "saccade"]
    assert t0 != t1 and len(t0) > 20 and len(t1) > 20
    r = EyeRenderer(seed=0)
    r.step(*net_outputs(37))
    r.reset(seed=0)
    g, _, _ = render(inputs, renderer=r)
    np.testing.assert_array_equal(g, g0)
    r.reset(seed=1)
    assert r.t == 0.0
    np.testing.assert_array_equal(render(inputs, renderer=r)[0], g1)


def test_a_copy_mid_stream_continues_identically(net_outputs):
    inputs = net_outputs(200, saccades_per_min=120, blinks_per_min=30)
    r = EyeRenderer(seed=5)
    r.step(*(a[:80] for a in inputs))
    twin = copy.deepcopy(r)
    x = r.step(*(a[80:] for a in inputs))
    y = twin.step(*(a[80:] for a in inputs))
    np.testing.assert_array_equal(x.gaze_yaw, y.gaze_yaw)
    np.testing.assert_array_equal(x.blink, y.blink)
    assert x.events == y.events


def test_an_empty_chunk_changes_nothing(net_outputs):
    inputs = net_outputs(60)
    a, b = EyeRenderer(seed=8), EyeRenderer(seed=8)
    empty = b.step(*(x[:0] for x in inputs))
    assert empty.gaze_yaw.shape == (0,) and empty.events == []
    np.testing.assert_array_equal(a.step(*inputs).gaze_yaw, b.step(*inputs).gaze_yaw)


def test_the_state_picks_the_zone_and_the_grid_the_cell(net_outputs):
    n = 25 * 60
    cfg = EyeConfig()
    grid = cfg.grid
    centre = set(cfg.centre_cells())
    s, b, t, _ = net_outputs(n, saccades_per_min=120)
    away = EyeRenderer(cfg, seed=1).step(s, b, t, np.tile([-20.0, 20.0, -20.0], (n, 1)))
    sac = [e for e in away.events if e.kind == "saccade"]
    assert sac and all(grid.cell_of(e.yaw, e.pitch) not in centre for e in sac)
    assert all(e.state == 1 for e in sac)
    home = EyeRenderer(cfg, seed=1).step(s, b, t, np.tile([20.0, -20.0, 20.0], (n, 1)))
    sac = [e for e in home.events if e.kind == "saccade"]
    assert sac and all(grid.cell_of(e.yaw, e.pitch) in centre for e in sac)
    # mixed states: a return lands in the centre from outside it (the pose at the onset frame is
    # where the saccade starts), a fixation from inside it
    mixed = EyeRenderer(cfg, seed=1).step(s, b, t, np.tile([0.0, 0.0, 0.0], (n, 1)))
    sac = [e for e in mixed.events if e.kind == "saccade"]
    assert {0, 1, 2} <= {e.state for e in sac}
    for e in sac:
        k = int(e.t * FPS)
        start_in = grid.cell_of(float(mixed.gaze_yaw[k]), float(mixed.gaze_pitch[k])) in centre
        lands_in = grid.cell_of(e.yaw, e.pitch) in centre
        assert e.state == (1 if not lands_in else 0 if start_in else 2)
    # within the away zone, landings follow the grid: one favoured cell gets nearly all of them
    t1 = np.full((n, grid.n_cells), -5.0)
    fav = grid.cell_of(-14.0, 6.0)
    t1[:, fav] = 5.0
    out = EyeRenderer(cfg, seed=2).step(s, b, t1, np.tile([-20.0, 20.0, -20.0], (n, 1)))
    cells = [grid.cell_of(e.yaw, e.pitch) for e in out.events if e.kind == "saccade"]
    assert np.mean(np.array(cells) == fav) > 0.9


def test_nothing_teleports(net_outputs, render, frame_speed):
    # every fast frame step is part of a saccade or microsaccade in progress, also across
    # speaking/listening switches
    n = 25 * 60
    listening = _mixed_listening(n, seed=4)
    gaze, _, outs = render(net_outputs(n, saccades_per_min=80, seed=3), seed=6, listening=listening)
    speed = frame_speed(gaze)
    explained = np.zeros(n - 1, bool)
    for e in outs[0].events:
        if e.kind != "blink":
            k = int(np.floor(e.t * FPS))
            explained[k:int(np.ceil((e.t + e.duration) * FPS))] = True
    assert speed[~explained].max() < 3.0
    assert np.isfinite(gaze).all()


def test_non_finite_logits_start_nothing_and_warn_once(caplog):
    n = 50
    bad = np.full(n, np.nan)
    r = EyeRenderer(seed=0, config=EyeConfig(microsaccade_per_s=0.0))
    with caplog.at_level(logging.WARNING, logger="sgt_lite.events.renderer"):
        out = r.step(bad, np.full(n, np.inf), np.full((n, 35), np.nan), np.full((n, 3), np.nan))
        r.step(bad, bad, np.zeros((n, 35)), np.zeros((n, 3)))
    assert out.events == [] and np.isfinite(out.gaze_yaw).all() and np.all(out.blink == 0)
    assert len([m for m in caplog.messages if "non-finite" in m]) == 1
    # a NaN target row with a real saccade falls back to the centre
    s = np.full(n, -30.0)
    s[5] = 30.0
    out = r.step(s, np.full(n, -30.0), np.full((n, 35), np.nan), np.zeros((n, 3)))
    (e,) = [e for e in out.events if e.kind == "saccade"]
    assert EyeConfig().grid.cell_of(e.yaw, e.pitch) in EyeConfig().centre_cells()


@pytest.mark.parametrize("bad, word", [
    (dict(target_logits=np.zeros((10, 34))), "target_logits"),
    (dict(state_logits=np.zeros((10, 2))), "state_logits"),
    (dict(blink_logit=np.zeros(9)), "blink_logit"),
    (dict(saccade_logit=np.zeros((10, 1))), "saccade_logit"),
    (dict(listening=np.zeros(3, bool)), "listening"),
])
def test_bad_shapes_name_the_input(bad, word):
    args = dict(saccade_logit=np.zeros(10), blink_logit=np.zeros(10), target_logits=np.zeros((10, 35)),
                state_logits=np.zeros((10, 3)))
    args.update(bad)
    with pytest.raises(DataFormatError, match=word):
        EyeRenderer().step(**args)


def test_listening_only_calls_need_a_frame_count():
    r = EyeRenderer()
    with pytest.raises(DataFormatError, match="n_frames"):
        r.step(listening=True)
    with pytest.raises(DataFormatError, match="not listening"):
        r.step(n_frames=5)
    with pytest.raises(DataFormatError, match="all four"):
        r.step(np.zeros(5), n_frames=5, listening=True)
    assert len(r.step(listening=np.ones(7, bool)).gaze_yaw) == 7


def test_config_round_trips_and_rejects_bad_fields():
    cfg = EyeConfig(grid=GazeGrid(n_yaw=9, n_pitch=7, yaw_deg=25.0), blink_saccade_prob=0.4)
    assert EyeConfig.from_dict(cfg.to_dict()) == cfg
    assert EyeConfig.from_dict({}) == EyeConfig()
    with pytest.raises(ConfigError, match="did you mean 'blink_close_s'"):
        EyeConfig.from_dict({"blink_closes": 0.08})
    with pytest.raises(ConfigError, match=r"eyes\.grid\.n_yaw: expected a whole number"):
        EyeConfig.from_dict({"grid": {"n_yaw": 7.5}})
    with pytest.raises(ConfigError, match="microsaccade_min_deg"):
        EyeConfig.from_dict({"microsaccade_min_deg": 0.9, "microsaccade_max_deg": 0.5})
    with pytest.raises(SgtLiteError):
        EyeRenderer(fps=0)
