"""Exports and quantises the step graph and the style encoder."""
import logging
import pathlib

import numpy as np
import torch

log = logging.getLogger(__name__)

STEP_INPUTS = ["x", "style", "h", "c"]
STEP_OUTPUTS = ["raw", "h_out", "c_out"]


def export_onnx_fp32(step, example, path):
    # The legacy exporter keeps the ONNX LSTM op; the dynamo exporter routes its weights
    # through Unsqueeze and quantize_dynamic then silently leaves the LSTM in fp32.
    torch.onnx.export(step, example, str(path), input_names=STEP_INPUTS, output_names=STEP_OUTPUTS,
                      opset_version=17, dynamo=False)


def quantize_onnx(fp32_path, int8_path):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # reduce_range: 7-bit weights, or x86 CPUs without VNNI overflow and give ~25x the error.
    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8, reduce_range=True,
                     per_channel=True)
    import onnx

    ops = {n.op_type for n in onnx.load(str(int8_path)).graph.node}
    if "DynamicQuantizeLSTM" not in ops:
        raise RuntimeError(f"quantize_dynamic left the LSTM in fp32 (ops: {sorted(ops)})")
    return sorted(ops)


def export_encoder_onnx(enc, window, path):
    torch.onnx.export(enc, (torch.zeros(1, window, 6),), str(path), input_names=["motion"],
                      output_names=["code"], opset_version=17, dynamo=False,
                      dynamic_axes={"motion": {0: "batch"}, "code": {0: "batch"}})


def quantize_encoder_onnx(fp32_path, int8_path):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8, reduce_range=True,
                     op_types_to_quantize=["Conv", "MatMul", "Gemm"])


def export_tflite_int8(step, example, fp32_path, int8_path):
    """litert-torch conversion, then ai-edge-quantizer int8 weights (float activations and I/O).

    Weight-only int8 (the weights are stored int8 and dequantised at load): the dynamic-range
    recipe writes per-channel FULLY_CONNECTED ops that tflite-runtime 2.14, still the TFLite
    package of many Pi and Jetson images, runs with zeroed weights (quantize.tflite_ops)."""
    import litert_torch
    from ai_edge_quantizer import quantizer, recipe

    from .tflite_ops import check_tflite_runtime

    litert_torch.convert(step, example).export(str(fp32_path))
    q = quantizer.Quantizer(str(fp32_path))
    q.load_quantization_recipe(recipe.weight_only_wi8_afp32())
    q.quantize().export_model(str(int8_path), overwrite=True)
    problems = check_tflite_runtime(pathlib.Path(int8_path).read_bytes())
    if problems:
        raise RuntimeError(f"{int8_path} would not run right in tflite-runtime 2.14: " + "; ".join(problems))


def int8_weights(weights: dict):
    """Symmetric per-output-channel int8 for every matrix and conv kernel; biases stay float32."""
    out = {}
    for k, w in weights.items():
        if w.ndim >= 2:
            axes = tuple(range(1, w.ndim))
            scale = np.maximum(np.abs(w).max(axis=axes, keepdims=True), 1e-12) / 127.0
            out[k + ".q"] = np.round(w / scale).clip(-127, 127).astype(np.int8)
            out[k + ".scale"] = scale.astype(np.float32)
        else:
            out[k] = w.astype(np.float32)
    return out
