"""Records what one machine computes on the bundled sample, and compares two recordings: the
aarch64 leg (tools/aarch64_leg.sh) and the tflite-runtime leg (.ci/tflite_runtime_leg.sh) use it.

    python tools/platform_compare.py record -o x86.npz [--backends litert,onnx,numpy]
    python tools/platform_compare.py compare x86.npz arm64.npz [--tol 0.05] [--markdown out.md]

A recording holds, for the bundle shipped with the installed sgt_lite:
- the frontend features of the sample from the C core and from numpy;
- per backend, the network's raw outputs stepped over the sample's features with seeded noise
  from a zero state (no event sampling in between, so differences are the runtime's alone), and
  the Animator's frames streamed in 20 ms chunks with seed 0 (the whole product);
- CPU seconds per backend (compare them only as ratios on the same machine);
- where it ran: machine, Python, numpy, the runtime module each backend loaded through.
``compare`` fails (exit 1) when the C features are not bit-identical or a backend's frames
differ by more than --tol (degrees; blink in 0..1 units) from the reference recording.
"""
import argparse
import json
import platform
import sys
import time

import numpy as np

CHANNELS = ("head_yaw", "head_pitch", "head_roll", "gaze_yaw", "gaze_pitch", "blink")


def record(backends=("litert", "onnx", "numpy"), wav=None, seed=0, chunk_ms=20):
    """{name: array} plus a "meta" JSON string; a backend that cannot load is listed in meta."""
    import sgt_lite
    from sgt_lite import Animator
    from sgt_lite.audio import SAMPLE_WAV, Frontend, read_wav
    from sgt_lite.errors import SgtLiteError
    from sgt_lite.model.backends import make_backend, probe
    from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle
    from sgt_lite.model.features import stack_frames
    from sgt_lite.model.style_table import style_code

    bundle = Bundle.load(DEFAULT_BUNDLE)
    x, _ = read_wav(wav or SAMPLE_WAV, sample_rate=bundle.frontend.sample_rate)
    out, meta = {}, {"machine": platform.machine(), "python": platform.python_version(), "numpy": np.__version__,
                     "sgt_lite": sgt_lite.__version__, "sgt_lite_path": sgt_lite.__file__, "wav": str(wav or SAMPLE_WAV), "seconds": len(x) / bundle.frontend.sample_rate,
                     "bundle_sha256": {k: v["sha256"] for k, v in bundle.config["files"].items()},
                     "runtimes": {k: why for k, (_, why) in probe(bundle).items()}, "failed": {}, "cpu_s": {}}
    for kind in ("c", "numpy"):
        try:
            out[f"features_{kind}"] = Frontend(bundle.frontend, backend=kind).process(x)
        except SgtLiteError as exc:
            meta["failed"][f"frontend {kind}"] = str(exc)
    m = bundle.model
    feats = stack_frames(Frontend(bundle.frontend, backend="numpy").process(x), m["stack"])
    feats = ((feats - bundle.norm["feat_mean"]) / bundle.norm["feat_std"]).astype(np.float32)
    noise = np.random.default_rng(seed).standard_normal((len(feats), m["noise_dim"])).astype(np.float32)
    style = style_code(bundle.styles, bundle.config.get("default_style", next(iter(bundle.styles))), m["style_dim"])
    chunk = int(bundle.frontend.sample_rate * chunk_ms / 1000)
    for name in backends:
        try:
            step = make_backend(bundle, name)
            anim = Animator(backend=name, seed=seed)
        except SgtLiteError as exc:
            meta["failed"][name] = str(exc)
            continue
        h = np.zeros((m["layers"], m["hidden"]), np.float32)
        c = h.copy()
        raw = []
        for t in range(len(feats)):
            r, h, c = step(np.concatenate([feats[t], noise[t]]), style, h, c)
            raw.append(np.asarray(r, np.float32))
        out[f"raw_{name}"] = np.array(raw)
        t0 = time.process_time()
        frames = []
        for i in range(0, len(x), chunk):
            frames += anim.step(x[i:i + chunk])
        meta["cpu_s"][name] = time.process_time() - t0
        out[f"frames_{name}"] = np.array([tuple(f) for f in frames], np.float64)
    out["meta"] = np.array(json.dumps(meta))
    return out


