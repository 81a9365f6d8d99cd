"""Every benchmark behind the README's figures, in one run, into one Markdown report and one JSON.

    python benchmarks/run_all.py [--out docs/benchmarks.md] [--json PATH] [--quick] [--cores N]
                                 [--only NAME,NAME] [--skip NAME,NAME] [--soak MINUTES]

Runs, one after another and each as its own process: bench_runtime (end-to-end CPU per backend,
cold start, LiteRT / numpy reference frontend), bench_frontend, bench_startup, bench_memory,
bench_pool, bench_display and bench_say_sync; a script that is not there is listed as not run.
The paced soak (the README's reliability figure) takes an hour of real time: ``--soak 60``.
The report starts with the command line, the machine, its load and the git revision; each
section names the command that regenerates it alone, and how long it took under what load.

``--quick`` is a smoke run (seconds of audio, one round; the figures mean nothing) written to
a temporary file unless ``--out`` is given. ``--cores N`` pins this driver, and so every
benchmark it starts, to N cores (and passes ``--cores`` to scripts that take it).
"""
import argparse
import datetime
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

# name, script, title, full-run arguments, quick-run arguments (None: chosen from the script's --help)
SECTIONS = [
    ("runtime", "bench_runtime.py", "End-to-end runtime per backend, cold start, LiteRT / numpy reference frontend",
     [], ["--seconds", "2", "--rounds", "1"]),
    ("frontend", "bench_frontend.py", "Frontend: C against the numpy reference and librosa", [], None),
    ("startup", "bench_startup.py", "Start-up: import and time to first frame", [], None),
    ("memory", "bench_memory.py", "Memory of offline animate() on long audio", [], None),
    ("pool", "bench_pool.py", "Many streams: AnimatorPool against independent Animators", [], None),
    ("display", "bench_display.py", "Display eyes: CPU per second of audio", [], ["--seconds", "2", "--rounds", "1"]),
    ("say_sync", "bench_say_sync.py", "Speaking: motion against the sound (sgt-lite say's loop)", [], ["--rounds", "1"]),
]
# options a script's --help may offer, and the value a quick run gives them
QUICK_VALUES = [("--seconds", "2"), ("--repeats", "1"), ("--rounds", "1"), ("--runs", "2"), ("--minutes", "0.1"),
                ("--hours", "0.002"), ("--streams", "4")]
QUICK_TIMEOUT_S = 300

# Where each figure in README.md's "Measured figures" comes from (kept with the driver, so the list
# and the report are regenerated together).
README_FIGURES = [
    ("Runtime table: CPU ms per s of audio (min / median / max), steps with and without a frame, RSS per backend; "
     "the numpy reference frontend row and the LiteRT ratio; bundle size; the intro's \"about 1 ms of CPU\"",
     "runtime"),
    ("Many streams: AnimatorPool against 100 Animators", "pool"),
    ("Start-up: `from sgt_lite import Animator` beyond numpy, time to first frame, `sgt-lite --help`", "startup"),
    ("Memory of offline `animate()` on 10 and 60 minutes", "memory"),
    ("Frontend: C streaming vs numpy streaming (x), C whole clip vs librosa (x)", "frontend"),
    ("Display eyes: CPU s per s of audio", "display"),
    ("Speaking: motion behind the sound (median, 5th-95th percentile, worst)", "say_sync"),
    ("Reliability: the paced real-time hour", "soak (`--soak 60`)"),
    ("Quality of int8 (head error, same saccade onsets / blinks)",
     "not a timing: `python -m quantize checkpoints/default ...` (docs/quantize_report)"),
]


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return f"{rev}{' with uncommitted changes' if dirty else ''}" if rev else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def script_options(path, env):
    """``{--option: takes a value}`` for the options the script's --help lists (empty when --help fails)."""
    try:
        res = subprocess.run([sys.executable, path, "--help"], capture_output=True, text=True, env=env, timeout=120)
    except subprocess.TimeoutExpired:
        return {}
    if res.returncode != 0:
        return {}
    options = {}
    for m in re.finditer(r"(--[a-z][\w-]*)(?:[ =]([A-Z][A-Z_0-9]*))?", res.stdout):
        options[m.group(1)] = options.get(m.group(1), False) or bool(m.group(2))
    return options


