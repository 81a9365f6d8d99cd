"""End-to-end runtime cost of Animator.step per backend, in interleaved rounds of fresh processes.

    python benchmarks/bench_runtime.py [--seconds 60] [--rounds 5] [--cores N] [--board]
                                       [--rows ROW,ROW] [--json PATH] [--bundle DIR]
                                       [--litert-python PYTHON ...] [--default-env]

Rows (each measured once per round, each time in a fresh interpreter, in an order that rotates
from round to round so no row always runs first or after the same neighbour):

- ``litert``, ``onnx``, ``numpy``: real speech streamed in 20 ms chunks through
  ``Animator.step`` (frontend, voice activity, int8 step, eye events, head rendering).
  CPU is process time over the streaming loop; each step is also timed (perf_counter) and
  filed as a step that emitted a frame or one that did not (at 25 fps, every other 20 ms chunk).
  RSS: the audio is read from the WAV files in 1 s blocks, so it is never held whole;
  "after load" is taken once the Animator is made and warmed up, before the audio is read.
- ``numpy-ref``: the numpy reference frontend alone (``sgt_lite/audio/mfcc_reference.py``),
  the same audio in the same 20 ms chunks. ``LiteRT / numpy-ref`` is computed per round.
- ``librosa``: librosa's MFCC alone on the whole clip, same parameters as ours.
- Where the time goes: ``c-frontend`` is the C frontend alone (``Frontend.process``, the same
  audio in the same 20 ms chunks); ``net:<backend>`` is the backend's network call alone
  (``steps`` on one row with the NaN guard, as the Animator calls it: 25 times per second of
  audio, the state carried). What is left of a
  backend's end-to-end figure is the per-chunk Python and the C frame stages.
- ``cold:<backend>``: a fresh interpreter in the environment this script was started with
  (no BLAS-thread setting added): spawn to the first frame, split into numpy import,
  ``from sgt_lite import Animator``, ``Animator()`` and the audio up to the first frame.

The streaming rows run with one BLAS thread (as the CLI sets), unless ``--default-env``.
``--cores N`` pins this script and every measured process to the first N usable CPUs
(``sched_setaffinity``, like ``taskset``). ``--litert-python PY`` adds a litert row run by
another interpreter (e.g. a venv with tflite-runtime 2.14).

On your own board (Raspberry Pi, Jetson): ``pip install '.[litert,onnx,test]'``, then
``python benchmarks/bench_runtime.py --board`` (one core, 5 rounds of 60 s) and paste the block
it prints at the end into an issue. Figures from another machine are not scaled to a board here:
run it on the board.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHUNK_S = 0.02
WARMUP_S = 2.0
BLOCK = 16000                  # samples read from the WAV files at a time (1 s)
BACKENDS = ("litert", "onnx", "numpy")
DEFAULT_ROWS = (BACKENDS + ("numpy-ref", "librosa", "c-frontend") + tuple("net:" + b for b in BACKENDS)
                + tuple("cold:" + b for b in BACKENDS))
TARGETS = {"litert": 0.5, "onnx": 0.9, "numpy": 1.2}          # issue 14, ms of CPU per s of audio
RATIO_TARGET = 0.2

COLD_SNIPPET = r"""
import time; t0 = time.monotonic()
import json, sys
import numpy as np; t1 = time.monotonic()
from sgt_lite import Animator; t2 = time.monotonic()
anim = Animator(model=sys.argv[2] or None, backend=sys.argv[1]); t3 = time.monotonic()
chunk = (0.1 * np.sin(0.2 * np.arange(int(0.02 * anim.sample_rate)))).astype(np.float32)
n = 1
while not anim.step(chunk):
    n += 1
t4 = time.monotonic()
print(json.dumps({"t_start": t0, "numpy_ms": 1e3 * (t1 - t0), "import_ms": 1e3 * (t2 - t1),
                  "animator_ms": 1e3 * (t3 - t2), "first_frame_ms": 1e3 * (t4 - t3), "chunks": n,
                  "t_first_frame": t4, "backend": anim.backend}))
