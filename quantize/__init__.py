"""Checkpoint -> int8 bundle: ONNX (onnxruntime dynamic int8), TFLite (LiteRT, int8 weights),
numpy int8 weights, the style table and the exported style encoder.

    python -m quantize CHECKPOINT -o BUNDLE_DIR

Needs the ``[quantize]`` extra (torch, onnx, onnxruntime, litert-torch, ai-edge-quantizer).
"""
