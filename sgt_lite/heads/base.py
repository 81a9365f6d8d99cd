"""The driver contract, gpiozero-style: validate in the constructor (and close if that
fails), ``write(command)``, ``neutral()``, ``close()`` safe to call twice, context manager."""
import logging

from ..errors import SgtLiteError
from ..shaping import HeadProfile

log = logging.getLogger(__name__)


class HeadDriverError(SgtLiteError, OSError):
    """A driver lost its hardware (bus error, unplugged port) and stopped safely."""


class HeadDriver:
    """Base class of every head driver. Subclasses implement ``_send(joints)`` and may
    override ``_open`` / ``_close``; the base takes care of the lifecycle.

    >>> from sgt_lite.heads.recorder import ConsoleView
    >>> import io
    >>> with ConsoleView("pan_tilt", stream=io.StringIO()) as head:
    ...     head.write({"head_yaw": 10.0, "head_pitch": 0.0})
    >>> head.closed
    True
    """

    def __init__(self, profile="pan_tilt"):
        self.closed = False
        self.profile = profile if isinstance(profile, HeadProfile) else HeadProfile.load(profile)
        self.commands_sent = 0
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
        """Sends a :class:`~sgt_lite.shaping.Command` (or a {joint: value} dict)."""
        if self.closed:
            raise HeadDriverError(f"{type(self).__name__} is closed")
        joints = command.joints if hasattr(command, "joints") else command
        self._send({n: joints[n] for n in self.joint_names if n in joints})
        self.commands_sent += 1

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

    def _send(self, joints):
        raise NotImplementedError
