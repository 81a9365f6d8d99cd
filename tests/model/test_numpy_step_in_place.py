"""The numpy step's in-place LSTM against the textbook form it replaces (out-of-place, one
sigmoid over the four gates): bit for bit, since the same IEEE operations run in the same order."""
import numpy as np

from sgt_lite.model.backends import make_backend
from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle


def _textbook(step, x, h, c):
    z = np.tanh(x @ step.w_in_t + step.b_in)
    H = step.hidden
    h2, c2 = np.empty_like(h), np.empty_like(c)
    for k, (wi, wh, b) in enumerate(step.lstm):
        g = z @ wi + h[k] @ wh + b
        s = 0.5 * (1.0 + np.tanh(0.5 * g))
        cell = s[H:2 * H] * c[k] + s[:H] * np.tanh(g[2 * H:3 * H])
        h2[k] = s[3 * H:] * np.tanh(cell)
        c2[k] = np.minimum(np.maximum(cell, -step.cell_clip), step.cell_clip)
        z = h2[k]
    return z @ step.w_out + step.b_out, h2, c2


def test_in_place_step_is_the_textbook_step_bit_for_bit():
    bundle = Bundle.load(DEFAULT_BUNDLE)
    step = make_backend(bundle, "numpy")._step
    m = bundle.model
    rng = np.random.default_rng(4)
    width = m["feature_dim"] + m["noise_dim"] + m["style_dim"]
    for scale in (0.1, 1.0, 30.0, 1e4):                # up to saturated gates and a clipped cell
        h = np.zeros((1, m["layers"], m["hidden"]), np.float32)
        c, out = h.copy(), np.zeros((1, len(m["outputs"])), np.float32)
        hr, cr = h[0].copy(), c[0].copy()
        for _ in range(300):
            x = (rng.standard_normal((1, width)) * scale).astype(np.float32)
            step.run(x, h, c, out)
            ref, hr, cr = _textbook(step, x[0], hr, cr)
            assert np.array_equal(out[0], ref) and np.array_equal(h[0], hr) and np.array_equal(c[0], cr)
