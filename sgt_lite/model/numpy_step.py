"""The generator's single step in pure numpy: the dependency-free backend and test oracle."""
import numpy as np

from .guarded_steps import guarded_steps


class NumpyStep:
    """(x_t, style, h, c) -> (raw outputs, h', c') for the LSTM generator.

    ``x_t`` is the normalised stacked features concatenated with the noise;
    ``h`` and ``c`` are (layers, hidden). Raw outputs are the normalised angles
    followed by the blink logit and the pattern logits. ``guard``: the NaN check
    :meth:`steps` uses (:func:`~sgt_lite.model.guarded_steps.c_guard`; None: numpy's).
    """

    def __init__(self, weights: dict, layers: int, cell_clip: float, guard=None):
        self.layers, self.cell_clip = layers, cell_clip
        self.w_in, self.b_in = weights["inp.weight"], weights["inp.bias"]
        self.w_in_t = self.w_in.T
        self.lstm = [(weights[f"lstm.weight_ih_l{k}"].T.copy(), weights[f"lstm.weight_hh_l{k}"].T.copy(),
                      weights[f"lstm.bias_ih_l{k}"] + weights[f"lstm.bias_hh_l{k}"]) for k in range(layers)]
        self.w_out, self.b_out = weights["out.weight"].T.copy(), weights["out.bias"]
        self.hidden = self.lstm[0][1].shape[0]
        self.guard = guard

    def initial_state(self):
        return np.zeros((self.layers, self.hidden), np.float32), np.zeros((self.layers, self.hidden), np.float32)

    def __call__(self, x, style, h, c):
        h2, c2 = np.empty_like(h), np.empty_like(c)
        return self.joined(np.concatenate([x, style]), h, c, h2, c2), h2, c2

    def run(self, xs, h, c, out):
        """One frame for each of n streams: ``xs`` (n, in + style) float32 rows [x_t, style]; the
        state ``h``, ``c`` (n, layers, hidden) is updated in place and the outputs written to
        ``out`` (n, outputs). Row by row, so each stream's numbers are exactly a lone stream's
        (a batched matmul rounds differently)."""
        step = self.joined
        for i in range(len(xs)):
            out[i] = step(xs[i], h[i], c[i], h[i], c[i])

    def steps(self, xs, h, c, out, last, carry) -> list:
        """:meth:`run` with the NaN guard (see :func:`~sgt_lite.model.guarded_steps.guarded_steps`)."""
        return guarded_steps(self.run, xs, h, c, out, last, carry, self.guard)

    def joined(self, xs, h, c, h2, c2):
        """One frame from ``xs`` = [x_t, style]; writes the new state into ``h2``, ``c2`` (which
        may be ``h``, ``c`` themselves: layer k reads its own rows before writing them).
        Elementwise steps run on whole gate vectors (one sigmoid over all four gates) and in
        place: the same IEEE operations in the same order as gate by gate, in fewer numpy calls
        and allocations."""
        z = np.tanh(xs @ self.w_in_t + self.b_in)
        H, clip = self.hidden, self.cell_clip
        for k, (wi, wh, b) in enumerate(self.lstm):
            g = z @ wi
            g += h[k] @ wh
            g += b
            s = g * 0.5                                 # sigmoid(g) = 0.5 * (1 + tanh(0.5 g))
            np.tanh(s, out=s)
            s += 1.0
            s *= 0.5
            t = np.tanh(g[2 * H:3 * H])
            t *= s[:H]
            cell = s[H:2 * H] * c[k]
            cell += t
            np.multiply(s[3 * H:], np.tanh(cell), out=h2[k])
            # the state carried to the next frame is bounded (same clamp as the exported graphs)
            np.minimum(np.maximum(cell, -clip, out=cell), clip, out=c2[k])
            z = h2[k]
        return z @ self.w_out + self.b_out
