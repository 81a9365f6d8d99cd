"""Start-up: `from sgt_lite import Animator` imports only what the runtime needs, and the CLI gives
BLAS one thread before numpy loads (unless the user chose). Checked in fresh interpreters; no
timing is asserted (benchmarks/bench_startup.py measures it)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from sgt_lite.audio import SAMPLE_WAV

BLAS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _fresh_env(code, extra):
    env = {k: v for k, v in os.environ.items() if k not in BLAS and k != "SGT_LITE_BACKEND"}
    env.update(extra)
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


IMPORTED = """
    import json, sys
    import numpy
    before = set(sys.modules)
    from sgt_lite import Animator
    print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_animator_import_stays_light():
    new = set(_fresh_env(IMPORTED, {}))
    assert "sgt_lite.animator" in new
    for prefix in ("sgt_lite.motion", "sgt_lite.generators", "sgt_lite.evaluation", "sgt_lite.heads",
                   "sgt_lite.shaping", "scipy", "torch", "matplotlib", "onnxruntime", "ai_edge_litert"):
        assert not any(m == prefix or m.startswith(prefix + ".") for m in new), (prefix, sorted(new))
    # only needed on rare paths: an error message, writing a file, reading a WAV, the gaze prior
    for rare in ("difflib", "tempfile", "shutil", "importlib.resources", "wave", "json", "sgt_lite.audio.wav_io",
                 "sgt_lite.audio.ring_buffer", "sgt_lite.model.checkpoint", "sgt_lite.events.listening"):
        assert rare not in new, (rare, sorted(new))


def test_lazy_packages_still_export_everything():
    import sgt_lite.audio
    import sgt_lite.events

    for pkg in (sgt_lite.audio, sgt_lite.events):
        for name in pkg.__all__:
            assert getattr(pkg, name) is not None, (pkg.__name__, name)
        with pytest.raises(AttributeError):
            getattr(pkg, "no_such_name")
    from sgt_lite.audio import resample

    assert callable(resample) and resample.__module__ == "sgt_lite.audio.resample"


def test_did_you_mean_survives_the_lazy_difflib():
    from sgt_lite.config_check import Fields
    from sgt_lite.errors import ConfigError

    f = Fields({"max_vell": 1}, "head.toml", "neck")
    f.number("max_vel", 2.0)
    with pytest.raises(ConfigError, match="did you mean 'max_vel'"):
        f.done()


CLI_THREADS = """
    import json, os, sys
    from sgt_lite.cli import main
    numpy_before = "numpy" in sys.modules
    assert main(["animate", "--backend", "numpy", sys.argv[1] if len(sys.argv) > 1 else %r]) == 0
    import numpy
    print(json.dumps({"numpy_before": numpy_before, "env": {k: os.environ.get(k) for k in %r},
                      "threads": len(os.listdir("/proc/self/task"))}))
""" % (SAMPLE_WAV, BLAS)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc")
def test_cli_sets_one_blas_thread_before_numpy_loads():
    one = _fresh_env(CLI_THREADS, {})
    assert one["numpy_before"] is False                       # the entry module must not load numpy first
    assert one["env"] == {k: "1" for k in BLAS}
    mine = _fresh_env(CLI_THREADS, {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"})
    assert mine["env"] == {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "1"}
    plain = _fresh_env("""
        import json, os
        import numpy
        print(json.dumps({"threads": len(os.listdir("/proc/self/task"))}))
    """, {"OPENBLAS_NUM_THREADS": "2"})
    if plain["threads"] > 1:                                  # OpenBLAS starts threads in this build
        assert one["threads"] < plain["threads"], (one, plain)

