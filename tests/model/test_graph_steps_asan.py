"""The buffer graphs' C row loop (sgt_lite.model._graph_steps) built with ASan + UBSan and driven
through a real runtime (LiteRT, else onnxruntime) with extreme rows (NaN, Inf, huge values, empty
chunks), broken buffers and a failing invoke: no memory error, no undefined behaviour, only
sgt_lite errors (or the invoke's own), and the Python loop's numbers. Skips where the compiler,
its sanitizer runtime, the Python headers or both runtimes are missing."""
import pathlib

import pytest

from sgt_lite.model.backends import installed_backends

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "sgt_lite"

SCRIPT = r'''
import importlib.util, sys
import numpy as np
import sgt_lite.errors as E
from sgt_lite.model.backends import make_backend
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle
spec = importlib.util.spec_from_file_location("sgt_lite.model._graph_steps", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
b = Bundle.load(DEFAULT_BUNDLE)
m = b.model
be, ref = make_backend(b, "BACKEND"), make_backend(b, "BACKEND")
ref._c_steps = None                                  # the Python loop on its own interpreter
views = tuple(be._views)
gs = mod.GraphSteps(be._invoke, views)
D, S, L = m["feature_dim"] + m["noise_dim"] + m["style_dim"], len(m["outputs"]), (m["layers"], m["hidden"])
rng = np.random.default_rng(0)
specials = np.array([np.nan, np.inf, -np.inf, 3e38, -3e38, 0.0, 1e-40], np.float32)
for trial in range(300):
    n, carry = int(rng.integers(0, 12)), bool(trial % 2)
    xs = (rng.standard_normal((n, D)) * 10.0 ** rng.integers(-3, 6)).astype(np.float32)
    if trial % 3 == 0 and n:
        xs.flat[rng.integers(0, xs.size, 5)] = rng.choice(specials, 5)
    rows = 1 if carry else n
    h = (rng.standard_normal((rows,) + L) * (1e30 if trial % 11 == 0 else 0.5)).astype(np.float32)
    c = rng.standard_normal((rows,) + L).astype(np.float32)
    if trial % 5 == 0 and rows:
        c.flat[rng.integers(0, c.size)] = np.nan
    last = rng.standard_normal((rows, S)).astype(np.float32)
    a = [xs, h, c, np.zeros((n, S), np.float32), last[0] if carry and rows else last]
    r = [v.copy() for v in a]
    bad = gs(*a, carry)
    assert bad == ref.steps(*r, carry), trial
    assert all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a[1:], r[1:])), trial
    assert np.isfinite(a[3]).all() or not np.isfinite(a[4]).all()
good = dict(xs=np.zeros((2, D), np.float32), h=np.zeros((1,) + L, np.float32), c=np.zeros((1,) + L, np.float32),
            out=np.zeros((2, S), np.float32), last=np.zeros(S, np.float32))


def refuses(what, call, error=E.ConfigError):
    try:
        call()
    except error:
        return
    raise SystemExit(f"accepted {what}")


for key, bad in (("xs", np.zeros((2, D + 1), np.float32)), ("xs", np.zeros((2, D))), ("h", np.zeros(3, np.float32)),
                 ("out", np.zeros((1, S), np.float32)), ("last", np.zeros(2 * S, np.float32)[::2]),
                 ("c", np.zeros((1,) + L, np.float32).view(np.int32)), ("out", np.zeros((2, S), np.float32)[:, ::-1]),
                 ("h", b"x" * 4 * L[0] * L[1])):
    refuses(f"a bad {key}", lambda: gs(*dict(good, **{key: bad}).values(), True))
for args in ((be._invoke, views[:6]), (None, views), (be._invoke, views[:2] + (views[4],) + views[3:]),
             (be._invoke, (np.zeros(3),) + views[1:]), (be._invoke, list(views))):
    refuses(f"GraphSteps{args!r:.60}", lambda: mod.GraphSteps(*args))
refuses("a failing invoke", lambda: mod.GraphSteps(lambda: 1 / 0, views)(*good.values(), True), ZeroDivisionError)
refuses("a second binding", lambda: gs.__init__(be._invoke, views))
row, hh, cc, last = np.full(S, np.nan, np.float32), np.ones(L, np.float32), np.ones(L, np.float32), np.ones(S, np.float32)
assert mod.guard(row, hh, cc, last) is False and (row == 1).all() and not hh.any() and not cc.any()
assert mod.guard(np.full(S, 2.0, np.float32), hh, cc, last) is True and (last == 2).all()
for args in ((np.zeros(S), hh, cc, last), (row, hh, np.zeros(1, np.float32), last), (row, hh, cc, last[:2])):
    refuses("a bad guard buffer", lambda: mod.guard(*args))
print("asan run clean")
'''


def test_graph_steps_under_asan_with_extreme_rows_and_bad_buffers(run_under_asan):
    installed = [b for b in ("litert", "onnx") if b in installed_backends()]
    if not installed:
        pytest.skip("needs ai_edge_litert, tflite-runtime or onnxruntime")
    res = run_under_asan([PACKAGE / "model" / "_graph_steps_binding.c"], [PACKAGE],
                         SCRIPT.replace("BACKEND", installed[0]))
    assert res.returncode == 0 and "asan run clean" in res.stdout, res.stderr[-4000:] + res.stdout[-2000:]
