"""python -m quantize CHECKPOINT -o BUNDLE_DIR [--heldout-audio WAV ...] [--minutes 2]"""
import argparse
import json
import logging
import pathlib
import sys
import tempfile
import time

import numpy as np

from sgt_lite.model.outputs import OUTPUT_RANGES

log = logging.getLogger("quantize")


def _say(msg):
    print(msg, file=sys.stderr, flush=True)


def _heldout_audio(ck, paths, minutes):
    from sgt_lite.audio import read_wav
    from sgt_lite.motion.dataset import load_tracks

    if paths:
        parts = [read_wav(p, ck.frontend.sample_rate)[0] for p in paths]
    else:
        held = ck.training.get("heldout_speakers", [])
        parts = [t.load_audio(ck.frontend.sample_rate) for t in load_tracks() if t.speaker in held]
        if not parts:
            raise SystemExit("no held-out audio: pass --heldout-audio WAV")
    x = np.concatenate(parts)
    reps = int(np.ceil(minutes * 60 * ck.frontend.sample_rate / len(x)))
    return np.tile(x, reps)[: int(minutes * 60 * ck.frontend.sample_rate)]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m quantize", description="checkpoint -> int8 bundle")
    ap.add_argument("checkpoint")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--heldout-audio", nargs="*", help="WAVs for the verification (default: the "
                    "checkpoint's held-out speakers from the shared data)")
    ap.add_argument("--minutes", type=float, default=2.0, help="length of the verification stream")
    ap.add_argument("--default-style", help="style Animator() uses by default (default: the first)")
    ap.add_argument("--report", help="folder for verify.md / verify.json (default: BUNDLE_DIR-report)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    import torch

    import sgt_lite
    from sgt_lite.model.bundle import FORMAT, sha256
    from sgt_lite.model.checkpoint import Checkpoint

    from . import export, verify
    from .step_graph import GeneratorStep, example_inputs, load_torch

    t0 = time.time()
    out = pathlib.Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    ck = Checkpoint.load(args.checkpoint)
    m = ck.model
    gen, enc = load_torch(ck)
    step = GeneratorStep(gen, m["cell_clip"]).eval()
    example = example_inputs(ck)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        _say("[1/6] step graph -> ONNX fp32 (legacy exporter, LSTM op kept)")
        export.export_onnx_fp32(step, example, tmp / "step_fp32.onnx")
        _say("[2/6] ONNX -> onnxruntime dynamic int8 (reduce_range=True)")
        ops = export.quantize_onnx(tmp / "step_fp32.onnx", out / "model_int8.onnx")
        _say(f"      ops: {', '.join(ops)}")
        _say("[3/6] step graph -> TFLite (litert-torch) -> int8 weights (ai-edge-quantizer)")
        export.export_tflite_int8(step, example, tmp / "step_fp32.tflite", out / "model_int8.tflite")
        _say("[4/6] numpy int8 weights, style encoder (ONNX) and style table")
        np.savez_compressed(out / "weights_int8.npz", **export.int8_weights(
            {k: v for k, v in ck.weights.items()}))
        export.export_encoder_onnx(enc, int(ck.encoder["window"]), tmp / "style_encoder_fp32.onnx")
        export.quantize_encoder_onnx(tmp / "style_encoder_fp32.onnx", out / "style_encoder.onnx")
    styles = {k: {"code": [round(float(x), 5) for x in v["code"]], "source": v["source"],
                  "head": {"residual_std": v["head"]["residual_std"], "residual_ar": v["head"]["residual_ar"]},
                  **{key: v[key] for key in ("pose_offset", "hazard_bias") if key in v}}
              for k, v in ck.styles.items()}
    (out / "styles.json").write_text(json.dumps(styles, indent=1))

    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(out / "model_int8.tflite"))
    # litert-torch names them serving_default_args_<i> / ..._output_<i>_output, in argument order
    ins = sorted(interp.get_input_details(), key=lambda d: d["name"])
    outs = sorted(interp.get_output_details(), key=lambda d: d["name"])
    files = {kind: name for kind, name in (("onnx", "model_int8.onnx"), ("tflite", "model_int8.tflite"),
                                            ("numpy", "weights_int8.npz"), ("encoder_onnx", "style_encoder.onnx"))}
    import onnxruntime

    import ai_edge_litert

    cfg = {
        "format": FORMAT,
        "frontend": ck.frontend.to_dict(),
        "model": {k: m[k] for k in ("fps", "stack", "feature_dim", "noise_dim", "style_dim", "hidden", "layers",
                                    "latency_s", "cell_clip", "outputs", "eyes", "head_motion")},
        "norm": {k: [float("%.6g" % x) for x in np.asarray(v).ravel()] for k, v in ck.norm.items()},
        "output_ranges": OUTPUT_RANGES,
        "default_style": args.default_style or ck.training.get("default_style") or next(iter(ck.styles)),
        "encoder": {"window": int(ck.encoder["window"])},
        "tflite_io": {"inputs": [d["name"] for d in ins], "outputs": [d["name"] for d in outs]},
        "files": {k: {"file": f, "bytes": (out / f).stat().st_size, "sha256": sha256(out / f)}
                  for k, f in files.items()},
        "source": {"checkpoint": str(args.checkpoint), "training": {k: ck.training.get(k) for k in
                                                                    ("steps", "seed", "heldout_speakers", "torch")}},
        "versions": {"sgt_lite": sgt_lite.__version__, "torch": torch.__version__,
                     "onnxruntime": onnxruntime.__version__, "ai_edge_litert": getattr(ai_edge_litert, "__version__", "?"),
                     "numpy": np.__version__},
    }
    (out / "bundle.json").write_text(json.dumps(cfg, indent=1))

    _say(f"[5/6] verification: int8 vs fp32 on {args.minutes:g} min of held-out speech")
    from sgt_lite.model.backends import LiteRTBackend, NumpyBackend, OnnxBackend
    from sgt_lite.model.bundle import Bundle
    bundle = Bundle.load(out)
    backends = {"litert": LiteRTBackend(bundle), "onnx": OnnxBackend(bundle), "numpy": NumpyBackend(bundle)}
    audio = _heldout_audio(ck, args.heldout_audio, args.minutes)
    report, seconds = verify.compare(ck, bundle, backends, audio, cfg["default_style"])
    sizes = {f: (out / f).stat().st_size for f in files.values()}
    sizes["bundle total"] = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    report_dir = pathlib.Path(args.report or str(out) + "-report")
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "verify.json").write_text(json.dumps({"seconds": seconds, "report": report, "sizes": sizes}, indent=1))
    md = verify.markdown(report, seconds, sizes)
    (report_dir / "verify.md").write_text(md)
    _say("[6/6] done in %.0f s: %s" % (time.time() - t0, out))
    print(md)
    return 0
