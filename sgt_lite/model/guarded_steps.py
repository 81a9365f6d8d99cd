"""Network steps with the NaN guard, the one way the Animator and the pool call a backend.

A row whose outputs or new state hold NaN/Inf is replaced by the last good output and its state
restarts from zero, so nothing non-finite leaves the network and one bad frame does not poison
the ones after it. Buffer-graph backends (LiteRT, onnxruntime) run the whole loop in C
(``sgt_lite.model._graph_steps``: the same copies, without the Python around each invoke);
:func:`guarded_steps` is the Python loop, used by the numpy step (with the same module's C check
of each row, ``guard``) and where that is not built.
"""
import importlib
import logging
import math

import numpy as np

log = logging.getLogger(__name__)

C_MODULE = "sgt_lite.model._graph_steps"


def _python_guard(out, h, c, last) -> bool:
    # NaN/Inf propagate through a sum; float64 cannot overflow on float32 values
    if math.isfinite(np.add.reduce(out, dtype=np.float64) + np.add.reduce(h, None, np.float64)
                     + np.add.reduce(c, None, np.float64)):
        last[:] = out
        return True
    h[:] = 0.0
    c[:] = 0.0
    out[:] = last
    return False


def guarded_steps(run, xs, h, c, out, last, carry, guard=None) -> list:
    """Runs ``run(xs, h, c, out)`` (a backend's row step) over the rows of ``xs`` with the NaN guard;
    returns the indices of the rows that were replaced.

    - ``carry=True``: the rows are consecutive frames of one stream; ``h``, ``c`` are (1, layers,
      hidden) and carried from row to row; ``last`` is that stream's last good output (size,).
    - ``carry=False``: one row per stream; ``h``, ``c`` are (n, layers, hidden); ``last`` is (n, size).

    ``guard``: the C check of one carried row (:func:`c_guard`), or None for the same check in numpy.

    >>> import numpy as np
    >>> def run(xs, h, c, out):                       # a toy step: out = x, h += 1
    ...     out[:] = xs; h += 1.0
    >>> h, c, out, last = np.zeros((1, 1, 2), np.float32), np.zeros((1, 1, 2), np.float32), np.zeros((2, 2), np.float32), np.zeros(2, np.float32)
    >>> guarded_steps(run, np.array([[1, 2], [np.nan, 3]], np.float32), h, c, out, last, True)
    [1]
    >>> out.tolist(), h.tolist()
    ([[1.0, 2.0], [1.0, 2.0]], [[[0.0, 0.0]]])
    """
    n = len(xs)
    if n == 0:
        return []
    if carry:
        bad = []
        guard = guard or _python_guard
        last = last.reshape(-1)
        for k in range(n):
            run(xs[k:k + 1], h, c, out[k:k + 1])
            if not guard(out[k], h, c, last):
                bad.append(k)
        return bad
    run(xs, h, c, out)
    ok = np.isfinite(out[:n]).all(1) & np.isfinite(h.reshape(n, -1)).all(1) & np.isfinite(c.reshape(n, -1)).all(1)
    if ok.all():
        last[:n] = out[:n]
        return []
    bad = np.flatnonzero(~ok)
    h[bad], c[bad], out[bad] = 0.0, 0.0, last[bad]
    last[:n] = out[:n]
    return bad.tolist()


def load_c_steps():
    """The C loop's module, or None: not built, or ``SGT_LITE_FRAMES=python`` (which asks for the
    Python stages everywhere; ``=c`` makes a missing build an error)."""
    from ..events.native import frames_choice

    if frames_choice(C_MODULE) != "c":
        return None
    return importlib.import_module(C_MODULE)


def c_guard():
    """The C check of one carried row (``_graph_steps.guard``), or None (see :func:`load_c_steps`)."""
    module = load_c_steps()
    return module.guard if module is not None else None