"""


def pin(cores):
    """Restricts this process (and so its children) to its first ``cores`` usable CPUs."""
    allowed = sorted(os.sched_getaffinity(0))
    chosen = set(allowed[:max(1, cores)])
    os.sched_setaffinity(0, chosen)
    return sorted(chosen)


# workers (one per fresh process) -----------------------------------------------------------

def _runtime_name(bundle, backend):
    if backend == "numpy":
        return "no runtime"
    from importlib import metadata

    from sgt_lite.model.backends import probe

    module = probe(bundle)[backend][1].replace("via ", "").split(".")[0]
    try:
        return f"{module} {metadata.version(module.replace('_', '-'))}"
    except Exception:
        return f"{module} {getattr(sys.modules.get(module), '__version__', '')}".strip()


def _stream(step, seconds, classify):
    """Feeds ``seconds`` of speech in 20 ms chunks to ``step``; CPU and wall over the loop, each
    step's perf_counter time filed under ``classify(step's result)``."""
    import numpy as np

    from _common import percentile, speech_blocks

    total = int(seconds * 16000)
    chunk = int(CHUNK_S * 16000)
    classes = {}
    cpu = wall = 0.0
    fed = 0
    carry = None
    clock = time.perf_counter
    blocks = speech_blocks(seconds, BLOCK)
    for block in blocks:
        buf = block if carry is None or carry.size == 0 else np.concatenate([carry, block])
        whole = buf.size - buf.size % chunk if fed + buf.size < total else buf.size
        c0, w0 = time.process_time(), clock()
        for i in range(0, whole, chunk):
            t0 = clock()
            out = step(buf[i:i + chunk])
            t1 = clock()
            classes.setdefault(classify(out), []).append(t1 - t0)
        cpu += time.process_time() - c0
        wall += clock() - w0
        fed += whole
        carry = buf[whole:]
    audio_s = fed / 16000
    n_steps = sum(len(t) for t in classes.values())
    t0 = clock()
    for _ in range(10000):
        clock()
    per_call = (clock() - t0) / 10000
    steps = {}
    for name, times in classes.items():
        times.sort()
        steps[name] = {"n": len(times), "p50_ms": 1e3 * percentile(times, 0.5), "p99_ms": 1e3 * percentile(times, 0.99),
                       "max_ms": 1e3 * times[-1], "mean_ms": 1e3 * sum(times) / len(times)}
    return {"audio_s": audio_s, "cpu_ms_per_s": 1e3 * cpu / audio_s, "wall_ms_per_s": 1e3 * wall / audio_s,
            "steps": steps, "timer_ms_per_s": 1e3 * 2 * per_call * n_steps / audio_s}


def worker(row, seconds, bundle):
    res = {"row": row, "affinity": sorted(os.sched_getaffinity(0)),
           "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}   # as numpy loads with it
    import numpy as np

    from _common import rss_mb, speech, speech_blocks

    res["numpy"] = np.__version__
    warm = np.concatenate(list(speech_blocks(WARMUP_S, BLOCK)))
    chunk = int(CHUNK_S * 16000)
    if row == "librosa":
        import librosa

        x = speech(seconds)

        def mfcc(y):
            return librosa.feature.mfcc(y=y, sr=16000, n_mfcc=13, n_fft=512, hop_length=160, win_length=400,
                                        n_mels=40, fmin=20.0, fmax=8000.0, center=False)
        mfcc(warm)
        c0 = time.process_time()
        mfcc(x)
        res.update(runtime=f"librosa {librosa.__version__}", audio_s=x.size / 16000,
                   cpu_ms_per_s=1e3 * (time.process_time() - c0) / (x.size / 16000))
        return res
    if row.startswith("net:"):
        return _network_alone(res, row[4:], seconds, bundle)
    if row == "c-frontend":
        from sgt_lite.audio import Frontend
        from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

        fe = Frontend(Bundle.load(bundle or DEFAULT_BUNDLE).frontend)
        step, classify, runtime = fe.process, (lambda out: "all"), "no runtime"
        for i in range(0, warm.size, chunk):
            fe.process(warm[i:i + chunk])
        fe.reset()
    elif row == "numpy-ref":
        from sgt_lite.audio.frontend_config import FrontendConfig
        from sgt_lite.audio.mfcc_reference import NumpyMfcc

        try:
            from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

            config = Bundle.load(bundle or DEFAULT_BUNDLE).frontend
        except Exception:                       # the reference frontend alone needs no model
            config = FrontendConfig()
        ref = NumpyMfcc(config)
        step, classify, runtime = ref.process, (lambda out: "all"), "no runtime"
        for i in range(0, warm.size, chunk):
            ref.process(warm[i:i + chunk])
        ref.reset()
    else:
        from sgt_lite import Animator

        anim = Animator(model=bundle, backend=row)
        step, classify, runtime = anim.step, (lambda out: "frame" if out else "no_frame"), _runtime_name(anim.bundle, row)
        for i in range(0, warm.size, chunk):
            anim.step(warm[i:i + chunk])
        anim.reset()
        res["backend"] = anim.backend
        res["sgt_lite"] = os.path.dirname(sys.modules["sgt_lite"].__file__)
    del warm
    rss_loaded, _ = rss_mb()
    res.update(_stream(step, seconds, classify))
    rss_end, rss_peak = rss_mb()
    res.update(runtime=runtime, rss_after_load_mb=rss_loaded, rss_end_mb=rss_end, rss_peak_mb=rss_peak,
               audio_held="streamed from the WAV files in 1 s blocks (never held whole)")
    return res


def _network_alone(res, backend, seconds, bundle):
    """CPU of the backend's network call alone: one guarded row per model frame, the state carried."""
    import numpy as np

    from sgt_lite.model.backends import make_backend
    from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

    b = Bundle.load(bundle or DEFAULT_BUNDLE)
    m = b.model
    net = make_backend(b, backend)
    frames = int(seconds * m["fps"])
    width = m["feature_dim"] + m["noise_dim"] + m["style_dim"]
    xs = np.random.default_rng(0).standard_normal((frames, width)).astype(np.float32)
    h = np.zeros((1, m["layers"], m["hidden"]), np.float32)
    c, out, last = h.copy(), np.zeros((1, len(m["outputs"])), np.float32), np.zeros(len(m["outputs"]), np.float32)
    for k in range(min(frames, 100)):
        net.steps(xs[k:k + 1], h, c, out, last, True)
    steps = net.steps
    c0 = time.process_time()
    for k in range(frames):
        steps(xs[k:k + 1], h, c, out, last, True)
    cpu = time.process_time() - c0
    res.update(runtime=_runtime_name(b, backend), backend=net.name, audio_s=frames / m["fps"],
               cpu_ms_per_s=1e3 * cpu / (frames / m["fps"]))
    return res


