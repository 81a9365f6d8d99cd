"""Head profiles: what a robot's body can do, read from a TOML file.

A profile names the joints the head has (any of ``head_yaw``, ``head_pitch``,
``head_roll``, ``eye_yaw``, ``eye_pitch``, ``eyelid``), each with a range, a neutral
position and velocity / acceleration limits, plus optional servo calibration for the
PCA9685 driver. See ``sgt_lite/shaping/profiles/*.toml``.
"""
import dataclasses
import math
import os
import pathlib

from ..errors import ConfigError

JOINTS = ("head_yaw", "head_pitch", "head_roll", "eye_yaw", "eye_pitch", "eyelid")
PROFILE_DIR = pathlib.Path(__file__).with_name("profiles")


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
    """PCA9685 calibration: the pulse widths that reach ``min_deg`` and ``max_deg``."""

    channel: int
    min_us: float = 500.0
    max_us: float = 2500.0
    min_deg: float = -90.0
    max_deg: float = 90.0
    invert: bool = False

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
    """A validated head profile.

    >>> p = HeadProfile.load("pan_tilt")
    >>> p.name, sorted(p.joints)
    ('2-DoF pan-tilt', ['head_pitch', 'head_yaw'])
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
        head = d.get("head", {})
        joints = {}
        for name, j in d.get("joints", {}).items():
            if name not in JOINTS:
                raise ConfigError(f"{source}: unknown joint {name!r}; known joints: {JOINTS}")
            try:
                servo = Servo(**j["servo"]) if "servo" in j else None
                joint = Joint(name=name, min=float(j["min"]), max=float(j["max"]), max_vel=float(j["max_vel"]),
                              max_acc=float(j["max_acc"]), neutral=float(j.get("neutral", 0.0)), servo=servo)
            except (KeyError, TypeError) as exc:
                raise ConfigError(f"{source}: joint {name!r} needs min, max, max_vel, max_acc ({exc})") from exc
            values = (joint.min, joint.max, joint.max_vel, joint.max_acc, joint.neutral)
            if not all(math.isfinite(v) for v in values):
                raise ConfigError(f"{source}: joint {name!r} has a non-finite number")
            if not (joint.min < joint.max and joint.min <= joint.neutral <= joint.max):
                raise ConfigError(f"{source}: joint {name!r} needs min < max and neutral within them")
            if not (joint.max_vel > 0 and joint.max_acc > 0):
                raise ConfigError(f"{source}: joint {name!r} needs max_vel > 0 and max_acc > 0")
            joints[name] = joint
        if not joints:
            raise ConfigError(f"{source}: a profile needs at least one [joints.NAME] table")
        rate = float(head.get("servo_rate_hz", 50.0))
        if not 1.0 <= rate <= 1000.0:
            raise ConfigError(f"{source}: servo_rate_hz must be 1..1000, got {rate}")
        kw = {k: float(head[k]) for k in ("intensity", "deadband", "gaze_to_head", "vor_gain", "idle_after_s")
              if k in head}
        return cls(name=str(head.get("name", os.path.basename(source))), joints=joints, servo_rate_hz=rate, **kw)

    @property
    def neutral(self) -> dict:
        return {n: j.neutral for n, j in self.joints.items()}
