"""The deployable bundle: a folder with ``bundle.json`` (the config sidecar), ``styles.json``
and the int8 model files. ``DEFAULT_BUNDLE`` ships inside the package."""
import dataclasses
import hashlib
import os
import pathlib

import numpy as np

from ..audio.frontend_config import FrontendConfig
from ..errors import ModelFileError
from .checkpoint import read_json

FORMAT = "sgt-lite-bundle/1"
DEFAULT_BUNDLE = str(pathlib.Path(__file__).resolve().parents[1] / "data" / "default_bundle")
USER_STYLES_ENV = "SGT_LITE_CONFIG_DIR"


def user_styles_path(bundle_dir) -> pathlib.Path:
    """Where ``sgt-lite style add`` keeps styles for a bundle it cannot write into."""
    base = os.environ.get(USER_STYLES_ENV) or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "sgt-lite")
    name = hashlib.sha1(str(pathlib.Path(bundle_dir).resolve()).encode()).hexdigest()[:10]
    return pathlib.Path(base) / "styles" / f"{pathlib.Path(bundle_dir).name}-{name}.json"


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


@dataclasses.dataclass
class Bundle:
    """A loaded bundle's config (files are opened by the backends).

    >>> b = Bundle.load(DEFAULT_BUNDLE)
    >>> b.model["fps"], len(b.styles) >= 6
    (25, True)
    """

    path: str
    frontend: FrontendConfig
    model: dict
    norm: dict
    output_ranges: np.ndarray
    styles: dict
    files: dict
    config: dict

    @classmethod
    def load(cls, path) -> "Bundle":
        path = pathlib.Path(path)
        if not path.is_dir():
            raise ModelFileError(f"model bundle not found: {path} (a folder with bundle.json)")
        cfg = read_json(path / "bundle.json")
        if cfg.get("format") != FORMAT:
            raise ModelFileError(f"{path / 'bundle.json'}: format {cfg.get('format')!r}, expected {FORMAT!r}")
        for name, info in cfg["files"].items():
            f = path / info["file"]
            if not f.is_file():
                raise ModelFileError(f"bundle file missing: {f}")
            if f.stat().st_size != info["bytes"] or sha256(f) != info["sha256"]:
                raise ModelFileError(f"bundle file {f} is truncated or corrupted (size/sha256 differ from "
                                     "bundle.json); re-export it with 'python -m quantize'")
        styles = read_json(path / "styles.json")
        user = user_styles_path(path)
        for extra in (path / "styles.user.json", user):
            if extra.is_file():
                styles.update(read_json(extra))
        try:
            return cls(path=str(path), frontend=FrontendConfig.from_dict(cfg["frontend"]), model=cfg["model"],
                       norm={k: np.asarray(v, np.float32) for k, v in cfg["norm"].items()},
                       output_ranges=np.asarray(cfg["output_ranges"], np.float32), styles=styles,
                       files=cfg["files"], config=cfg)
        except KeyError as exc:
            raise ModelFileError(f"{path / 'bundle.json'}: missing key {exc}") from exc

    def file(self, kind: str) -> str:
        if kind not in self.files:
            raise ModelFileError(f"bundle {self.path} has no {kind!r} file; it has {sorted(self.files)}")
        return str(pathlib.Path(self.path) / self.files[kind]["file"])
