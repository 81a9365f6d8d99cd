"""Pollen Robotics' Reachy Mini through its official SDK (``pip install 'sgt-lite[reachy]'``).

Two ways in, both through the robot's daemon:

- ``layer="target"`` (default): every command is a head pose sent with
  ``ReachyMini.set_target`` (and the antennas, see below). sgt-lite owns the head.
- ``layer="offsets"``: every command is a speech offset (``SetSpeechOffsetsCmd``), the
  layer the SDK's own audio wobbler writes. The daemon composes it in the world frame
  on top of whatever pose the app commands (``compose_world_offset`` before the IK, in
  ``reachy_mini/daemon/backend/abstract.py``), the way Pollen's conversation app stacks
  its speech sway on its primary moves. Use it to replace the sway: the app keeps its
  moves, and must not call ``enable_wobbling()`` (the wobbler writes the same slot).

Angles: sgt-lite's pitch is chin-up positive, Reachy's nose-down positive, so pitch is
flipped; yaw (to the robot's left) and roll (right ear down) agree.

Antennas (target layer): they rest at the SDK's wake-up pose (10 deg, spread
symmetrically) and open to 25 deg while :attr:`ReachyMiniHead.speaking` is true, eased
by a rate limiter. Blink is not mapped with the bundled profile: antenna flicks at a
blink rate read as a tic. A profile with an ``eyelid`` joint maps it (the antennas close
in by up to 20 deg as the lid closes).
"""
import logging
import math
import numbers

from ..errors import ConfigError
from ..shaping.rate_limiter import RateLimiter
from .base import HeadDriver, HeadDriverError

log = logging.getLogger(__name__)

LAYERS = ("target", "offsets")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
ANTENNA_REST_DEG = 10.0       # the SDK's INIT_ANTENNAS_JOINT_POSITIONS: [-0.1745, 0.1745] rad
ANTENNA_SPEAKING_DEG = 25.0
ANTENNA_BLINK_DEG = 20.0
ANTENNA_RANGE_DEG = (-20.0, 60.0)
ANTENNA_MAX_VEL, ANTENNA_MAX_ACC = 120.0, 600.0     # deg/s, deg/s^2: a visible, unhurried ease
INSTALL_HINT = "pip install 'sgt-lite[reachy]' (Reachy Mini's SDK needs Python >= 3.11)"


def reachy_angles(pose) -> tuple:
    """(roll, pitch, yaw) in degrees, in the SDK's convention (``create_head_pose``), for an
    sgt-lite pose {joint: degrees}; missing joints are 0.

    >>> reachy_angles({"head_yaw": 20.0, "head_pitch": 10.0, "head_roll": -5.0})
    (-5.0, -10.0, 20.0)
    """
    return (float(pose.get("head_roll", 0.0)), -float(pose.get("head_pitch", 0.0)),
            float(pose.get("head_yaw", 0.0)))


def antenna_radians(spread_deg) -> list:
    """[right, left] antenna angles in radians for a symmetric spread (the SDK's order).

    >>> [round(a, 4) for a in antenna_radians(10.0)]
    [-0.1745, 0.1745]
    """
    a = math.radians(spread_deg)
    return [-a, a]


def pose_from_matrix(m) -> dict:
    """sgt-lite's head joints (degrees, sgt-lite's signs) from a Reachy head pose matrix
    (4x4, as ``get_current_head_pose`` returns): the inverse of the SDK's
    ``create_head_pose``, whose extrinsic xyz angles give R = Rz(yaw) Ry(pitch) Rx(roll).

    >>> c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    >>> yaw_30 = [[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    >>> {k: round(v, 6) + 0.0 for k, v in pose_from_matrix(yaw_30).items()}
    {'head_yaw': 30.0, 'head_pitch': 0.0, 'head_roll': 0.0}
    """
    r = [[float(m[i][j]) for j in range(3)] for i in range(3)]
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, -r[2][0]))))
    roll = math.degrees(math.atan2(r[2][1], r[2][2]))
    yaw = math.degrees(math.atan2(r[1][0], r[0][0]))
    return {"head_yaw": yaw, "head_pitch": -pitch, "head_roll": roll}