def load(path):
    with np.load(path, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    data["meta"] = json.loads(str(data["meta"]))
    return data


def _bits_equal(a, b):
    return a.shape == b.shape and np.array_equal(np.ascontiguousarray(a, np.float32).view(np.uint32),
                                                 np.ascontiguousarray(b, np.float32).view(np.uint32))


def compare(ref, got, tol=0.05, raw_tol=None, backends=None):
    """(report dict, list of failures). ``ref``/``got``: dicts from :func:`load` or :func:`record`;
    ``backends``: the ones to compare (default: every backend of the reference)."""
    failures, rep = [], {"features": {}, "backends": {}, "cpu_ratio": {}}
    if ref["meta"]["bundle_sha256"] != got["meta"]["bundle_sha256"]:
        failures.append("the two recordings used different bundles")
    for kind in ("c", "numpy"):
        key = f"features_{kind}"
        if key not in ref or key not in got:
            continue
        a, b = ref[key], got[key]
        same = _bits_equal(a, b)
        diff = float(np.abs(a - b).max()) if a.shape == b.shape else float("inf")
        rep["features"][kind] = {"bit_identical": same, "max_abs_diff": diff, "frames": int(len(b)),
                                 "values_differing": int(np.count_nonzero(a != b)) if a.shape == b.shape else None}
        if kind == "c" and not same:
            failures.append(f"C frontend features are not bit-identical (max abs diff {diff:g})")
    names = sorted({k[len("frames_"):] for k in ref if k.startswith("frames_")}) if backends is None else backends
    for name in names:
        if f"frames_{name}" not in ref:
            failures.append(f"backend {name}: not in the reference ({ref['meta']['failed'].get(name, 'not asked for')})")
            continue
        if f"frames_{name}" not in got:
            failures.append(f"backend {name}: not recorded ({got['meta']['failed'].get(name, 'not asked for')})")
            continue
        fa, fb = ref[f"frames_{name}"], got[f"frames_{name}"]
        if fa.shape != fb.shape:
            failures.append(f"backend {name}: {fb.shape} frames against {fa.shape}")
            continue
        frame_diff = np.abs(fa[:, 1:] - fb[:, 1:]).max(0)
        raw_diff = np.abs(ref[f"raw_{name}"] - got[f"raw_{name}"]).max(0)
        rep["backends"][name] = {"frames": int(len(fb)), "frames_max_abs_diff": dict(zip(CHANNELS, frame_diff.round(6).tolist())),
                                 "raw_max_abs_diff": float(raw_diff.max()), "runtime": got["meta"]["runtimes"].get(name)}
        if frame_diff.max() > tol:
            failures.append(f"backend {name}: frames differ by up to {frame_diff.max():.4f} "
                            f"({CHANNELS[int(frame_diff.argmax())]}) > {tol}")
        if raw_tol is not None and raw_diff.max() > raw_tol:
            failures.append(f"backend {name}: raw network outputs differ by up to {raw_diff.max():.5f} > {raw_tol}")
    cpu = got["meta"]["cpu_s"]
    base = cpu.get("numpy")
    if base:
        rep["cpu_ratio"] = {k: round(v / base, 3) for k, v in cpu.items()}
    return rep, failures


def markdown(rep, ref_meta, got_meta, failures):
    lines = [f"reference: {ref_meta['machine']}, Python {ref_meta['python']}, numpy {ref_meta['numpy']}; "
             f"compared: {got_meta['machine']}, Python {got_meta['python']}, numpy {got_meta['numpy']}; "
             f"{got_meta['seconds']:.1f} s of {got_meta['wav'].rsplit('/', 1)[-1]}", "",
             "| frontend | frames | bit-identical | values differing | max abs diff |", "|---|---:|---|---:|---:|"]
    for kind, f in rep["features"].items():
        lines.append(f"| {kind} | {f['frames']} | {'yes' if f['bit_identical'] else 'no'} | {f['values_differing']} | "
                     f"{f['max_abs_diff']:.3g} |")
    lines += ["", "| backend | runtime | frames | max abs diff per channel (deg; blink 0..1) | raw outputs max abs diff |",
              "|---|---|---:|---|---:|"]
    for name, b in rep["backends"].items():
        diffs = ", ".join(f"{k} {v:.4f}" for k, v in b["frames_max_abs_diff"].items())
        lines.append(f"| {name} | {b['runtime']} | {b['frames']} | {diffs} | {b['raw_max_abs_diff']:.3g} |")
    if rep["cpu_ratio"]:
        lines += ["", "CPU time relative to the numpy backend on the compared machine: "
                  + ", ".join(f"{k} {v:.2f}" for k, v in rep["cpu_ratio"].items())]
    lines += ["", "result: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures))]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("-o", "--output", required=True)
    r.add_argument("--backends", default="litert,onnx,numpy")
    r.add_argument("--wav")
    c = sub.add_parser("compare")
    c.add_argument("reference")
    c.add_argument("candidate")
    c.add_argument("--tol", type=float, default=0.05, help="frames: max abs difference (default 0.05)")
    c.add_argument("--raw-tol", type=float, help="raw network outputs: max abs difference (default: report only)")
    c.add_argument("--backends", help="compare only these (comma-separated; default: all in the reference)")
    c.add_argument("--markdown", help="also write the table here")
    args = ap.parse_args(argv)
    if args.cmd == "record":
        data = record([b for b in args.backends.split(",") if b], wav=args.wav)
        np.savez(args.output, **data)
        meta = json.loads(str(data["meta"]))
        print(f"recorded {sorted(k for k in data if k != 'meta')} on {meta['machine']} -> {args.output}")
        for k, v in meta["failed"].items():
            print(f"  {k}: not recorded: {v}")
        return 0
    ref, got = load(args.reference), load(args.candidate)
    rep, failures = compare(ref, got, args.tol, args.raw_tol,
                            [b for b in args.backends.split(",") if b] if args.backends else None)
    text = markdown(rep, ref["meta"], got["meta"], failures)
    print(text, end="")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
