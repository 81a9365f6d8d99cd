"""The per-frame C stages (sgt_lite.events._frames) built with ASan + UBSan and fed extreme
streams (NaN, Inf, huge values, every layout edge) and broken configs and buffers: no memory
error, no undefined behaviour, only sgt_lite errors. Skips where the compiler, its sanitizer
runtime or the Python headers are missing."""
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "sgt_lite"
EVENTS = PACKAGE / "events"

SCRIPT = r'''
import importlib.util, sys
import numpy as np
import sgt_lite.errors as E
from sgt_lite import Animator
from sgt_lite.animator import Frame
from sgt_lite.events.native import frames_config
spec = importlib.util.spec_from_file_location("sgt_lite.events._frames", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
st = Animator(backend="numpy")._stream
sp = st.spec
cfg = frames_config(st.vad, st.renderer, sp.lo, sp.hi, sp.zero, sp.pose_rate, sp.noise_dim, sp.feat_mean,
                    sp.feat_std, st.xs.shape[1])
fr = mod.Frames(cfg, Frame)
fr.set_style([1.8, -0.82, 0.5] * 3, [3.0, -2.0, 1.0, 5.0, -4.0], [1.5, -1.0])
rng = np.random.default_rng(0)
size, row, d = sp.layout.size, cfg["block"] * cfg["frame_size"], cfg["input_dim"]
specials = np.array([np.nan, np.inf, -np.inf, 3e38, -3e38, 0.0, 1e-40], np.float32)
for chunk in range(400):
    n = int(rng.integers(0, 40))
    stacked = (rng.standard_normal((n, row)) * 10.0 ** rng.integers(-3, 6)).astype(np.float32)
    raw = (rng.standard_normal((n, size)) * 10.0 ** rng.integers(-3, 6)).astype(np.float32)
    draws = rng.standard_normal((n, sp.noise_dim + 3)).astype(np.float32)
    if chunk % 3 == 0 and n:
        for a in (stacked, raw, draws):
            a.flat[rng.integers(0, a.size, 5)] = rng.choice(specials, 5)
    u = rng.random((n, 16))
    if chunk % 7 == 0:
        u[:] = rng.choice([0.0, 1.0 - 2 ** -53, 0.5], u.shape)
    xs = np.zeros((max(n, 1), d), np.float32)
    fr.inputs(n, stacked, draws, xs)
    out = fr.run(n, stacked, raw, draws, u, chunk * 40)
    v = np.array(out, np.float64).reshape(-1, 7)
    assert np.isfinite(v).all() and (v[:, 1:] >= np.array(sp.lo)).all() and (v[:, 1:] <= np.array(sp.hi)).all()
    if chunk % 50 == 0:
        fr.reset()
for bad in ({"block": 10 ** 6}, {"frame_size": 4096}, {"n_cells": 5000}, {"size": 10 ** 6}, {"amp": [1.0] * 300},
            {"floor_n": 0}, {"i_target": 10 ** 6}, {"centre": [1.0]}, {"input_dim": 2}, {"pairs": [99] * 38}):
    try:
        mod.Frames(dict(cfg, **bad), Frame)
        raise SystemExit(f"accepted {bad}")
    except E.ConfigError:
        pass
for args in ((5, np.zeros(3, np.float32), raw, draws, u, 0), (-1, stacked, raw, draws, u, 0),
             (2, np.zeros((2, row)), np.zeros((2, size), np.float32), np.zeros((2, 11), np.float32), np.zeros((2, 16)), 0)):
    try:
        fr.run(*args)
        raise SystemExit("accepted a bad buffer")
    except E.BadAudioError:
        pass
print("asan run clean")
'''


def test_frames_binding_under_asan_with_extreme_streams_and_bad_configs(run_under_asan):
    res = run_under_asan([EVENTS / "_frames_binding.c", EVENTS / "csrc" / "sgt_frames.c"], [EVENTS, PACKAGE], SCRIPT,
                         flags=("-fno-builtin",))
    assert res.returncode == 0 and "asan run clean" in res.stdout, res.stderr[-4000:] + res.stdout[-2000:]
