"""Strict checks for config files (bundle config, head profiles, style tables).

Each file kind describes its fields once with these helpers; every problem becomes a
:class:`~sgt_lite.errors.ConfigError` that names the file and the field, so a robot
builder sees ``pan_tilt.toml: joints.head_yaw.servo.invert: expected true or false,
got the string 'false'`` instead of a servo that silently turns the wrong way.

>>> from sgt_lite.config_check import Fields
>>> f = Fields({"rate": 50, "name": "x"}, "head.toml", "head")
>>> f.number("rate", lo=1, hi=1000), f.string("name"), f.number("gain", default=1.0)
(50.0, 'x', 1.0)
>>> f.done()
>>> Fields({"nuetral": 0}, "head.toml", "joints.head_yaw").done()
Traceback (most recent call last):
...
sgt_lite.errors.ConfigError: head.toml: joints.head_yaw.nuetral: unknown key (did you mean 'neutral'?); known keys: []
"""
import math

from .errors import ConfigError

_MISSING = object()
# keys that a file kind accepts somewhere, for did-you-mean when a key is unknown
COMMON_KEYS = ("neutral", "min", "max", "max_vel", "max_acc", "servo", "channel", "min_us", "max_us",
               "min_deg", "max_deg", "invert", "intensity", "deadband", "gaze_to_head", "vor_gain",
               "idle_after_s", "servo_rate_hz", "name")


def _kind(value) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__}"
    return repr(value)


def _finite(x) -> bool:
    try:
        return math.isfinite(x)
    except OverflowError:       # an integer too large for a float
        return False


class Fields:
    """The fields of one table (a dict) read from ``source``; ``where`` is its dotted path.

    Every getter marks its key as seen; :meth:`done` rejects the keys nobody asked for.
    """

    def __init__(self, table, source: str, where: str = ""):
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: {where or 'top level'}: expected a table, got {_kind(table)}")
        self.table, self.source, self.where = table, source, where
        self._seen = set()

    def error(self, key, message) -> ConfigError:
        path = f"{self.where}.{key}" if self.where and key else (key or self.where or "top level")
        return ConfigError(f"{self.source}: {path}: {message}")

    def _get(self, key, default):
        self._seen.add(key)
        if key in self.table:
            return self.table[key]
        if default is _MISSING:
            raise self.error(key, "missing (required)")
        return default

    def number(self, key, default=_MISSING, lo=-math.inf, hi=math.inf, lo_open=False, hi_open=False) -> float:
        """A finite int or float (never a bool or a string) within [lo, hi]."""
        v = self._get(key, default)
        if v is default and default is not _MISSING:
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.error(key, f"expected a number, got {_kind(v)}")
        try:
            v = float(v)
        except OverflowError:       # a JSON/TOML integer too large for a float
            v = math.inf
        if not math.isfinite(v):
            raise self.error(key, f"expected a finite number, got {v}")
        if v < lo or v > hi or (lo_open and v == lo) or (hi_open and v == hi):
            lb, hb = "(" if lo_open else "[", ")" if hi_open else "]"
            raise self.error(key, f"{v:g} is outside {lb}{lo:g}, {hi:g}{hb}")
        return v

    def integer(self, key, default=_MISSING, lo=-(2 ** 31), hi=2 ** 31 - 1) -> int:
        """A whole number (an int, or a float with no fraction; never a bool) within [lo, hi]."""
        v = self._get(key, default)
        if v is default and default is not _MISSING:
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
            raise self.error(key, f"expected a whole number, got {_kind(v)}")
        v = int(v)
        if not lo <= v <= hi:
            raise self.error(key, f"{v} is outside [{lo}, {hi}]")
        return v

    def boolean(self, key, default=_MISSING) -> bool:
        """true or false, nothing else (the string "false" is not false)."""
        v = self._get(key, default)
        if not isinstance(v, bool):
            raise self.error(key, f"expected true or false, got {_kind(v)}")
        return v

    def string(self, key, default=_MISSING, max_len=200) -> str:
        v = self._get(key, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, str):
            raise self.error(key, f"expected a string, got {_kind(v)}")
        if len(v) > max_len:
            raise self.error(key, f"longer than {max_len} characters")
        return v

    def numbers(self, key, default=_MISSING, length=None, lo=-math.inf, hi=math.inf) -> list:
        """A list of finite numbers within [lo, hi]; ``length`` fixes how many."""
        v = self._get(key, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, list):
            raise self.error(key, f"expected a list of numbers, got {_kind(v)}")
        if length is not None and len(v) != length:
            raise self.error(key, f"expected {length} numbers, got {len(v)}")
        out = []
        for i, x in enumerate(v):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not _finite(x):
                raise self.error(key, f"item {i}: expected a finite number, got {_kind(x)}")
            if not lo <= x <= hi:
                raise self.error(key, f"item {i}: {x:g} is outside [{lo:g}, {hi:g}]")
            out.append(float(x))
        return out

    def strings(self, key, default=_MISSING, length=None, max_len=200) -> list:
        """A list of strings; ``length`` fixes how many."""
        v = self._get(key, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, list):
            raise self.error(key, f"expected a list of strings, got {_kind(v)}")
        if length is not None and len(v) != length:
            raise self.error(key, f"expected {length} strings, got {len(v)}")
        for i, x in enumerate(v):
            if not isinstance(x, str) or len(x) > max_len:
                raise self.error(key, f"item {i}: expected a string of at most {max_len} characters, "
                                      f"got {_kind(x)}")
        return list(v)

    def table_of(self, key, default=_MISSING) -> "Fields":
        """A nested table, as its own :class:`Fields`."""
        v = self._get(key, {} if default is _MISSING else default)
        if v is _MISSING:
            raise self.error(key, "missing (required)")
        return Fields(v, self.source, f"{self.where}.{key}" if self.where else key)

    def raw(self, key, default=_MISSING):
        """The value as it is (the caller checks it)."""
        return self._get(key, default)

    def done(self, known_elsewhere=COMMON_KEYS):
        """Raises for the first key no getter asked for, with a did-you-mean."""
        for key in self.table:
            if key not in self._seen:
                import difflib      # only on the error path: ~0.8 ms at import

                close = difflib.get_close_matches(str(key), sorted(self._seen) or list(known_elsewhere), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.error(key, f"unknown key{hint}; known keys: {sorted(self._seen)}")
