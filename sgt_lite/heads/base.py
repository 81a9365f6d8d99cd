"""The driver contract, gpiozero-style: validate in the constructor (and close if that
fails), ``write(command)``, ``neutral()``, ``close()`` safe to call twice, context manager.

Every driver gets commands through :meth:`HeadDriver.write`, which is the one place that
checks them: unknown joints and non-finite or non-numeric values are refused before any
byte goes out, values are clamped to the profile's joint range, and joints a command
leaves out hold their last value, so a driver always sends a whole, in-range pose.
"""
import logging
import math
import numbers

from ..errors import SgtLiteError
from ..shaping import HeadProfile

log = logging.getLogger(__name__)


class HeadDriverError(SgtLiteError, OSError):
    """A driver refused a command (nothing was sent) or lost its hardware and stopped safely."""


class HeadDriver:
    """Base class of every head driver. Subclasses implement ``_send(pose)`` (every joint of
    the profile, checked and clamped) and may override ``_open`` / ``_close``; the base
    takes care of the lifecycle.

    >>> from sgt_lite.heads.recorder import ConsoleView
    >>> import io
    >>> with ConsoleView("pan_tilt", stream=io.StringIO()) as head:
    ...     head.write({"head_yaw": 500.0})                 # clamped to the joint's range
    ...     head.pose
    {'head_yaw': 60.0, 'head_pitch': 0.0}
    >>> head.closed, head.clamped
    (True, 1)
    """

    def __init__(self, profile="pan_tilt"):
        self.closed = False
        self.profile = profile if isinstance(profile, HeadProfile) else HeadProfile.load(profile)
        self.commands_sent = 0
        self.clamped = 0
        self.pose = dict(self.profile.neutral)
        self._clamp_logged = set()
        try:
            self._open()
        except BaseException:
            self.closed = True
            self._safe_close()
            raise

    @property
    def joint_names(self):
        return list(self.profile.joints)

    def write(self, command):
        """Sends a :class:`~sgt_lite.shaping.Command` (or a {joint: value} dict).

        Raises :class:`HeadDriverError`, with nothing sent, for an unknown joint or a value
        that is not a finite number; clamps values outside a joint's range.
        """
        if self.closed:
            raise HeadDriverError(f"{type(self).__name__} is closed")
        pose = self._checked(command.joints if hasattr(command, "joints") else command)
        self._send(pose)
        self.pose = pose
        self.commands_sent += 1

    def _checked(self, joints) -> dict:
        if not hasattr(joints, "items"):
            raise HeadDriverError(f"a command is a Command or a {{joint: value}} dict, got {type(joints).__name__}")
        pose = dict(self.pose)
        for name, value in joints.items():
            joint = self.profile.joints.get(name)
            if joint is None:
                raise HeadDriverError(f"unknown joint {name!r}; this head's joints: {self.joint_names} "
                                      "(nothing was sent)")
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise HeadDriverError(f"{name}={value!r} is not a finite number (nothing was sent)")
            v = float(value)
            if not joint.min <= v <= joint.max:
                self.clamped += 1
                if name not in self._clamp_logged:
                    self._clamp_logged.add(name)
                    log.warning("%s=%g is outside its range [%g, %g]: clamped (further clamps are only "
                                "counted, in .clamped)", name, v, joint.min, joint.max)
                v = min(max(v, joint.min), joint.max)
            pose[name] = v
        return pose

    def neutral(self):
        self.write(self.profile.neutral)

    def close(self):
        """Goes to the neutral pose and releases the hardware; safe to call twice."""
        if self.closed:
            return
        try:
            self.neutral()
        except Exception as exc:  # the port may already be gone; closing must still happen
            log.warning("%s: could not send the neutral pose on close: %s", type(self).__name__, exc)
        self.closed = True
        self._safe_close()

    def _safe_close(self):
        try:
            self._close()
        except Exception as exc:
            log.warning("%s: error while closing: %s", type(self).__name__, exc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _open(self):
        pass

    def _close(self):
        pass

    def _send(self, pose):
        raise NotImplementedError