def cold_start(python, backend, bundle, env):
    """Spawn to first frame of a fresh interpreter in ``env``, with its in-process split."""
    t0 = time.monotonic()
    res = subprocess.run([python, "-c", COLD_SNIPPET, backend, bundle or ""], capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise RuntimeError((res.stderr.strip().splitlines() or ["no output"])[-1])
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["spawn_to_first_frame_ms"] = 1e3 * (out.pop("t_first_frame") - t0)
    out["interpreter_start_ms"] = 1e3 * (out.pop("t_start") - t0)
    out["row"] = "cold:" + backend
    return out


# driver ------------------------------------------------------------------------------------

def run_row(job, args, env_stream, env_cold):
    name, python = job
    if name.startswith("cold:"):
        return cold_start(python, name[5:], args.bundle, env_cold)
    cmd = [python, os.path.abspath(__file__), "--worker", name, "--seconds", str(args.seconds)]
    cmd += ["--bundle", args.bundle] if args.bundle else []
    res = subprocess.run(cmd, capture_output=True, text=True, env=env_stream)
    if res.returncode != 0:
        raise RuntimeError((res.stderr.strip().splitlines() or ["no output"])[-1])
    return json.loads(res.stdout.strip().splitlines()[-1])


def job_label(job):
    name, python = job
    return name if python == sys.executable else f"{name} ({python})"


def measure(args):
    from _common import BLAS_VARS, ORIGINAL_ENV, loadavg

    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in DEFAULT_ROWS]
    if unknown:
        raise SystemExit(f"unknown rows {unknown}; choose from {', '.join(DEFAULT_ROWS)}")
    jobs = [(r, sys.executable) for r in rows]
    for py in args.litert_python:
        jobs += [("litert", py), ("cold:litert", py)]
    env_cold = dict(ORIGINAL_ENV)                 # exactly as the user started us
    env_stream = dict(ORIGINAL_ENV) if args.default_env else dict(os.environ)
    env_stream["PYTHONPATH"] = os.pathsep.join([HERE] + [p for p in [env_stream.get("PYTHONPATH")] if p])
    results = {job_label(j): [] for j in jobs}
    unavailable = {}
    rounds = []
    load_before = loadavg()
    t_run = time.monotonic()
    for r in range(args.rounds):
        live = [j for j in jobs if job_label(j) not in unavailable]
        k = r % len(live) if live else 0
        order = live[k:] + live[:k]
        rnd = {"round": r + 1, "order": [job_label(j) for j in order], "load_before": loadavg()}
        for job in order:
            try:
                out = run_row(job, args, env_stream, env_cold)
            except Exception as exc:           # a missing runtime or library: the row says so, and is dropped
                unavailable[job_label(job)] = f"round {r + 1}: {exc}"
                print(f"{job_label(job)}: failed in round {r + 1}, left out from here on ({exc})", file=sys.stderr)
                continue
            out["round"] = r + 1
            results[job_label(job)].append(out)
            rnd[job_label(job)] = out
        rnd["load_after"] = loadavg()
        rounds.append(rnd)
        if not args.quiet:
            print(f"round {r + 1}/{args.rounds} done ({time.monotonic() - t_run:.0f} s, load {rnd['load_after']})",
                  file=sys.stderr)
    blas = {v: env_stream.get(v, "unset") for v in BLAS_VARS[:3]}
    return {"rows": results, "unavailable": unavailable, "rounds": rounds, "load_before": load_before,
            "load_after": loadavg(), "elapsed_s": time.monotonic() - t_run, "stream_env_blas": blas}


