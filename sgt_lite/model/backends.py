"""Compute backends for the generator step: LiteRT, onnxruntime, numpy. One switch: ``backend=``
(or the ``SGT_LITE_BACKEND`` environment variable when ``backend="auto"``)."""
import functools
import importlib
import io
import logging
import os

import numpy as np

from ..errors import BackendUnavailableError, ConfigError, ModelFileError
from ..native_logs import native_stderr_to_log
from .guarded_steps import c_guard, guarded_steps, load_c_steps
from .numpy_step import NumpyStep

log = logging.getLogger(__name__)

# Module names of each runtime, in preference order. Tests patch this to simulate a missing one.
RUNTIME_MODULES = {
    "litert": ("ai_edge_litert.interpreter", "tflite_runtime.interpreter"),
    "onnx": ("onnxruntime",),
    "numpy": (),
}
AUTO_ORDER = ("litert", "onnx", "numpy")   # fastest first, as measured by benchmarks/bench_runtime.py
BACKEND_ENV = "SGT_LITE_BACKEND"
BACKENDS = ("auto",) + tuple(RUNTIME_MODULES)


def _import_runtime(name):
    errors = []
    for module in RUNTIME_MODULES[name]:
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            errors.append(f"{module}: {exc}")
    raise BackendUnavailableError(f"backend {name!r} needs one of {RUNTIME_MODULES[name]} "
                                  f"(pip install 'sgt-lite[{name}]'); " + "; ".join(errors))


def installed_backends() -> list:
    """The backends this machine can run, numpy first: ``"numpy"`` always, then ``"onnx"`` and
    ``"litert"`` when their runtime imports (a runtime that fails to import in any way counts as
    absent).

    >>> installed_backends()[0]
    'numpy'
    """
    out = ["numpy"]
    for name in ("onnx", "litert"):
        try:
            _import_runtime(name)
        except Exception:
            continue
        out.append(name)
    return out


class NumpyBackend:
    """The int8 weights, dequantised once, run by :class:`NumpyStep`."""

    name = "numpy"

    def __init__(self, bundle, threads=1):
        path = bundle.file("numpy")
        guard = c_guard()
        try:
            with np.load(io.BytesIO(bundle.data("numpy")), allow_pickle=False) as z:
                raw = {k: z[k] for k in z.files}
            weights = {}
            for k, v in raw.items():
                if k.endswith(".q"):
                    weights[k[:-2]] = v.astype(np.float32) * raw[k[:-2] + ".scale"]
                elif not k.endswith(".scale"):
                    weights[k] = v.astype(np.float32)
            gen = {k[len("generator."):]: v for k, v in weights.items() if k.startswith("generator.")}
            self.encoder_weights = {k: v for k, v in weights.items() if k.startswith("encoder.")}
            self._step = NumpyStep(gen, bundle.model["layers"], bundle.model["cell_clip"], guard)
        except Exception as exc:
            raise ModelFileError(f"cannot read {path} ({type(exc).__name__}: {exc})") from exc

    def __call__(self, x, style, h, c):
        return self._step(x, style, h, c)

    def run(self, xs, h, c, out):
        """See :meth:`NumpyStep.run`."""
        self._step.run(xs, h, c, out)

    def steps(self, xs, h, c, out, last, carry) -> list:
        """See :func:`~sgt_lite.model.guarded_steps.guarded_steps`."""
        return guarded_steps(self.run, xs, h, c, out, last, carry, self._step.guard)


class _BufferGraph:
    """A runtime graph whose input and output buffers the backend holds as 2-D numpy views
    (``self._views``: x, style, h, c, then raw, h', c') and runs with ``self._invoke()``: a step
    copies the row and the state in, runs, and copies the outputs and the new state out.
    :meth:`steps` does that loop in C where ``sgt_lite.model._graph_steps`` is built."""

    _c_steps = None

    def _bind_views(self, invoke, views):
        self._invoke, self._views = invoke, views
        c_module = load_c_steps()
        if c_module is not None:
            self._c_steps = c_module.GraphSteps(invoke, tuple(views))

    def steps(self, xs, h, c, out, last, carry) -> list:
        """See :func:`~sgt_lite.model.guarded_steps.guarded_steps` (the same numbers in C or Python)."""
        if self._c_steps is None:
            return guarded_steps(self.run, xs, h, c, out, last, carry)
        return self._c_steps(xs, h, c, out, last, carry)

    def __call__(self, x, style, h, c):
        h2, c2, out = h.copy()[None], c.copy()[None], np.empty((1, self._n_out), np.float32)
        self.run(np.concatenate([x, style])[None].astype(np.float32), h2, c2, out)
        return out[0], h2[0], c2[0]

    def run(self, xs, h, c, out):
        """See :meth:`NumpyStep.run` (the exported graphs have a fixed batch of 1: one call per row)."""
        d, invoke = self._split, self._invoke
        vx, vs, vh, vc, vo, voh, voc = self._views
        for i in range(len(xs)):
            vx[0] = xs[i, :d]
            vs[0] = xs[i, d:]
            vh[:] = h[i]
            vc[:] = c[i]
            invoke()
            out[i] = vo[0]
            h[i] = voh
            c[i] = voc