class ReachyMiniHead(HeadDriver):
    """A Reachy Mini head through its daemon (real robot or ``reachy-mini-daemon --sim``).

    ``host``/``port`` name the daemon (``localhost:8000`` by default; a local host
    connects with ``connection_mode="localhost_only"``, any other with ``"network"``).
    ``mini`` reuses an app's own ``ReachyMini`` instead (it is not closed here). The
    daemon is never spawned from here: start it yourself.

    >>> from sgt_lite.shaping import MotionShaper
    >>> shaper = MotionShaper("reachy_mini")
    >>> head = ReachyMiniHead(port=8000)                    # doctest: +SKIP
    >>> head.speaking = True                                # antennas open while speaking  # doctest: +SKIP
    >>> head.write(shaper.tick())                           # doctest: +SKIP
    >>> shaper.park_to(head); head.close()                  # doctest: +SKIP

    In an app that owns the robot, stack the motion on its moves instead of the SDK's sway:
    ``ReachyMiniHead(mini=reachy_mini, layer="offsets")``.
    """

    def __init__(self, profile="reachy_mini", host="localhost", port=8000, layer="target", antennas=True,
                 mini=None, timeout=5.0):
        self.host, self.port, self.layer, self.antennas, self.timeout = host, port, layer, antennas, timeout
        self.speaking = False
        self._mini, self._own = mini, mini is None
        self._antenna = None
        super().__init__(profile)

    # lifecycle -----------------------------------------------------------------
    def _open(self):
        self._check_args()
        try:
            from reachy_mini import ReachyMini
            from reachy_mini.io.protocol import SetSpeechOffsetsCmd
            from reachy_mini.utils import create_head_pose
        except ImportError as exc:
            raise ConfigError(f"the Reachy Mini head needs its SDK ({exc}): {INSTALL_HINT}") from exc
        try:
            from websockets.exceptions import WebSocketException      # the SDK's transport
        except ImportError:                                          # pragma: no cover - an SDK dependency
            WebSocketException = ConnectionError
        self._pose_matrix, self._offsets_cmd = create_head_pose, SetSpeechOffsetsCmd
        self._lost = (ConnectionError, OSError, WebSocketException)
        if self._own:
            mode = "localhost_only" if self.host in LOCAL_HOSTS else "network"
            try:
                self._mini = ReachyMini(host=self.host, port=self.port, connection_mode=mode, timeout=self.timeout,
                                        spawn_daemon=False, media_backend="no_media")
            except (ConnectionError, TimeoutError, OSError) as exc:
                raise HeadDriverError(
                    f"no Reachy Mini daemon answered at {self.host}:{self.port} ({exc}); start one with "
                    "`reachy-mini-daemon` (`--sim` for the MuJoCo simulation, `--fastapi-port N` for another port) "
                    "or give its address: --head reachy_mini:HOST:PORT") from exc
        rest = ANTENNA_REST_DEG
        self._antenna = RateLimiter(*ANTENNA_RANGE_DEG, ANTENNA_MAX_VEL, ANTENNA_MAX_ACC, rest)
        log.info("Reachy Mini at %s:%s, %s layer%s", self.host, self.port, self.layer,
                 ", antennas follow speech" if self._drives_antennas else "")

    def _check_args(self):
        if self.layer not in LAYERS:
            raise ConfigError(f"Reachy Mini layer must be one of {LAYERS}, got {self.layer!r}")
        if not isinstance(self.host, str) or not self.host:
            raise ConfigError(f"Reachy Mini host must be a host name or address, got {self.host!r}")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise ConfigError(f"Reachy Mini port must be a whole number 1..65535, got {self.port!r}")
        if not isinstance(self.antennas, bool):
            raise ConfigError(f"antennas must be True or False, got {self.antennas!r}")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, numbers.Real) \
                or not 0 < self.timeout <= 600:
            raise ConfigError(f"timeout must be a number of seconds in (0, 600], got {self.timeout!r}")
        eyes = sorted(set(self.profile.joints) & {"eye_yaw", "eye_pitch"})
        if eyes:
            raise ConfigError(f"profile {self.profile.name!r} has eye joints {eyes}, but Reachy Mini has no eyes; "
                              "use the reachy_mini profile (gaze then folds into the head)")

    @property
    def _drives_antennas(self) -> bool:
        return self.antennas and self.layer == "target"

    def neutral(self):
        self.speaking = False
        super().neutral()

    def _close(self):
        if self._mini is None:
            return
        try:
            if self._drives_antennas and self._antenna is not None and self._antenna.pos != ANTENNA_REST_DEG:
                self._mini.set_target(antennas=antenna_radians(ANTENNA_REST_DEG))
        finally:
            if self._own:
                self._mini.__exit__(None, None, None)      # the SDK's own teardown: media, then the socket
            self._mini = None

    # commands ------------------------------------------------------------------
    def _antenna_spread(self, pose) -> float:
        target = ANTENNA_SPEAKING_DEG if self.speaking else ANTENNA_REST_DEG
        target -= ANTENNA_BLINK_DEG * pose.get("eyelid", 0.0)
        return self._antenna.step(target, 1.0 / self.profile.servo_rate_hz)

    def _send(self, pose):
        roll, pitch, yaw = reachy_angles(pose)
        try:
            if self.layer == "target":
                head = self._pose_matrix(roll=roll, pitch=pitch, yaw=yaw, degrees=True)
                antennas = antenna_radians(self._antenna_spread(pose)) if self._drives_antennas else None
                self._mini.set_target(head=head, antennas=antennas)
            else:
                offsets = [0.0, 0.0, 0.0, math.radians(roll), math.radians(pitch), math.radians(yaw)]
                self._mini.client.send_command(self._offsets_cmd(offsets=offsets))
        except self._lost as exc:
            raise HeadDriverError(f"lost the Reachy Mini daemon at {self.host}:{self.port}: {exc}") from exc

    # read-back -----------------------------------------------------------------
    def read_pose(self) -> dict:
        """The head's present orientation from the daemon, in sgt-lite's joints and signs
        (degrees): what the robot (or simulation) actually did."""
        return pose_from_matrix(self._mini.get_current_head_pose())

    def read_antennas(self) -> list:
        """[right, left] antenna angles from the daemon, in degrees."""
        return [math.degrees(a) for a in self._mini.get_present_antenna_joint_positions()]