def section_args(name, script, full, quick, args, options, json_path):
    cmd = list(full)
    if args.quick:
        if quick is not None:
            cmd = list(quick)
        elif "--quick" in options:
            cmd = ["--quick"]
        else:
            cmd = [x for opt, val in QUICK_VALUES if opt in options for x in (opt, val)]
    if name == "runtime":
        for py in args.litert_python:
            cmd += ["--litert-python", py]
    if args.cores and "--cores" in options:
        cmd += ["--cores", str(args.cores)]
    if options.get("--json") and json_path:          # a --json flag without a path prints to stdout: not used
        cmd += ["--json", json_path]
    return cmd


def run_section(name, script, title, full, quick, args, env, tmp):
    from _common import loadavg

    path = os.path.join(HERE, script)
    sec = {"name": name, "script": f"benchmarks/{script}", "title": title}
    if not os.path.exists(path):
        sec.update(status="missing", why=f"benchmarks/{script} does not exist in this tree")
        return sec
    options = script_options(path, env)
    json_path = os.path.join(tmp, f"{name}.json")
    extra = section_args(name, script, full, quick, args, options, json_path)
    shown = [a for a in extra if a != json_path]
    if "--json" in shown:
        shown.remove("--json")
    sec["command"] = " ".join(["python", f"benchmarks/{script}"] + [shlex.quote(a) for a in shown])
    sec["load_before"] = loadavg()
    t0 = time.monotonic()
    print(f"[run_all] {sec['command']}", file=sys.stderr, flush=True)
    try:
        res = subprocess.run([sys.executable, path] + extra, capture_output=True, text=True, env=env, cwd=REPO,
                             timeout=QUICK_TIMEOUT_S if args.quick else None)
        rc, out, err = res.returncode, res.stdout, res.stderr
    except subprocess.TimeoutExpired as exc:
        rc, out, err = "timeout", exc.stdout or "", f"stopped after {QUICK_TIMEOUT_S} s (--quick)"
        out = out.decode(errors="replace") if isinstance(out, bytes) else out
    sec.update(seconds=time.monotonic() - t0, load_after=loadavg(), rc=rc, stdout=out.strip(),
               stderr_tail="\n".join(str(err).strip().splitlines()[-15:]))
    sec["status"] = "ok" if rc == 0 else "failed"
    if os.path.exists(json_path):
        try:
            with open(json_path) as f:
                sec["json"] = json.load(f)
        except (OSError, ValueError) as exc:
            sec["json_error"] = str(exc)
    return sec


def _load(v):
    return " ".join(f"{x:.2f}" for x in v) if v else "unknown"


