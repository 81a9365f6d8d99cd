"""Named style tables: every entry checked when loaded or added; user tables written atomically
under a lock.

A table is a JSON object ``{name: {"code": [style_dim numbers], "source": "..."}}``. The bundle's
own ``styles.json`` must be perfect (:class:`~sgt_lite.errors.ModelFileError` otherwise: the bundle
is broken). A user table (``sgt-lite style add``) never stops the robot: a file that cannot be
parsed is moved aside as ``<name>.corrupt-<time>`` with a warning, and bad entries are skipped
with a warning that names them.
"""
import contextlib
import hashlib
import logging
import math
import numbers
import os
import pathlib
import re
import stat
import time

import numpy as np

from ..config_check import Fields
from ..errors import ConfigError, ModelFileError

try:
    import fcntl
except ImportError:  # not POSIX: writes stay atomic, without the cross-process lock
    fcntl = None

log = logging.getLogger(__name__)

USER_STYLES_ENV = "SGT_LITE_CONFIG_DIR"
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,39}")
NAME_RULE = "1 to 40 characters from A-Z a-z 0-9 _ . - (not starting with '.' or '-')"
# Codes are unit vectors from the style encoder; style_code() renormalises, so only a
# vanishing or overflowing length is insane.
MIN_NORM, MAX_NORM = 1e-3, 1e3
MAX_SOURCE_LEN = 500
MAX_TABLE_BYTES = 64 << 20
LOCK_TIMEOUT_S = 30.0


def user_styles_dir() -> pathlib.Path:
    """The one user folder for styles, shared by every venv and install:
    ``$SGT_LITE_CONFIG_DIR`` or ``$XDG_CONFIG_HOME/sgt-lite`` or ``~/.config/sgt-lite``."""
    return pathlib.Path(os.environ.get(USER_STYLES_ENV) or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "sgt-lite"))


