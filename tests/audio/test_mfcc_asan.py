"""The CPython binding built with ASan + UBSan, hammered from threads (issue #10, defect 6).

Before the per-object lock, this reported a heap-buffer-overflow write in SgtMfccProcessSamples
(two threads in one state with the GIL released). Skips where the compiler, its sanitizer
runtime or the Python headers are missing.
"""
import pathlib

AUDIO = pathlib.Path(__file__).resolve().parents[2] / "sgt_lite" / "audio"
PACKAGE = AUDIO.parent

SCRIPT = r'''
import importlib.util, sys, threading
import numpy as np
import sgt_lite.errors
spec = importlib.util.spec_from_file_location("sgt_lite.audio._mfcc", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
sys.setswitchinterval(1e-5)
m = mod.Mfcc(preemph=0.0)
x = np.sin(np.arange(160 * 7) * 2 * np.pi / 160).astype(np.float32)
def work(seed):
    rng = np.random.default_rng(seed)
    for i in range(1500):
        r = rng.random()
        if r < 0.15:
            m.reset()
        elif r < 0.2:
            m.buffered, m.nonfinite, m.frame_size
        else:
            m.process(x[: 160 * int(rng.integers(1, 8))])
threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
for kw in (dict(n_fft=131072, n_mels=65536), dict(n_fft=65536, win_length=65536, n_mels=65536),
           dict(n_fft=2 ** 40), dict(fmax=1e300), dict(log_floor=float("nan"))):
    try:
        mod.Mfcc(**kw)
        raise SystemExit(f"accepted {kw}")
    except sgt_lite.errors.ConfigError:
        pass
big = mod.Mfcc(sample_rate=192000, n_fft=65536, win_length=65536, hop_length=16384, n_mels=512,
               n_mfcc=512, fmax=96000.0)
out = np.frombuffer(big.process(np.ones(65536 + 16384, np.float32)), np.float32)
assert out.size == 2 * 513 and np.isfinite(out).all()
print("asan run clean")
'''


def test_binding_under_asan_with_threads_and_bad_configs(run_under_asan):
    res = run_under_asan([AUDIO / "_mfcc_binding.c", AUDIO / "csrc" / "sgt_mfcc.c"], [AUDIO, PACKAGE], SCRIPT)
    assert res.returncode == 0 and "asan run clean" in res.stdout, res.stderr[-4000:]
