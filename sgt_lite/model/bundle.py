"""The deployable bundle: a folder with ``bundle.json`` (the config sidecar), ``styles.json``
and the int8 model files. ``DEFAULT_BUNDLE`` ships inside the package.

Loading checks ``bundle.json`` against its schema (:mod:`.bundle_config`), reads each model file
once and verifies the sha256 of those bytes; the backends run exactly these bytes, so a file
swapped on disk after the check is never used."""
import dataclasses
import hashlib
import logging
import pathlib

import numpy as np

from ..audio.frontend_config import FrontendConfig
from ..errors import ConfigError, ModelFileError
from ..resources import DEFAULT_BUNDLE
from .bundle_config import FORMAT, MAX_CONFIG_BYTES, check_config, read_json
from .style_table import USER_STYLES_ENV, legacy_user_styles_path, load_builtin, load_user, user_styles_path

log = logging.getLogger(__name__)

__all__ = ["Bundle", "DEFAULT_BUNDLE", "FORMAT", "USER_STYLES_ENV", "sha256", "user_styles_path"]


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def _read_verified(folder: pathlib.Path, kind: str, info: dict, source: str) -> bytes:
    f = folder / info["file"]
    try:
        real = f.resolve(strict=True)
    except (FileNotFoundError, RuntimeError) as exc:
        raise ModelFileError(f"bundle file missing: {f}") from exc
    try:
        real.relative_to(folder.resolve())
    except ValueError:
        raise ModelFileError(f"{source}: files.{kind}.file: {f} leads to {real}, outside the bundle folder") from None
    if not real.is_file():
        raise ModelFileError(f"bundle file missing: {f}")
    with open(real, "rb") as fh:
        data = fh.read(info["bytes"] + 1)
    if len(data) != info["bytes"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise ModelFileError(f"bundle file {f} is truncated or corrupted (size/sha256 differ from "
                             "bundle.json); re-export it with 'python -m quantize'")
    return data


@dataclasses.dataclass
class Bundle:
    """A loaded and checked bundle: its config, styles and verified model bytes.

    >>> b = Bundle.load(DEFAULT_BUNDLE)
    >>> b.model["fps"], len(b.styles) >= 6, len(b.data("numpy")) == b.files["numpy"]["bytes"]
    (25.0, True, True)
    """

    path: str
    frontend: FrontendConfig
    model: dict
    norm: dict
    output_ranges: np.ndarray
    styles: dict
    files: dict
    config: dict
    blobs: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, path) -> "Bundle":
        path = pathlib.Path(path)
        if not path.is_dir():
            raise ModelFileError(f"model bundle not found: {path} (a folder with bundle.json)")
        source = str(path / "bundle.json")
        cfg, frontend = check_config(read_json(source, max_bytes=MAX_CONFIG_BYTES), source)
        blobs = {kind: _read_verified(path, kind, info, source) for kind, info in cfg["files"].items()}
        dim = cfg["model"]["style_dim"]
        styles = load_builtin(path / "styles.json", dim)
        if cfg["default_style"] is None:
            cfg["default_style"] = next(iter(styles))
        elif cfg["default_style"] not in styles:
            raise ConfigError(f"{source}: default_style: {cfg['default_style']!r} is not in styles.json "
                              f"({', '.join(styles)})")
        for extra in (path / "styles.user.json", legacy_user_styles_path(path), user_styles_path(path, cfg["files"])):
            styles.update(load_user(extra, dim))
        return cls(path=str(path), frontend=frontend, model=cfg["model"],
                   norm={k: np.asarray(v, np.float32) for k, v in cfg["norm"].items()},
                   output_ranges=np.asarray(cfg["output_ranges"], np.float32), styles=styles,
                   files=cfg["files"], config=cfg, blobs=blobs)

    def file(self, kind: str) -> str:
        """The path of a model file (for messages; backends use :meth:`data`)."""
        if kind not in self.files:
            raise ModelFileError(f"bundle {self.path} has no {kind!r} file; it has {sorted(self.files)}")
        return str(pathlib.Path(self.path) / self.files[kind]["file"])

    def data(self, kind: str) -> bytes:
        """The bytes of a model file, as read and sha256-checked by :meth:`load`."""
        self.file(kind)
        return self.blobs[kind]
