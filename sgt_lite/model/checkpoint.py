"""The checkpoint format shared by training, quantize/ and the numpy backend.

A checkpoint is a folder:

- ``config.json``: ``format`` ("sgt-lite-checkpoint/1"), ``frontend`` (FrontendConfig),
  ``model`` (fps, stack, feature/noise/style dims, hidden size, layers, output channels,
  pattern classes, latency_s), ``norm`` (feature and motion mean/std), ``styles``
  (name -> {"code": [...], "source": "..."}), ``encoder`` (window length) and ``training``
  (recipe, seed, steps, held-out speakers, versions);
- ``weights.npz``: float32 arrays named like PyTorch's state_dict keys, prefixed
  ``generator.`` and ``encoder.``.

Reading it needs numpy only.
"""
import dataclasses
import json
import pathlib

import numpy as np

from ..audio.frontend_config import FrontendConfig
from ..errors import ModelFileError
from .bundle_config import read_json  # noqa: F401  (its home before; evaluation.report imports it here)

FORMAT = "sgt-lite-checkpoint/1"


@dataclasses.dataclass
class Checkpoint:
    """A loaded checkpoint: config sections as dicts, weights as numpy arrays.

    >>> ck = Checkpoint.load("checkpoints/default")
    >>> ck.model["fps"], len(ck.styles), "calm" in ck.styles
    (25, 15, True)
    """

    path: str
    frontend: FrontendConfig
    model: dict
    norm: dict
    styles: dict
    encoder: dict
    training: dict
    weights: dict

    @classmethod
    def load(cls, path) -> "Checkpoint":
        path = pathlib.Path(path)
        cfg_path, w_path = path / "config.json", path / "weights.npz"
        for p in (cfg_path, w_path):
            if not p.is_file():
                raise ModelFileError(f"checkpoint file missing: {p}")
        cfg = read_json(cfg_path)
        if cfg.get("format") != FORMAT:
            raise ModelFileError(f"{cfg_path}: format {cfg.get('format')!r}, expected {FORMAT!r}")
        try:
            with np.load(w_path, allow_pickle=False) as z:
                weights = {k: z[k].astype(np.float32) for k in z.files}
        except Exception as exc:
            raise ModelFileError(f"{w_path} is truncated or corrupted ({exc})") from exc
        try:
            return cls(path=str(path), frontend=FrontendConfig.from_dict(cfg["frontend"]), model=cfg["model"],
                       norm={k: np.asarray(v, np.float32) for k, v in cfg["norm"].items()},
                       styles=cfg["styles"], encoder=cfg.get("encoder", {}), training=cfg.get("training", {}),
                       weights=weights)
        except KeyError as exc:
            raise ModelFileError(f"{cfg_path}: missing section {exc}") from exc

    def save(self, path=None):
        path = pathlib.Path(path or self.path)
        path.mkdir(parents=True, exist_ok=True)
        cfg = {"format": FORMAT, "frontend": self.frontend.to_dict(), "model": self.model,
               "norm": {k: np.asarray(v).tolist() for k, v in self.norm.items()},
               "styles": self.styles, "encoder": self.encoder, "training": self.training}
        (path / "config.json").write_text(json.dumps(cfg, indent=1))
        np.savez_compressed(path / "weights.npz", **{k: np.asarray(v, np.float32) for k, v in self.weights.items()})

    def generator_weights(self) -> dict:
        return {k[len("generator."):]: v for k, v in self.weights.items() if k.startswith("generator.")}
