"""The backends' lean I/O (LiteRT's live tensor views, onnxruntime's bound buffers) against each
runtime's plain public calls: the same numbers, bit for bit, over a long run with the state
carried from step to step."""
import numpy as np
import pytest

from sgt_lite.model.backends import LiteRTBackend, OnnxBackend, installed_backends
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

BUNDLE = Bundle.load(DEFAULT_BUNDLE)
M = BUNDLE.model
D_IN = M["feature_dim"] + M["noise_dim"] + M["style_dim"]


def _inputs(steps, streams, seed=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((steps, streams, D_IN)).astype(np.float32)


def _run(backend, xs):
    """Runs every step's rows through ``backend.run``; all outputs and the final state."""
    steps, streams = xs.shape[:2]
    h = np.zeros((streams, M["layers"], M["hidden"]), np.float32)
    c = h.copy()
    outs = np.empty((steps, streams, len(M["outputs"])), np.float32)
    for t in range(steps):
        backend.run(xs[t], h, c, outs[t])
    return outs, h, c


@pytest.mark.skipif("litert" not in installed_backends(), reason="needs ai_edge_litert or tflite-runtime")
def test_litert_live_views_give_the_public_api_numbers():
    lean = LiteRTBackend(BUNDLE)
    assert lean.live_views            # both ai_edge_litert and tflite-runtime have the wrapper's Invoke
    public = LiteRTBackend(BUNDLE, live_views=False)
    xs = _inputs(300, 3)
    for a, b in zip(_run(lean, xs), _run(public, xs)):
        assert np.array_equal(a, b)
    # one lean backend serving interleaved streams keeps them apart (the pool's use)
    solo = [_run(LiteRTBackend(BUNDLE), xs[:, i:i + 1])[0][:, 0] for i in range(3)]
    assert all(np.array_equal(solo[i], _run(lean, xs)[0][:, i]) for i in range(3))


@pytest.mark.skipif("litert" not in installed_backends(), reason="needs ai_edge_litert or tflite-runtime")
def test_litert_call_matches_run():
    lean = LiteRTBackend(BUNDLE)
    x = _inputs(1, 1)[0, 0]
    h = np.full((M["layers"], M["hidden"]), 0.1, np.float32)
    raw, h2, c2 = lean(x[:D_IN - M["style_dim"]], x[D_IN - M["style_dim"]:], h, h * 2)
    out, H, C = np.empty((1, raw.size), np.float32), h[None].copy(), (h * 2)[None]
    LiteRTBackend(BUNDLE, live_views=False).run(x[None], H, C, out)
    assert np.array_equal(raw, out[0]) and np.array_equal(h2, H[0]) and np.array_equal(c2, C[0])
    assert np.array_equal(h, np.full_like(h, 0.1))          # the caller's state is not written


@pytest.mark.skipif("onnx" not in installed_backends(), reason="needs onnxruntime")
def test_onnx_bound_buffers_give_session_run_numbers():
    lean = OnnxBackend(BUNDLE)
    xs = _inputs(300, 2, seed=9)
    outs, h_end, c_end = _run(lean, xs)
    split = M["feature_dim"] + M["noise_dim"]
    for i in range(2):
        h = np.zeros((M["layers"], 1, M["hidden"]), np.float32)
        c = h.copy()
        for t in range(len(xs)):
            raw, h, c = lean._sess.run(None, {"x": xs[t, i:i + 1, :split], "style": xs[t, i:i + 1, split:],
                                              "h": h, "c": c})
            assert np.array_equal(raw[0], outs[t, i])
        assert np.array_equal(h[:, 0], h_end[i]) and np.array_equal(c[:, 0], c_end[i])


def _buffer_graphs():
    out = []
    if "litert" in installed_backends():
        out.append(LiteRTBackend)
    if "onnx" in installed_backends():
        out.append(OnnxBackend)
    return out


def _guarded(steps_fn, xs, carry):
    """Every step's rows through ``steps_fn`` (a backend's ``steps``); outputs, state, last, bad rows."""
    streams = 1 if carry else xs.shape[1]
    h = np.full((streams, M["layers"], M["hidden"]), 0.05, np.float32)
    c = h.copy()
    last = np.full((streams, len(M["outputs"])), 7.0, np.float32)
    outs = np.empty(xs.shape[:2] + (len(M["outputs"]),), np.float32)
    bad = [steps_fn(xs[t], h, c, outs[t], last[0] if carry else last, carry) for t in range(len(xs))]
    return outs, h, c, last, bad


@pytest.mark.parametrize("cls", _buffer_graphs())
@pytest.mark.parametrize("carry", [True, False])
def test_c_row_loop_gives_the_python_loop_numbers_and_guards_nan(cls, carry):
    """The C loop (sgt_lite.model._graph_steps) against the Python loop on the same runtime, with rows
    whose inputs are NaN or infinite: rows that give NaN/Inf hold the last good output and restart from a zero state."""
    backend = cls(BUNDLE)
    if backend._c_steps is None:
        pytest.skip("sgt_lite.model._graph_steps is not built")
    xs = _inputs(40, 4, seed=3)
    xs[5, 1, 0] = np.nan
    xs[6, 1:3, 3] = np.inf
    xs[20, :, :] = np.nan                       # every row of one step (the first frame of a chunk, for carry)
    c_side = _guarded(backend.steps, xs, carry)
    backend._c_steps = None                     # the same backend object through guarded_steps' Python loop
    py_side = _guarded(backend.steps, xs, carry)
    for a, b in zip(c_side[:4], py_side[:4]):
        assert np.isfinite(a).all() and np.array_equal(a, b)
    assert c_side[4] == py_side[4]
    # whether NaN inputs come out NaN depends on the runtime: onnxruntime's int8 graph quantises its
    # inputs on the fly, and tflite-runtime 2.14's XNNPACK clamps them; ai_edge_litert passes them on
    h, c = np.zeros((2, 1, M["layers"], M["hidden"]), np.float32)
    probe = np.empty((1, len(M["outputs"])), np.float32)
    backend.run(xs[20, :1], h, c, probe)
    if not (np.isfinite(probe).all() and np.isfinite(h).all() and np.isfinite(c).all()):
        assert c_side[4][20] == [0, 1, 2, 3] and c_side[4][5] == [1]


@pytest.mark.parametrize("cls", _buffer_graphs())
def test_c_row_loop_refuses_bad_buffers(cls):
    from sgt_lite.errors import ConfigError

    backend = cls(BUNDLE)
    if backend._c_steps is None:
        pytest.skip("sgt_lite.model._graph_steps is not built")
    size, state = len(M["outputs"]), (1, M["layers"], M["hidden"])
    good = dict(xs=np.zeros((2, D_IN), np.float32), h=np.zeros(state, np.float32), c=np.zeros(state, np.float32),
                out=np.zeros((2, size), np.float32), last=np.zeros(size, np.float32))
    assert backend.steps(*good.values(), True) == []
    for key, bad in (("xs", np.zeros((2, D_IN + 1), np.float32)), ("xs", np.zeros((2, D_IN))),
                     ("h", np.zeros(3, np.float32)), ("out", np.zeros((1, size), np.float32)),
                     ("last", np.zeros(size, np.float32)[::2]), ("c", np.zeros(state, np.float32).view(np.int32))):
        with pytest.raises(ConfigError):
            backend.steps(*dict(good, **{key: bad}).values(), True)
    with pytest.raises(ConfigError, match="tuple of 7"):
        type(backend._c_steps)(backend._invoke, ())