def bundle_key(files: dict) -> str:
    """A short hash of a bundle's model files (their sha256 as ``bundle.json`` lists them):
    the same model gives the same key wherever it is installed, another model another key
    (style codes only mean something to the model that made them)."""
    try:
        parts = sorted(f"{kind}:{info['sha256']}" for kind, info in files.items())
    except (AttributeError, KeyError, TypeError) as exc:
        raise ModelFileError(f"bundle.json files: each entry needs a sha256 ({exc})") from None
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def user_styles_path(bundle_dir, files: dict = None) -> pathlib.Path:
    """Where ``sgt-lite style add`` keeps styles for a bundle it cannot write into:
    ``<user_styles_dir()>/styles/model-<bundle_key>.json``, keyed by the model's content, so
    every install of the same bundle (any venv, numpy 1 or 2, editable or wheel) shares it.
    ``files`` is the bundle's ``files`` table (read from its ``bundle.json`` when not given)."""
    if files is None:
        import json

        source = pathlib.Path(bundle_dir) / "bundle.json"
        try:
            files = json.loads(source.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelFileError(f"cannot read the model files' hashes from {source} ({exc})") from None
    return user_styles_dir() / "styles" / f"model-{bundle_key(files)}.json"


def legacy_user_styles_path(bundle_dir) -> pathlib.Path:
    """Where earlier versions kept them (keyed by the install path); still read, never written."""
    name = hashlib.sha1(str(pathlib.Path(bundle_dir).resolve()).encode()).hexdigest()[:10]
    return user_styles_dir() / "styles" / f"{pathlib.Path(bundle_dir).name}-{name}.json"


# checks ---------------------------------------------------------------------------------
def check_name(name) -> str:
    """``name`` if it is a valid style name, else :class:`ConfigError`."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ConfigError(f"bad style name {name!r}: use {NAME_RULE}")
    return name


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def check_code(code, dim: int, what: str = "a style code") -> np.ndarray:
    """``code`` as a float32 vector if it is ``dim`` finite numbers of sane length, else
    :class:`ConfigError` saying what is wrong.

    >>> check_code([0.6, 0.8], 2)
    array([0.6, 0.8], dtype=float32)
    >>> check_code([0.6, float("nan")], 2)
    Traceback (most recent call last):
    ...
    sgt_lite.errors.ConfigError: a style code must be 2 finite numbers; item 1 is nan
    """
    arr = None
    if not (isinstance(code, (str, bytes, dict)) or code is None
            or (isinstance(code, (list, tuple)) and not all(_is_number(v) for v in code))):
        try:
            arr = np.asarray(code)
        except (TypeError, ValueError, OverflowError):
            arr = None
    if arr is None or arr.dtype.kind not in "fiu":
        raise ConfigError(f"{what} must be {dim} finite numbers (the model's style_dim), got "
                          f"{type(code).__name__} {str(code)[:60]}")
    arr = arr.astype(np.float64).reshape(-1)
    if arr.size != dim:
        raise ConfigError(f"{what} must be {dim} finite numbers (the model's style_dim), got {arr.size}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ConfigError(f"{what} must be {dim} finite numbers; item {bad[0]} is {arr[bad[0]]}")
    with np.errstate(over="ignore"):
        norm = float(np.linalg.norm(arr))
    if not MIN_NORM <= norm <= MAX_NORM:
        raise ConfigError(f"{what} has length {norm:.3g}, outside [{MIN_NORM:g}, {MAX_NORM:g}] "
                          "(style codes are unit vectors from the style encoder)")
    return arr.astype(np.float32)


def check_entry(name, entry, dim: int) -> dict:
    """One table entry, checked: ``{"code": [floats], "source": str}`` plus, for the styles a
    model was trained with, ``"head": {"residual_std": [3], "residual_ar": [[a1, a2] x 3]}`` (the
    head motion the network leaves to the seeded remainder) and ``"pose_offset": [5]`` (its mean
    head and gaze pose beyond the network's, degrees) and ``"hazard_bias": [2]`` (its shifts of the
    saccade and blink hazard logits), or :class:`ConfigError`."""
    from ..events.head_motion import check_remainder

    check_name(name)
    f = Fields(entry, f"style {name!r}")
    raw = f.raw("code")
    check_code(raw, dim, f"style {name!r}: code")
    source = f.string("source", default="", max_len=MAX_SOURCE_LEN)
    out = {"code": [float(v) for v in np.asarray(raw, np.float64).reshape(-1)], "source": source}
    if "head" in f.table:
        h = f.table_of("head")
        std, ar = check_remainder(h.numbers("residual_std", length=3, lo=0, hi=30), _pairs(h),
                                  f"style {name!r}: head")
        for extra in ("network_std", "real_std"):
            if extra in h.table:
                h.numbers(extra, length=3, lo=0, hi=180)
        h.done()
        out["head"] = {"residual_std": std.tolist(), "residual_ar": ar.tolist()}
    if "pose_offset" in f.table:
        out["pose_offset"] = [float(v) for v in f.numbers("pose_offset", length=5, lo=-30, hi=30)]
    if "hazard_bias" in f.table:
        out["hazard_bias"] = [float(v) for v in f.numbers("hazard_bias", length=2, lo=-8, hi=8)]
    f.done(known_elsewhere=("code", "source", "head", "pose_offset", "hazard_bias"))
    return out


def _pairs(h: Fields) -> list:
    raw = h.raw("residual_ar")
    if not (isinstance(raw, list) and len(raw) == 3 and all(isinstance(p, list) and len(p) == 2 for p in raw)):
        raise h.error("residual_ar", "expected 3 pairs [a1, a2] (yaw, pitch, roll)")
    return [Fields({"a": p}, h.source, f"{h.where}.residual_ar[{i}]").numbers("a", length=2, lo=-2, hi=2)
            for i, p in enumerate(raw)]


# reading --------------------------------------------------------------------------------
def _load_raw(path):
    """The file's JSON object; None if there is no file; ModelFileError if it is not a table."""
    import json     # json, tempfile: imported where used, so `from sgt_lite import Animator` stays light

    path = pathlib.Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size > MAX_TABLE_BYTES:
        raise ModelFileError(f"{path} is not a style table ({size} bytes; at most {MAX_TABLE_BYTES})")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        table = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        what = "empty" if not data.strip() else f"not valid JSON: {str(exc)[:120]}"
        raise ModelFileError(f"{path} is a corrupted style table ({what})") from exc
    if not isinstance(table, dict):
        raise ModelFileError(f"{path} is a corrupted style table (a JSON {type(table).__name__}, "
                             "not an object of named styles)")
    return table


def load_builtin(path, dim: int) -> dict:
    """A bundle's ``styles.json``; any problem is a :class:`ModelFileError` (the bundle is broken)."""
    try:
        table = _load_raw(path)
    except ModelFileError as exc:
        raise ModelFileError(f"{exc}; the bundle is broken, re-export it with 'python -m quantize'") from exc
    if table is None:
        raise ModelFileError(f"model file missing: {path}")
    if not table:
        raise ModelFileError(f"{path} has no styles; a bundle needs at least one")
    out = {}
    for name, entry in table.items():
        try:
            out[name] = check_entry(name, entry, dim)
        except ConfigError as exc:
            raise ModelFileError(f"{path}: {exc}; the bundle is broken, re-export it with "
                                 "'python -m quantize'") from exc
    return out


def load_user(path, dim: int) -> dict:
    """A user table's good entries. Never raises for the file's content: a corrupt file is moved
    aside (warning), bad entries are skipped (warning naming each)."""
    path = pathlib.Path(path)
    try:
        try:
            table = _load_raw(path)
        except ModelFileError as exc:
            table = _quarantine(path, exc)
    except OSError as exc:
        log.warning("cannot read the style table %s (%s); ignoring it, the built-in styles still load", path, exc)
        return {}
    out, problems = {}, []
    for name, entry in (table or {}).items():
        try:
            out[name] = check_entry(name, entry, dim)
        except ConfigError as exc:
            problems.append(f"{name!r} ({exc})")
    if problems:
        log.warning("%s: skipped %d bad style(s), the others load: %s", path, len(problems), "; ".join(problems))
    return out


def _aside_name(path: pathlib.Path) -> pathlib.Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return aside


def _quarantine(path: pathlib.Path, problem: Exception):
    """Moves a corrupt table aside, under its lock and only if it is still corrupt then; returns the
    table a writer may have put there meanwhile, else None."""
    try:
        with _locked(path, timeout=2.0):
            try:
                return _load_raw(path)
            except ModelFileError:
                pass
            aside = _aside_name(path)
            os.replace(path, aside)
            _fsync_dir(path.parent)
    except OSError as exc:
        log.warning("%s; ignoring it, the built-in styles still load (could not move it aside: %s)", problem, exc)
        return None
    log.warning("%s; ignoring it, the built-in styles still load; the bad file is kept as %s", problem, aside)
    return None


# writing --------------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(path: pathlib.Path, timeout: float = LOCK_TIMEOUT_S):
    """An exclusive lock on ``<path>.lock`` across processes (the lock file itself is never removed,
    so every process locks the same inode)."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(str(lock_path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ModelFileError(f"{path} stayed locked by another process for {timeout:g} s "
                                             f"({lock_path}); try again") from None
                    time.sleep(0.01)
        yield
    finally:
        os.close(fd)


def _fsync_dir(folder):
    if os.name != "posix":
        return
    fd = os.open(str(folder), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path, data: bytes):
    """Replaces ``path`` with ``data`` so that a crash leaves the old file or the new one:
    a temporary file in the same folder, flushed and fsynced, renamed over ``path``, then the
    folder fsynced so the rename itself survives a power cut."""
    import tempfile

    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


class StyleTable:
    """A user style table file that several processes may add to at once.

    Each add is a read-modify-write under an exclusive lock (``<file>.lock``), written with
    :func:`atomic_write`, so concurrent adds are never lost and a crash or ``kill -9`` leaves the
    old table or the new one, never a partial file.

    >>> import pathlib, tempfile
    >>> table = StyleTable(pathlib.Path(tempfile.mkdtemp()) / "styles.json", dim=3)
    >>> table.add("warm", [0.6, 0.8, 0.0], source="hand-made")
    >>> table.load()["warm"]["code"]
    [0.6, 0.8, 0.0]
    >>> table.add("bad", [0.6, float("nan"), 0.0])
    Traceback (most recent call last):
    ...
    sgt_lite.errors.ConfigError: style 'bad': code must be 3 finite numbers; item 1 is nan
    """

    def __init__(self, path, dim: int):
        self.path, self.dim = pathlib.Path(path), int(dim)

    def load(self) -> dict:
        """The table's good entries (see :func:`load_user`)."""
        return load_user(self.path, self.dim)

    def add(self, name: str, code, source: str = ""):
        """Adds or replaces ``name``; the code is checked first."""
        entry = check_entry(name, {"code": list(np.asarray(code, np.float64).reshape(-1))
                                   if isinstance(code, np.ndarray) else code, "source": source}, self.dim)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.path):
            for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):   # from writers killed mid-write
                with contextlib.suppress(OSError):
                    stale.unlink()
            try:
                table = _load_raw(self.path) or {}
            except ModelFileError as exc:
                aside = _aside_name(self.path)
                os.replace(self.path, aside)
                log.warning("%s; starting a new table, the bad file is kept as %s", exc, aside)
                table = {}
            if name in table:
                log.info("replacing style %r in %s", name, self.path)
            table[name] = entry
            import json

            atomic_write(self.path, json.dumps(table, indent=1).encode("utf-8"))