def summarize(data):
    from _common import spread

    summary = {}
    for label, runs in data["rows"].items():
        if not runs:
            continue
        s = {"rounds": len(runs)}
        if label.startswith("cold:"):
            for key in ("spawn_to_first_frame_ms", "numpy_ms", "import_ms", "animator_ms", "first_frame_ms"):
                s[key] = spread([r[key] for r in runs])
        else:
            s["runtime"] = runs[0].get("runtime")
            s["numpy"] = runs[0].get("numpy")
            for key in ("cpu_ms_per_s", "wall_ms_per_s", "rss_after_load_mb", "rss_end_mb", "rss_peak_mb",
                        "timer_ms_per_s"):
                if key in runs[0]:
                    s[key] = spread([r[key] for r in runs])
            classes = sorted({c for r in runs for c in r.get("steps", {})})
            s["steps"] = {c: {k: spread([r["steps"][c][k] for r in runs if c in r.get("steps", {})])
                              for k in ("n", "p50_ms", "p99_ms", "mean_ms")} for c in classes}
        summary[label] = s
    ratios = []
    for rnd in data["rounds"]:
        if "litert" in rnd and "numpy-ref" in rnd:
            ratios.append(rnd["litert"]["cpu_ms_per_s"] / rnd["numpy-ref"]["cpu_ms_per_s"])
    summary["ratio_litert_to_numpy_ref"] = spread(ratios)
    summary["ratio_per_round"] = ratios
    return summary


