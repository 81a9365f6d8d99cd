"""Head profiles: what a robot's body can do, read from a TOML file.

A profile names the joints the head has (any of ``head_yaw``, ``head_pitch``,
``head_roll``, ``eye_yaw``, ``eye_pitch``, ``eyelid``), each with a range, a neutral
position and velocity / acceleration limits, plus optional servo calibration for the
PCA9685 driver. See ``sgt_lite/shaping/profiles/*.toml``.

Every field is checked at load, before any driver opens: types are strict (``invert =
"false"`` is an error, not ``True``), unknown keys get a did-you-mean, numbers must be
finite and within sane bounds, and servo pulses must stay inside the servo's safe range
(500-2500 us unless ``safe_min_us`` / ``safe_max_us`` say otherwise, for the whole head in
``[head]`` or for one servo in its ``servo`` table).
"""
import dataclasses
import difflib
import os
import pathlib

from ..config_check import Fields
from ..errors import ConfigError

JOINTS = ("head_yaw", "head_pitch", "head_roll", "eye_yaw", "eye_pitch", "eyelid")
PROFILE_DIR = pathlib.Path(__file__).with_name("profiles")

MAX_DEG = 3600.0                 # ten turns: beyond any joint or calibration, far from float overflow
MAX_VEL, MAX_ACC = 1e5, 1e7      # deg/s, deg/s^2 (display pupils are fast, but not this fast)
SAFE_US = (500.0, 2500.0)        # default safe pulse range of a hobby servo
PULSE_LIMITS_US = (100.0, 3000.0)  # what a configured safe range may widen to
CHANNELS = (0, 15)               # PCA9685 outputs
MAX_INTENSITY = 10.0


def _toml_loads(text, path):
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except Exception as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


@dataclasses.dataclass(frozen=True)
class Servo:
    """PCA9685 calibration: the pulse widths that reach ``min_deg`` and ``max_deg``; pulses
    never leave [``min_us``, ``max_us``], which lies inside the safe range."""

    channel: int
    min_us: float = SAFE_US[0]
    max_us: float = SAFE_US[1]
    min_deg: float = -90.0
    max_deg: float = 90.0
    invert: bool = False
    safe_min_us: float = SAFE_US[0]
    safe_max_us: float = SAFE_US[1]

    def pulse_us(self, deg: float) -> float:
        if self.invert:
            deg = self.min_deg + self.max_deg - deg
        frac = (deg - self.min_deg) / (self.max_deg - self.min_deg)
        return self.min_us + min(max(frac, 0.0), 1.0) * (self.max_us - self.min_us)


@dataclasses.dataclass(frozen=True)
class Joint:
    name: str
    min: float
    max: float
    max_vel: float           # units per second (degrees, or 0..1 for the eyelid)
    max_acc: float           # units per second squared
    neutral: float = 0.0
    servo: Servo = None


