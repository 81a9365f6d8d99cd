"""Compute backends for the generator step: LiteRT, onnxruntime, numpy. One switch: ``backend=``
(or the ``SGT_LITE_BACKEND`` environment variable when ``backend="auto"``)."""
import importlib
import logging
import os

import numpy as np

from ..errors import BackendUnavailableError, ConfigError, ModelFileError
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


class NumpyBackend:
    """The int8 weights, dequantised once, run by :class:`NumpyStep`."""

    name = "numpy"

    def __init__(self, bundle, threads=1):
        path = bundle.file("numpy")
        try:
            with np.load(path, allow_pickle=False) as z:
                raw = {k: z[k] for k in z.files}
        except Exception as exc:
            raise ModelFileError(f"cannot read {path} ({exc})") from exc
        weights = {}
        for k, v in raw.items():
            if k.endswith(".q"):
                weights[k[:-2]] = v.astype(np.float32) * raw[k[:-2] + ".scale"]
            elif not k.endswith(".scale"):
                weights[k] = v.astype(np.float32)
        gen = {k[len("generator."):]: v for k, v in weights.items() if k.startswith("generator.")}
        self.encoder_weights = {k: v for k, v in weights.items() if k.startswith("encoder.")}
        self._step = NumpyStep(gen, bundle.model["layers"], bundle.model["cell_clip"])

    def __call__(self, x, style, h, c):
        return self._step(x, style, h, c)


class OnnxBackend:
    name = "onnx"

    def __init__(self, bundle, threads=1):
        ort = _import_runtime("onnx")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        path = bundle.file("onnx")
        try:
            self._sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelFileError(f"cannot load {path} ({exc})") from exc
        self._layers = bundle.model["layers"]

    def __call__(self, x, style, h, c):
        raw, h2, c2 = self._sess.run(None, {"x": x[None], "style": style[None], "h": h[:, None], "c": c[:, None]})
        return raw[0], h2[:, 0], c2[:, 0]


class LiteRTBackend:
    name = "litert"

    def __init__(self, bundle, threads=1):
        mod = _import_runtime("litert")
        path = bundle.file("tflite")
        try:
            self._interp = mod.Interpreter(model_path=path, num_threads=threads)
            self._interp.allocate_tensors()
        except Exception as exc:
            raise ModelFileError(f"cannot load {path} ({exc})") from exc
        ins = sorted(self._interp.get_input_details(), key=lambda d: d["index"])
        outs = sorted(self._interp.get_output_details(), key=lambda d: d["index"])
        order = bundle.config["tflite_io"]
        self._in = [next(d["index"] for d in ins if d["name"] == n) for n in order["inputs"]]
        self._out = [next(d["index"] for d in outs if d["name"] == n) for n in order["outputs"]]

    def __call__(self, x, style, h, c):
        it = self._interp
        it.set_tensor(self._in[0], x[None])
        it.set_tensor(self._in[1], style[None])
        it.set_tensor(self._in[2], np.ascontiguousarray(h[:, None]))
        it.set_tensor(self._in[3], np.ascontiguousarray(c[:, None]))
        it.invoke()
        return (it.get_tensor(self._out[0])[0].copy(), it.get_tensor(self._out[1])[:, 0].copy(),
                it.get_tensor(self._out[2])[:, 0].copy())


_CLASSES = {"numpy": NumpyBackend, "onnx": OnnxBackend, "litert": LiteRTBackend}


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
        return _CLASSES[backend](bundle, threads)
    reasons = []
    for name in AUTO_ORDER:
        try:
            chosen = _CLASSES[name](bundle, threads)
        except BackendUnavailableError as exc:
            reasons.append(str(exc))
            continue
        if reasons:
            log.warning("backend 'auto' fell back to %r: %s", name, " | ".join(reasons))
        return chosen
    raise BackendUnavailableError("no backend could be loaded: " + " | ".join(reasons))