class OnnxBackend(_BufferGraph):
    """The int8 ONNX graph on onnxruntime, its seven buffers bound once (``io_binding``)."""

    name = "onnx"

    def __init__(self, bundle, threads=1):
        ort = _import_runtime("onnx")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        path = bundle.file("onnx")
        try:
            self._sess = ort.InferenceSession(bundle.data("onnx"), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelFileError(f"cannot load {path} ({exc})") from exc
        m = bundle.model
        self._split, self._n_out = m["feature_dim"] + m["noise_dim"], len(m["outputs"])
        state = (m["layers"], 1, m["hidden"])
        inputs = {"x": (1, self._split), "style": (1, m["style_dim"]), "h": state, "c": state}
        outputs = {"raw": (1, self._n_out), "h_out": state, "c_out": state}
        binding = self._sess.io_binding()
        bufs, self._values = [], []           # the OrtValues share the buffers' memory; kept alive here
        try:
            for shapes, bind in ((inputs, binding.bind_ortvalue_input), (outputs, binding.bind_ortvalue_output)):
                for name, shape in shapes.items():
                    buf = np.zeros(shape, np.float32)
                    value = ort.OrtValue.ortvalue_from_numpy(buf)
                    bind(name, value)
                    bufs.append(buf)
                    self._values.append(value)
        except Exception as exc:
            raise ModelFileError(f"{path} does not have the inputs x, style, h, c and outputs raw, h_out, c_out "
                                 f"that bundle.json's sizes describe ({exc}); re-export it with 'python -m quantize'") from exc
        self._bind_views(functools.partial(self._sess.run_with_iobinding, binding),
                         [buf.reshape(buf.shape[0], -1) for buf in bufs])


class LiteRTBackend(_BufferGraph):
    """The int8 TFLite graph on LiteRT (or tflite-runtime).

    ``live_views`` (default): the graph's input and output buffers are taken once as numpy
    views. The tensors are allocated once and never resized, so the buffers never move, and a
    step is a few copies and the wrapper's own Invoke. (The public ``invoke()`` refuses to run
    while views exist, since it cannot know they stay valid.) A runtime without that Invoke,
    or ``live_views=False``, goes through ``set_tensor`` / ``invoke()`` / ``get_tensor``: the
    same numbers, more Python per step.
    """

    name = "litert"

    def __init__(self, bundle, threads=1, live_views=True):
        mod = _import_runtime("litert")
        path = bundle.file("tflite")
        try:
            with native_stderr_to_log(log):    # XNNPACK's INFO notice: a debug log line, not terminal noise
                self._interp = mod.Interpreter(model_content=bundle.data("tflite"), num_threads=threads)
                self._interp.allocate_tensors()
        except Exception as exc:
            raise ModelFileError(f"cannot load {path} ({exc})") from exc
        ins = sorted(self._interp.get_input_details(), key=lambda d: d["index"])
        outs = sorted(self._interp.get_output_details(), key=lambda d: d["index"])
        order = bundle.config["tflite_io"]
        self._in, self._out = (_tensor_indices(details, order[key], path, bundle, key)
                               for details, key in ((ins, "inputs"), (outs, "outputs")))
        self._split = bundle.model["feature_dim"] + bundle.model["noise_dim"]
        self._n_out = len(bundle.model["outputs"])
        invoke = getattr(getattr(self._interp, "_interpreter", None), "Invoke", None)
        self.live_views = bool(live_views) and callable(invoke)
        if self.live_views:
            self._bind_views(invoke, [self._flat(i) for i in self._in + self._out])

    def _flat(self, index):
        """A tensor's buffer as a 2-D view: x (1, in), style (1, style), h and c (layers, hidden),
        raw (1, outputs)."""
        view = self._interp.tensor(index)()
        return view.reshape(view.shape[0], -1)

    def run(self, xs, h, c, out):
        """See :meth:`NumpyStep.run` (the graph has a fixed batch of 1: one invoke per row)."""
        if self.live_views:
            super().run(xs, h, c, out)
        else:
            self._run_public(xs, h, c, out)

    def _run_public(self, xs, h, c, out):
        it, d = self._interp, self._split
        i_x, i_s, i_h, i_c = self._in
        o_raw, o_h, o_c = self._out
        for i in range(len(xs)):
            it.set_tensor(i_x, xs[i:i + 1, :d])
            it.set_tensor(i_s, xs[i:i + 1, d:])
            it.set_tensor(i_h, h[i][:, None])
            it.set_tensor(i_c, c[i][:, None])
            it.invoke()
            out[i] = it.get_tensor(o_raw)[0]
            h[i] = it.get_tensor(o_h)[:, 0]
            c[i] = it.get_tensor(o_c)[:, 0]


def _tensor_indices(details, names, path, bundle, key):
    by_name = {d["name"]: d["index"] for d in details}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ModelFileError(f"{bundle.path}/bundle.json: tflite_io.{key}: {missing} are not tensors of {path} "
                             f"(it has {sorted(by_name)}); re-export the bundle with 'python -m quantize'")
    return [by_name[n] for n in names]


_CLASSES = {"numpy": NumpyBackend, "onnx": OnnxBackend, "litert": LiteRTBackend}
_FILE_KIND = {"numpy": "numpy", "onnx": "onnx", "litert": "tflite"}


def _check_sizes(backend, bundle):
    """One step on zeros: a model whose sizes disagree with bundle.json fails here, not mid-speech."""
    m = bundle.model
    h = np.zeros((m["layers"], m["hidden"]), np.float32)
    path = bundle.file(_FILE_KIND[backend.name])
    try:
        raw, h2, c2 = (np.asarray(a) for a in backend(np.zeros(m["feature_dim"] + m["noise_dim"], np.float32),
                                                     np.zeros(m["style_dim"], np.float32), h, h.copy()))
    except Exception as exc:
        raise ModelFileError(f"{path} does not run with the sizes in bundle.json (model.feature_dim, noise_dim, "
                             f"style_dim, layers, hidden): {type(exc).__name__}: {exc}") from exc
    want = len(m["outputs"])
    if raw.shape != (want,) or h2.shape != h.shape or c2.shape != h.shape:
        raise ModelFileError(f"{path} gives outputs {raw.shape} and state {h2.shape}/{c2.shape}; bundle.json "
                             f"says ({want},) and {h.shape} (model.outputs, layers, hidden)")
    return backend


def make_backend(bundle, backend="auto", threads=1):
    """The backend object; ``auto`` takes the fastest installed one and warns once on fallback."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    if backend == "auto":
        env = os.environ.get(BACKEND_ENV, "").strip()
        if env:
            if env not in BACKENDS:
                raise ConfigError(f"{BACKEND_ENV}={env!r} is not one of {BACKENDS}")
            backend = env
    if backend != "auto":
        return _check_sizes(_CLASSES[backend](bundle, threads), bundle)
    reasons, skipped = [], []
    for name in AUTO_ORDER:
        if _FILE_KIND[name] not in bundle.files:      # a bundle may ship fewer formats
            skipped.append(f"the bundle has no {_FILE_KIND[name]!r} file")
            continue
        try:
            chosen = _CLASSES[name](bundle, threads)
        except BackendUnavailableError as exc:
            reasons.append(str(exc))
            continue
        if reasons:
            log.warning("backend 'auto' fell back to %r: %s", name, " | ".join(reasons))
        return _check_sizes(chosen, bundle)
    raise BackendUnavailableError("no backend could be loaded: " + " | ".join(reasons + skipped))


def probe(bundle):
    """``{name: (usable, why)}`` for each backend in :data:`AUTO_ORDER`, without loading a model:
    ``why`` names the runtime module a backend would use, or why it cannot run (``sgt-lite doctor``)."""
    out = {}
    for name in AUTO_ORDER:
        if _FILE_KIND[name] not in bundle.files:
            out[name] = (False, f"the bundle has no {_FILE_KIND[name]!r} file")
        elif not RUNTIME_MODULES[name]:
            out[name] = (True, "no runtime needed")
        else:
            try:
                out[name] = (True, f"via {_import_runtime(name).__name__}")
            except BackendUnavailableError as exc:
                out[name] = (False, str(exc))
    return out