@dataclasses.dataclass(frozen=True)
class HeadProfile:
    """A validated head profile (build it with :meth:`load` or :meth:`from_dict`).

    >>> p = HeadProfile.load("pan_tilt")
    >>> p.name, sorted(p.joints)
    ('2-DoF pan-tilt', ['head_pitch', 'head_yaw'])
    >>> bad = {"joints": {"head_yaw": {"min": -60, "max": 60, "max_vel": 150, "max_acc": 900, "nuetral": 0}}}
    >>> HeadProfile.from_dict(bad, "my_head.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sgt_lite.errors.ConfigError: my_head.toml: joints.head_yaw.nuetral: unknown key (did you mean 'neutral'?); known keys: [...]
    """

    name: str
    joints: dict
    servo_rate_hz: float = 50.0
    intensity: float = 1.0
    deadband: float = 0.3
    gaze_to_head: float = 0.5
    vor_gain: float = 1.0
    idle_after_s: float = 0.6

    @classmethod
    def load(cls, name_or_path) -> "HeadProfile":
        path = pathlib.Path(name_or_path)
        if not path.suffix and not path.exists():
            path = PROFILE_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            known = sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))
            raise ConfigError(f"head profile {name_or_path} not found; bundled profiles: {known}")
        return cls.from_dict(_toml_loads(path.read_text(), path), str(path))

    @classmethod
    def from_dict(cls, d: dict, source: str = "profile") -> "HeadProfile":
        top = Fields(d, source)
        head, joint_tables = top.table_of("head"), top.table_of("joints")
        top.done()
        kw = dict(
            name=head.string("name", os.path.basename(source)),
            servo_rate_hz=head.number("servo_rate_hz", 50.0, lo=1.0, hi=1000.0),
            intensity=head.number("intensity", 1.0, lo=0.0, hi=MAX_INTENSITY),
            deadband=head.number("deadband", 0.3, lo=0.0, hi=10.0),
            gaze_to_head=head.number("gaze_to_head", 0.5, lo=0.0, hi=1.0),
            vor_gain=head.number("vor_gain", 1.0, lo=0.0, hi=1.0),
            idle_after_s=head.number("idle_after_s", 0.6, lo=0.0, hi=3600.0, lo_open=True),
        )
        safe = _safe_range(head, SAFE_US)
        head.done()
        joints = {}
        for name in joint_tables.table:
            if name not in JOINTS:
                close = difflib.get_close_matches(str(name), JOINTS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise joint_tables.error(name, f"unknown joint{hint}; known joints: {', '.join(JOINTS)}")
            joints[name] = _joint(name, joint_tables.table_of(name), safe)
        if not joints:
            raise ConfigError(f"{source}: a profile needs at least one [joints.NAME] table")
        used = {}
        for name, j in joints.items():
            if j.servo is not None:
                other = used.setdefault(j.servo.channel, name)
                if other != name:
                    raise ConfigError(f"{source}: joints.{name}.servo.channel: channel {j.servo.channel} is used "
                                      f"by both {other} and {name}; give each servo its own PCA9685 output")
        return cls(joints=joints, **kw)

    @property
    def neutral(self) -> dict:
        return {n: j.neutral for n, j in self.joints.items()}


def _safe_range(f: Fields, default):
    lo = f.number("safe_min_us", default[0], *PULSE_LIMITS_US)
    hi = f.number("safe_max_us", default[1], *PULSE_LIMITS_US)
    if lo >= hi:
        raise f.error("safe_min_us", f"safe_min_us must be below safe_max_us, got {lo:g} and {hi:g}")
    return lo, hi


def _joint(name, f: Fields, safe) -> Joint:
    lim = (0.0, 1.0) if name == "eyelid" else (-MAX_DEG, MAX_DEG)
    lo, hi = f.number("min", lo=lim[0], hi=lim[1]), f.number("max", lo=lim[0], hi=lim[1])
    if not lo < hi:
        raise f.error("", f"needs min < max, got min = {lo:g}, max = {hi:g}")
    joint = Joint(name=name, min=lo, max=hi, neutral=f.number("neutral", 0.0, lo=lo, hi=hi),
                  max_vel=f.number("max_vel", lo=0.0, hi=MAX_VEL, lo_open=True),
                  max_acc=f.number("max_acc", lo=0.0, hi=MAX_ACC, lo_open=True),
                  servo=_servo(f.table_of("servo"), safe) if "servo" in f.table else None)
    if not lo <= joint.neutral <= hi:   # the default 0 may lie outside a range such as [10, 40]
        raise f.error("neutral", f"{joint.neutral:g} is outside [{lo:g}, {hi:g}]; set neutral within the range")
    f.done()
    return joint


def _servo(f: Fields, safe) -> Servo:
    channel = f.integer("channel", lo=CHANNELS[0], hi=CHANNELS[1])
    safe_lo, safe_hi = _safe_range(f, safe)
    min_us = f.number("min_us", safe_lo, lo=safe_lo, hi=safe_hi)
    max_us = f.number("max_us", safe_hi, lo=safe_lo, hi=safe_hi)
    if min_us >= max_us:
        raise f.error("min_us", f"min_us must be below max_us (set invert = true to reverse a servo), "
                                f"got {min_us:g} and {max_us:g}")
    min_deg = f.number("min_deg", -90.0, lo=-MAX_DEG, hi=MAX_DEG)
    max_deg = f.number("max_deg", 90.0, lo=-MAX_DEG, hi=MAX_DEG)
    if min_deg >= max_deg:
        raise f.error("min_deg", f"min_deg must be below max_deg (set invert = true to reverse a servo), "
                                 f"got {min_deg:g} and {max_deg:g}")
    servo = Servo(channel=channel, min_us=min_us, max_us=max_us, min_deg=min_deg, max_deg=max_deg,
                  invert=f.boolean("invert", False), safe_min_us=safe_lo, safe_max_us=safe_hi)
    f.done()
    return servo
