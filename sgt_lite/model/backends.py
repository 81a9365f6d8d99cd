"""Compute backends for the generator step: LiteRT, onnxruntime, numpy. One switch: ``backend=``
(or the ``SGT_LITE_BACKEND`` environment variable when ``backend="auto"``)."""
import importlib
import io
import logging
import os

import numpy as np

from ..errors import BackendUnavailableError, ConfigError, ModelFileError
from ..native_logs import native_stderr_to_log
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
            self._step = NumpyStep(gen, bundle.model["layers"], bundle.model["cell_clip"])
        except Exception as exc:
            raise ModelFileError(f"cannot read {path} ({type(exc).__name__}: {exc})") from exc

    def __call__(self, x, style, h, c):
        return self._step(x, style, h, c)

    def run(self, xs, h, c, out):
        """See :meth:`NumpyStep.run`."""
        self._step.run(xs, h, c, out)


class OnnxBackend:
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
        self._layers = bundle.model["layers"]
        self._split = bundle.model["feature_dim"] + bundle.model["noise_dim"]

    def __call__(self, x, style, h, c):
        raw, h2, c2 = self._sess.run(None, {"x": x[None], "style": style[None], "h": h[:, None], "c": c[:, None]})
        return raw[0], h2[:, 0], c2[:, 0]

    def run(self, xs, h, c, out):
        """See :meth:`NumpyStep.run` (the exported graph has a batch of 1: one call per stream)."""
        run, d = self._sess.run, self._split
        for i in range(len(xs)):
            raw, h2, c2 = run(None, {"x": xs[i:i + 1, :d], "style": xs[i:i + 1, d:],
                                     "h": h[i][:, None], "c": c[i][:, None]})
            out[i], h[i], c[i] = raw[0], h2[:, 0], c2[:, 0]


class LiteRTBackend:
    name = "litert"

    def __init__(self, bundle, threads=1):
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
        # functions that return views of the output tensors (no copy; called after each invoke)
        self._views = [self._interp.tensor(i) for i in self._out]

    def __call__(self, x, style, h, c):
        it = self._interp
        it.set_tensor(self._in[0], x[None])
        it.set_tensor(self._in[1], style[None])
        it.set_tensor(self._in[2], np.ascontiguousarray(h[:, None]))
        it.set_tensor(self._in[3], np.ascontiguousarray(c[:, None]))
        it.invoke()
        return (it.get_tensor(self._out[0])[0].copy(), it.get_tensor(self._out[1])[:, 0].copy(),
                it.get_tensor(self._out[2])[:, 0].copy())

    def run(self, xs, h, c, out):
        """See :meth:`NumpyStep.run` (the graph has a fixed batch of 1: one invoke per stream,
        the state set into and read from the interpreter's tensors without extra copies)."""
        it, d = self._interp, self._split
        set_tensor, invoke = it.set_tensor, it.invoke
        i_x, i_s, i_h, i_c = self._in
        v_o, v_h, v_c = self._views
        for i in range(len(xs)):
            set_tensor(i_x, xs[i:i + 1, :d])
            set_tensor(i_s, xs[i:i + 1, d:])
            set_tensor(i_h, h[i][:, None])
            set_tensor(i_c, c[i][:, None])
            invoke()
            out[i] = v_o()[0]
            h[i] = v_h()[:, 0]
            c[i] = v_c()[:, 0]


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