def markdown(report):
    m = report["machine"]
    v = ", ".join(f"{k} {val}" for k, val in m["versions"].items())
    board = f" ({m['board']})" if m["board"] else ""
    lines = ["# sgt-lite benchmarks", "",
             f"Generated by `{report['command']}` on {report['started']} (git {report['git']}), "
             f"{report['seconds']:.0f} s in all.{' **Quick smoke run: these figures mean nothing.**' if report['quick'] else ''}",
             "",
             f"- Machine: {m['cpu']}{board}, {m['cores']} cores ({m['cores_usable']} usable"
             + (f", pinned to CPU {report['pinned']}" if report["pinned"] else "") + f"), {m['os']} {m['arch']}",
             f"- Versions: {v}; sgt_lite from {m.get('sgt_lite_from')}",
             f"- Load average (1/5/15 min): {_load(report['load_before'])} before, {_load(report['load_after'])} after "
             "(other work on the machine slows every figure; compare rows measured in the same run)",
             "", "Each section below says which command regenerates it alone.", "",
             "| README figure | section |", "|---|---|"]
    lines += [f"| {fig} | {sec} |" for fig, sec in README_FIGURES]
    for sec in report["sections"]:
        lines += ["", f"## {sec['title']}", ""]
        if sec["status"] == "missing":
            lines.append(f"Not run: {sec['why']}.")
            continue
        if sec["status"] == "skipped":
            lines.append(sec["why"])
            continue
        lines.append(f"Regenerate: `{sec['command']}` ({sec['seconds']:.0f} s; load {_load(sec['load_before'])} "
                     f"before, {_load(sec['load_after'])} after)")
        lines.append("")
        if sec["status"] != "ok":
            lines.append(f"**Failed** (exit status {sec['rc']}):")
            lines += ["", "```text", sec["stderr_tail"] or "(no error output)", "```"]
            if sec["stdout"]:
                lines += ["", "Its output before that:", ""]
        if sec["stdout"]:
            tabular = "|---" in sec["stdout"] or "| --- " in sec["stdout"]
            lines += [sec["stdout"]] if tabular else ["```text", sec["stdout"], "```"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    from _common import ORIGINAL_ENV, loadavg, machine_info

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="Markdown report (default docs/benchmarks.md; with --quick a temporary file)")
    ap.add_argument("--json", help="JSON report (default: the Markdown path with .json)")
    ap.add_argument("--quick", action="store_true", help="smoke run: seconds of audio, one round each")
    ap.add_argument("--cores", type=int, help="pin every benchmark to this many cores")
    ap.add_argument("--only", help="comma-separated sections to run: " + ", ".join(s[0] for s in SECTIONS))
    ap.add_argument("--skip", default="", help="comma-separated sections to leave out")
    ap.add_argument("--litert-python", action="append", default=[],
                    help="passed to bench_runtime: another interpreter for a litert row (a tflite-runtime venv)")
    ap.add_argument("--soak", type=float, metavar="MINUTES",
                    help="also run the paced real-time soak for this many minutes (the README's figure: 60)")
    args = ap.parse_args(argv)
    names = [s[0] for s in SECTIONS] + ["soak"]
    only = set(filter(None, (args.only or "").split(","))) or set(names)
    skip = set(filter(None, args.skip.split(",")))
    bad = (only | skip) - set(names)
    if bad:
        ap.error(f"unknown sections {sorted(bad)}; choose from {', '.join(names)}")
    out = args.out or (os.path.join(tempfile.gettempdir(), "sgt_lite_benchmarks_quick.md") if args.quick
                       else os.path.join(REPO, "docs", "benchmarks.md"))
    json_out = args.json or os.path.splitext(out)[0] + ".json"
    pinned = None
    if args.cores:
        allowed = sorted(os.sched_getaffinity(0))
        pinned = allowed[:max(1, args.cores)]
        os.sched_setaffinity(0, set(pinned))
    env = dict(ORIGINAL_ENV)          # each benchmark sets its own threads; cold starts see the user's env
    command = " ".join(["python", "benchmarks/run_all.py"] + [shlex.quote(a) for a in (argv if argv is not None
                                                                                       else sys.argv[1:])])
    report = {"command": command, "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "git": git_revision(), "machine": machine_info(), "quick": args.quick, "pinned": pinned,
              "load_before": loadavg(), "sections": []}
    t0 = time.monotonic()
    sections = [s for s in SECTIONS if s[0] in only and s[0] not in skip]
    with tempfile.TemporaryDirectory(prefix="sgt_lite_bench_") as tmp:
        for name, script, title, full, quick in sections:
            report["sections"].append(run_section(name, script, title, full, quick, args, env, tmp))
        if "soak" in only and "soak" not in skip:
            title = "Reliability: the paced real-time soak"
            if args.soak and not args.quick:
                report["sections"].append(run_section("soak", "soak.py", title,
                                                      ["--paced", "--minutes", f"{args.soak:g}"], None, args, env, tmp))
            else:
                report["sections"].append({"name": "soak", "title": title, "status": "skipped", "why": (
                    "Not run (an hour of real time): `python benchmarks/soak.py --paced --minutes 60 --json "
                    "docs/soak_paced_60min.json`, or `python benchmarks/run_all.py --soak 60`.")})
    report["seconds"] = time.monotonic() - t0
    report["load_after"] = loadavg()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        f.write(markdown(report))
    with open(json_out, "w") as f:
        json.dump(report, f, indent=1)
    failed = [s["name"] for s in report["sections"] if s["status"] == "failed"]
    print(f"wrote {out} and {json_out}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