def _mmm(s, fmt="{:.2f}"):
    if not s:
        return "–"
    return f"{fmt.format(s['min'])} / **{fmt.format(s['median'])}** / {fmt.format(s['max'])}"


def _med(s, fmt="{:.3f}"):
    return fmt.format(s["median"]) if s else "–"


def report(data, summary, args, info, command):
    lines = []
    v = info["versions"]
    board = f" ({info['board']})" if info["board"] else ""
    lines.append(f"Command: `{command}`  ")
    lines.append(f"Machine: {info['cpu']}{board}, {info['cores']} cores ({info['cores_usable']} usable"
                 + (f", pinned to CPU {data['pinned']}" if data.get("pinned") else "") + f"), {info['os']} {info['arch']}  ")
    lines.append("Versions: " + ", ".join(f"{k} {val}" for k, val in v.items())
                 + f"; sgt_lite from {info.get('sgt_lite_from')}  ")
    lb, la = data["load_before"], data["load_after"]
    per_round = [r["load_before"][0] for r in data["rounds"] if r["load_before"]]
    lines.append(f"Load average (1/5/15 min): before {lb}, after {la}"
                 + (f"; 1-min load at each round's start {min(per_round):.2f}–{max(per_round):.2f}" if per_round else "")
                 + "  ")
    blas = ", ".join(f"{k}={val}" for k, val in data["stream_env_blas"].items())
    lines.append(f"Audio: {args.seconds:g} s of real speech in {1e3 * CHUNK_S:.0f} ms chunks, read from the WAV files "
                 f"in 1 s blocks (never held whole); {args.rounds} round{'s' if args.rounds > 1 else ''}, each row once per round in a fresh process, "
                 f"the order rotating; streaming rows with {blas}; {data['elapsed_s']:.0f} s in all")
    lines.append("")
    lines.append("CPU and RSS: min / **median** / max over rounds; step times: median over rounds of each round's "
                 "p50 and p99 (perf_counter, so they include waiting for the CPU on a loaded machine).")
    lines.append("")
    lines.append("| row | runtime | CPU ms per s of audio | wall ms per s | steps with a frame p50 / p99 (ms) | "
                 "steps without p50 / p99 (ms) | RSS after load / end / peak (MB) |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    names = {"numpy-ref": "numpy reference frontend alone (20 ms chunks)",
             "librosa": "librosa MFCC alone (whole clip, same parameters)",
             "c-frontend": "C frontend alone (20 ms chunks)"}
    names.update({"net:" + b: f"{b}: network call alone (25 per s of audio)" for b in BACKENDS})
    for label, s in summary.items():
        if label.startswith("cold:") or label.startswith("ratio") or "cpu_ms_per_s" not in s:
            continue
        st = s.get("steps", {})
        frame = st.get("frame") or st.get("all")
        quiet = st.get("no_frame")
        fmt_steps = (lambda c: f"{_med(c['p50_ms'])} / {_med(c['p99_ms'])}" if c else "–")
        rss = (f"{_med(s['rss_after_load_mb'], '{:.0f}')} / {_med(s['rss_end_mb'], '{:.0f}')} / "
               f"{_med(s['rss_peak_mb'], '{:.0f}')}" if "rss_end_mb" in s else "–")
        lines.append(f"| {names.get(label, label)} | {s['runtime']} | {_mmm(s['cpu_ms_per_s'])} | "
                     f"{_med(s.get('wall_ms_per_s'), '{:.2f}')} | {fmt_steps(frame)} | {fmt_steps(quiet)} | {rss} |")
    timer = [s["timer_ms_per_s"]["median"] for s in summary.values() if isinstance(s, dict) and s.get("timer_ms_per_s")]
    if timer:
        lines.append("")
        lines.append(f"(Timing each step costs two perf_counter calls, about {max(timer):.3f} ms per s of audio here; "
                     "it is inside the CPU figures.)")
    if "numpy-ref" in summary:
        lines.append("(numpy reference frontend: every 20 ms step emits two feature frames, so its step times are in "
                     "the 'with a frame' column.)")
    cold = [(label, s) for label, s in summary.items() if label.startswith("cold:")]
    if cold:
        lines.append("")
        lines.append("Cold start: a fresh interpreter in the environment this script was started with (no BLAS "
                     "setting added), from spawn to the first frame out of `Animator.step` (20 ms chunks of a tone); "
                     "min / **median** / max over rounds, then the split (medians):")
        lines.append("")
        lines.append("| backend | spawn to first frame (ms) | numpy import | `from sgt_lite import Animator` | "
                     "`Animator()` | audio to first frame |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for label, s in cold:
            lines.append(f"| {label[5:]} | {_mmm(s['spawn_to_first_frame_ms'], '{:.0f}')} | "
                         f"{_med(s['numpy_ms'], '{:.0f}')} | {_med(s['import_ms'], '{:.0f}')} | "
                         f"{_med(s['animator_ms'], '{:.0f}')} | {_med(s['first_frame_ms'], '{:.1f}')} |")
    lines.append("")
    ratio = summary.get("ratio_litert_to_numpy_ref")
    if ratio:
        lines.append(f"- End-to-end LiteRT / numpy reference frontend alone, per round: {_mmm(ratio)} "
                     f"(min / median / max of {ratio['n']} round{'s' if ratio['n'] > 1 else ''}; issue #14 target <= {RATIO_TARGET})")
    for backend, target in TARGETS.items():
        s = summary.get(backend)
        if s and s.get("cpu_ms_per_s"):
            med = s["cpu_ms_per_s"]["median"]
            lines.append(f"- {backend}: median {med:.2f} ms CPU per s of audio, target <= {target}: "
                         f"{'met' if med <= target else 'missed'}")
    fe = summary.get("c-frontend", {}).get("cpu_ms_per_s")
    for backend in BACKENDS:
        e2e, net = (summary.get(k, {}).get("cpu_ms_per_s") for k in (backend, "net:" + backend))
        if e2e and net and fe:
            rest = e2e["median"] - net["median"] - fe["median"]
            lines.append(f"- {backend}, where the time goes (medians, ms CPU per s of audio): end-to-end "
                         f"{e2e['median']:.2f} = network call alone {net['median']:.2f} + C frontend alone "
                         f"{fe['median']:.2f} + the rest {rest:.2f} (per-chunk Python, voice activity, eye and head "
                         "stages in C, random draws)")
    for label, why in data["unavailable"].items():
        lines.append(f"- {label}: left out ({why})")
    lines += model_notes(args, summary)
    return "\n".join(lines)


def model_notes(args, summary):
    """The bundle's size, and whether a tflite_runtime row computes this bundle right."""
    try:
        from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

        bundle = Bundle.load(args.bundle or DEFAULT_BUNDLE)
    except Exception as exc:
        return [f"- (bundle not readable: {exc})"]
    files = bundle.files
    parts = ", ".join("%s %d KiB" % (k, v["bytes"] // 1024) for k, v in files.items())
    import pathlib

    folder = sum(f.stat().st_size for f in pathlib.Path(bundle.path).rglob("*") if f.is_file())
    lines = [f"- int8 bundle model files: {sum(v['bytes'] for v in files.values()) / 1024:.0f} KiB ({parts}); "
             f"the bundle folder with its configs: {folder / 1024:.0f} KiB"]
    if any(str(s.get("runtime", "")).startswith("tflite_runtime") for s in summary.values() if isinstance(s, dict)):
        try:
            from quantize.tflite_ops import check_tflite_runtime

            for problem in check_tflite_runtime(bundle.data("tflite")):
                lines.append(f"- warning: the tflite_runtime row does not compute this bundle right: {problem}")
        except ImportError as exc:
            lines.append(f"- (could not check the model against tflite-runtime 2.14: {exc})")
    return lines


def board_block(data, summary, args, info):
    """The short block users paste into an issue: machine, cores, versions, medians."""
    v = info["versions"]
    lines = ["```", "sgt-lite board figures (benchmarks/bench_runtime.py)",
             f"machine: {info['board'] or info['cpu']} | cpu: {info['cpu']} | {info['arch']} | {info['os']}",
             f"cores: {info['cores']}, measured on {len(data.get('pinned') or []) or info['cores_usable']}"
             + (f" (pinned {data['pinned']})" if data.get("pinned") else " (not pinned)"),
             "versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
             f"audio: {args.seconds:g} s, 20 ms chunks, {args.rounds} rounds; load before {data['load_before']}, "
             f"after {data['load_after']}"]
    for label, s in summary.items():
        if label.startswith("ratio"):
            continue
        if label.startswith("cold:"):
            lines.append(f"{label}: spawn to first frame median {_med(s['spawn_to_first_frame_ms'], '{:.0f}')} ms")
        elif s.get("cpu_ms_per_s"):
            frame = (s.get("steps") or {}).get("frame")
            extra = f", frame step p99 {_med(frame['p99_ms'])} ms" if frame else ""
            rss = f", RSS end {_med(s['rss_end_mb'], '{:.0f}')} MB" if "rss_end_mb" in s else ""
            lines.append(f"{label} ({s['runtime']}): CPU median {_med(s['cpu_ms_per_s'], '{:.2f}')} ms/s "
                         f"(min {s['cpu_ms_per_s']['min']:.2f}, max {s['cpu_ms_per_s']['max']:.2f}){extra}{rss}")
    ratio = summary.get("ratio_litert_to_numpy_ref")
    if ratio:
        lines.append(f"litert / numpy-ref: median {ratio['median']:.3f} (min {ratio['min']:.3f}, max {ratio['max']:.3f})")
    for label, why in data["unavailable"].items():
        lines.append(f"{label}: left out ({why[:120]})")
    lines.append("```")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="seconds of speech per streaming row (default 60)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--rows", default=",".join(DEFAULT_ROWS), help="comma-separated subset of: " + ", ".join(DEFAULT_ROWS))
    ap.add_argument("--bundle", default=None, help="model bundle folder (default: the bundled int8 model)")
    ap.add_argument("--cores", type=int, help="pin this script and every measured process to this many cores")
    ap.add_argument("--board", action="store_true",
                    help="figures for your own board: one core unless --cores, and a block to paste into an issue")
    ap.add_argument("--litert-python", action="append", default=[],
                    help="another interpreter to run the litert rows in (e.g. a tflite-runtime venv)")
    ap.add_argument("--default-env", action="store_true",
                    help="run the streaming rows without the one-BLAS-thread setting too")
    ap.add_argument("--json", help="also write every round's raw figures and the summary here")
    ap.add_argument("--quiet", action="store_true", help="no per-round progress on stderr")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0:
        ap.error("--rounds must be >= 1 and --seconds > 0")
    sys.path.insert(0, HERE)
    if args.board and not args.cores:
        args.cores = 1
    pinned = pin(args.cores) if args.cores else None
    if args.worker:
        print(json.dumps(worker(args.worker, args.seconds, args.bundle)))
        return 0
    from _common import machine_info

    shown = list(argv if argv is not None else sys.argv[1:])
    if "--json" in shown:                       # where the JSON goes is no part of how the figures were made
        i = shown.index("--json")
        del shown[i:i + 2]
    shown = [a for a in shown if not a.startswith("--json=")]
    command = " ".join(["python", "benchmarks/bench_runtime.py"] + shown)
    info = machine_info()
    data = measure(args)
    data["pinned"] = pinned
    summary = summarize(data)
    print(report(data, summary, args, info, command))
    if args.board:
        print("\nPaste this block into an issue:\n")
        print(board_block(data, summary, args, info))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"command": command, "machine": info, "args": vars(args), "summary": summary, **data}, f, indent=1)
    return 0 if summary and any(not k.startswith("ratio") for k in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
