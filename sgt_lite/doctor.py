"""``sgt-lite doctor``: what runs where on this machine, in one report a robot builder pastes
into a bug report: architecture, Python, numpy, the importable runtimes, the backend ``auto``
picks and why, the C frontend and frame stages, and the audio devices, serial ports and I2C buses."""
import importlib
import io
import logging
import os
import platform
import sys

log = logging.getLogger(__name__)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _module_status(name):
    """{"module", "importable", "version", "error"} for one runtime module, imported for real."""
    try:
        importlib.import_module(name)
    except Exception as exc:     # a broken wheel raises more than ImportError (OSError, RuntimeError)
        return {"module": name, "importable": False, "version": None, "error": f"{type(exc).__name__}: {exc}"}
    top = name.split(".")[0]
    version = getattr(sys.modules[top], "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as dist_version

            version = dist_version(top.replace("_", "-"))
        except Exception:
            version = "unknown version"
    return {"module": name, "importable": True, "version": str(version), "error": None}


def _auto_choice(bundle, usable):
    """What make_backend(bundle, "auto") really picks, and why."""
    from .errors import SgtLiteError
    from .model import backends

    env = os.environ.get(backends.BACKEND_ENV, "").strip() or None
    try:
        chosen, error = backends.make_backend(bundle, "auto").name, None
    except SgtLiteError as exc:
        chosen, error = None, str(exc)
    if error:
        why = f"nothing loads: {error}"
    elif env:
        why = f"{backends.BACKEND_ENV}={env} overrides the automatic choice"
    else:
        order = backends.AUTO_ORDER
        why = f"the first of {' > '.join(order)} whose runtime imports and whose model file loads"
        skipped = [f"{name}: {usable[name]['why']}" for name in order[:order.index(chosen)]]
        if skipped:
            why += "; skipped " + " | ".join(skipped)
    return {"backend": chosen, "why": why, "env": env}


def collect(model=None):
    """The report as a dict (``sgt-lite doctor --json`` prints it).

    >>> rep = collect()
    >>> rep["machine"] == platform.machine(), rep["auto"]["backend"] in ("litert", "onnx", "numpy")
    (True, True)
    """
    import numpy as np

    from . import __version__
    from .audio.frontend import C_MODULE, Frontend
    from .demo import list_devices
    from .model.backends import AUTO_ORDER, RUNTIME_MODULES, probe
    from .model.bundle import DEFAULT_BUNDLE, Bundle

    libc = " ".join(v for v in platform.libc_ver() if v) or "unknown libc"
    runtimes = [_module_status(m) for name in AUTO_ORDER for m in RUNTIME_MODULES[name]]
    bundle = Bundle.load(model or DEFAULT_BUNDLE)
    usable = {name: {"usable": ok, "why": why} for name, (ok, why) in probe(bundle).items()}
    try:
        c_file, c_error = importlib.import_module(C_MODULE).__file__, None
    except ImportError as exc:
        c_file, c_error = None, str(exc)
    frontend_env = os.environ.get("SGT_LITE_FRONTEND") or None
    handler = _Collect()
    logging.getLogger("sgt_lite.audio.frontend").addHandler(handler)
    try:
        frontend_pick = Frontend(bundle.frontend).backend
    finally:
        logging.getLogger("sgt_lite.audio.frontend").removeHandler(handler)
    from .events import native
    from .model import guarded_steps

    frames, row_loop = (_c_stage(native, module) for module in (native.C_MODULE, guarded_steps.C_MODULE))
    devices = io.StringIO()
    list_devices(devices)
    return {
        "sgt_lite": __version__,
        "machine": platform.machine(),
        "libc": libc,
        "system": platform.platform(),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "python_executable": sys.executable,
        "numpy": np.__version__,
        "bundle": str(bundle.path),
        "runtimes": runtimes,
        "backends": usable,
        "auto": _auto_choice(bundle, usable),
        "frontend": {"c_built": c_file is not None, "c_module": c_file, "error": c_error,
                     "auto_picks": frontend_pick, "env": frontend_env},
        "frames": frames,
        "row_loop": row_loop,
        "devices": devices.getvalue(),
    }


def _c_stage(native, module):
    """Whether a C extension of the stages SGT_LITE_FRAMES switches is built, and what runs."""
    try:
        path, error = importlib.import_module(module).__file__, None
    except ImportError as exc:
        path, error = None, str(exc)
    try:
        pick, problem = native.frames_choice(module), None
    except Exception as exc:          # a bad SGT_LITE_FRAMES value, or "c" without the extension
        pick, problem = None, str(exc)
    return {"c_built": path is not None, "c_module": path, "error": error, "picks": pick, "problem": problem,
            "env": os.environ.get(native.FRAMES_ENV) or None}


def format_report(rep):
    """The report as plain text, one fact per line."""
    lines = [f"sgt-lite {rep['sgt_lite']} doctor",
             f"machine:     {rep['machine']} ({rep['libc']}; {rep['system']})",
             f"python:      {rep['python']} at {rep['python_executable']}",
             f"numpy:       {rep['numpy']}",
             "runtimes:"]
    width = max(len(r["module"]) for r in rep["runtimes"]) if rep["runtimes"] else 0
    for r in rep["runtimes"]:
        state = r["version"] if r["importable"] else f"not importable ({r['error']})"
        lines.append(f"  {r['module']:<{width}}  {state}")
    lines.append(f"backends for bundle {rep['bundle']}:")
    for name, b in rep["backends"].items():
        lines.append(f"  {name:<7} {'usable' if b['usable'] else 'unusable'}: {b['why']}")
    auto = rep["auto"]
    lines.append(f"auto picks:  {auto['backend'] or 'nothing'} ({auto['why']})")
    fe = rep["frontend"]
    built = f"built ({fe['c_module']})" if fe["c_built"] else f"not built ({fe['error']})"
    lines.append(f"C frontend:  {built}; the frontend runs in {fe['auto_picks']}"
                 + (f" (SGT_LITE_FRONTEND={fe['env']})" if fe["env"] else ""))
    for key, label, what in (("frames", "C frames:  ", "voice activity, eye events and head motion"),
                             ("row_loop", "C row loop:", "the LiteRT and onnxruntime row loops")):
        fr = rep[key]
        built = f"built ({fr['c_module']})" if fr["c_built"] else f"not built ({fr['error']})"
        runs = f"run in {'C' if fr['picks'] == 'c' else 'Python'}" if fr["picks"] else f"cannot run: {fr['problem']}"
        lines.append(f"{label}  {built}; {what} {runs}" + (f" (SGT_LITE_FRAMES={fr['env']})" if fr["env"] else ""))
    return "\n".join(lines) + "\n" + rep["devices"]