# choosing a style -----------------------------------------------------------------------
def style_code(styles: dict, style, dim: int) -> np.ndarray:
    """A unit-length code from a style name, a {name: weight} blend or a raw vector;
    :class:`ConfigError` for an unknown name, a bad weight or a code that is not ``dim``
    finite numbers of sane length."""
    if isinstance(style, str):
        if style not in styles:
            raise ConfigError(f"unknown style {style!r}; available styles: {', '.join(sorted(styles))}")
        entry = styles[style]
        code = check_code(entry.get("code") if isinstance(entry, dict) else entry, dim, f"style {style!r}")
    elif isinstance(style, dict):
        if not style:
            raise ConfigError("a style blend needs at least one {name: weight}")
        for name, w in style.items():
            if not isinstance(name, str) or isinstance(w, bool) or not isinstance(w, numbers.Real) \
                    or not math.isfinite(w) or w < 0:
                raise ConfigError(f"a style blend maps style names to finite weights >= 0; got {name!r}: {w!r}")
        total = sum(float(w) for w in style.values())
        if not total > 0:
            raise ConfigError(f"style blend weights must sum to > 0, got {style}")
        code = sum(float(w) / total * style_code(styles, name, dim) for name, w in style.items())
    else:
        code = check_code(style, dim, "a raw style code")
    norm = np.linalg.norm(code)
    return (code / norm if norm > 1e-6 else code).astype(np.float32)
