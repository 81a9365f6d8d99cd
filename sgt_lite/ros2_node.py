"""``sgt-lite ros2``: the head's motion as ROS 2 topics (``pip install 'sgt-lite[ros2]'``,
pip wheels: no ROS install, no sourcing).

Topics, relative to the node's namespace:

- ``joint_states`` (out, ``sensor_msgs/JointState``): one message per shaper tick (the
  profile's ``servo_rate_hz``), named after the profile's joints (optionally prefixed);
  positions in radians, except ``eyelid`` (0 = open .. 1 = closed).
- ``speaking`` (out, ``std_msgs/Bool``): whether speech is heard; sent on change and
  latched (transient local), so a late subscriber gets the present state.
- ``look_at`` (in, ``geometry_msgs/PointStamped``): where the listener is, in the
  head's base frame (REP 103: x forward, y left, z up); the head turns toward it.
- ``style`` (in, ``std_msgs/String``): a style name; an unknown name is logged and ignored.
"""
import logging
import math
import sys
import time

from .errors import ConfigError
from .heads.base import HeadDriver, HeadDriverError
from .pacing import ServoPacer, feed, periods_due

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'sgt-lite[ros2]' (ROS 2's wheels need Python >= 3.11)"
JOINT_TOPIC, SPEAKING_TOPIC, LOOK_TOPIC, STYLE_TOPIC = "joint_states", "speaking", "look_at", "style"
MAX_CALLBACKS_PER_TICK = 20


def look_at_angles(x, y, z):
    """(yaw, pitch) in degrees toward a point in the head's base frame (x forward, y left,
    z up), or None for the origin or a non-finite point.

    >>> [round(a, 1) for a in look_at_angles(1.0, 1.0, 0.0)]
    [45.0, 0.0]
    >>> [round(a, 1) for a in look_at_angles(1.0, 0.0, -1.0)]     # below: chin down
    [0.0, -45.0]
    >>> look_at_angles(0.0, 0.0, 0.0) is None
    True
    """
    if not all(math.isfinite(v) for v in (x, y, z)) or math.hypot(x, y, z) < 1e-9:
        return None
    return math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y)))


def joint_positions(pose: dict, names) -> list:
    """JointState positions: radians for angles, the eyelid as is (0..1).

    >>> [round(v, 4) for v in joint_positions({"head_yaw": 90.0, "eyelid": 0.5}, ["head_yaw", "eyelid"])]
    [1.5708, 0.5]
    """
    return [float(pose[n]) if n == "eyelid" else math.radians(pose[n]) for n in names]


class Ros2Head(HeadDriver):
    """A head whose commands go out as ``sensor_msgs/JointState`` on a ROS 2 node, which also
    takes a look-at point and a style name (see the module notes for the topics).

    ``on_look_at(yaw, pitch)`` and ``on_style(name)`` are called from :meth:`write` (the
    caller's thread), so they may touch a MotionShaper or an Animator without locks.

    >>> from sgt_lite.shaping import MotionShaper
    >>> shaper = MotionShaper("pan_tilt")
    >>> head = Ros2Head("pan_tilt", on_look_at=shaper.look_at)   # doctest: +SKIP
    >>> head.speaking = True; head.write(shaper.tick())          # doctest: +SKIP
    >>> head.close()                                             # doctest: +SKIP
    """

    def __init__(self, profile="pan_tilt", node_name="sgt_lite", namespace="", joint_prefix="", on_look_at=None,
                 on_style=None):
        self.node_name, self.namespace, self.joint_prefix = node_name, namespace, joint_prefix
        self.on_look_at, self.on_style = on_look_at, on_style
        self._speaking = None
        self.look_ignored = 0
        self._ctx = self._node = self._executor = None
        super().__init__(profile)

    def _open(self):
        for what, value in (("node name", self.node_name), ("namespace", self.namespace),
                            ("joint prefix", self.joint_prefix)):
            if not isinstance(value, str):
                raise ConfigError(f"ROS 2 {what} must be a string, got {value!r}")
        try:
            import rclpy
            from geometry_msgs.msg import PointStamped
            from rclpy.executors import SingleThreadedExecutor
            from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
            from rclpy.signals import SignalHandlerOptions
            from sensor_msgs.msg import JointState
            from std_msgs.msg import Bool, String
        except ImportError as exc:
            raise ConfigError(f"sgt-lite ros2 needs ROS 2's Python packages ({exc}): {INSTALL_HINT}") from exc
        self._JointState, self._Bool = JointState, Bool
        self._names = [self.joint_prefix + n for n in self.joint_names]
        self._ctx = rclpy.Context()
        try:
            rclpy.init(context=self._ctx, signal_handler_options=SignalHandlerOptions.NO)
            self._node = rclpy.create_node(self.node_name, namespace=self.namespace or None, context=self._ctx)
        except Exception as exc:  # rclpy raises its own kinds (RCLError, InvalidNodeNameException, ...)
            raise HeadDriverError(f"could not start the ROS 2 node {self.node_name!r} "
                                  f"(namespace {self.namespace!r}): {exc}") from exc
        latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self._joints_pub = self._node.create_publisher(JointState, JOINT_TOPIC, 10)
        self._speaking_pub = self._node.create_publisher(Bool, SPEAKING_TOPIC, latched)
        self._node.create_subscription(PointStamped, LOOK_TOPIC, self._look_msg, 10)
        self._node.create_subscription(String, STYLE_TOPIC, self._style_msg, 10)
        self._executor = SingleThreadedExecutor(context=self._ctx)
        self._executor.add_node(self._node)
        log.info("ROS 2 node %s publishing %s and %s", self._node.get_fully_qualified_name(),
                 self._joints_pub.topic_name, self._speaking_pub.topic_name)

    # inbound -------------------------------------------------------------------
    def _look_msg(self, msg):
        p = msg.point
        angles = look_at_angles(p.x, p.y, p.z)
        if angles is None:
            self.look_ignored += 1
            log.warning("look_at: ignored a point at the origin or with NaN/Inf: (%s, %s, %s)", p.x, p.y, p.z)
            return
        if self.on_look_at is not None:
            self.on_look_at(*angles)

    def _style_msg(self, msg):
        if self.on_style is not None:
            self.on_style(msg.data)

    def spin_some(self, timeout_s=0.0):
        """Runs the callbacks that are ready (waiting up to ``timeout_s`` for the first)."""
        for i in range(MAX_CALLBACKS_PER_TICK):
            self._executor.spin_once(timeout_sec=timeout_s if i == 0 else 0.0)

    # outbound ------------------------------------------------------------------
    @property
    def speaking(self):
        """The speaking state last published (None before the first); setting it publishes
        ``speaking`` when it changes."""
        return self._speaking

    @speaking.setter
    def speaking(self, value):
        value = bool(value)
        if value != self._speaking and not self.closed:
            self._speaking = value
            self._speaking_pub.publish(self._Bool(data=value))

    def subscribers(self) -> int:
        return self._joints_pub.get_subscription_count()

    def wait_for_subscribers(self, count=1, timeout_s=10.0) -> bool:
        """Spins until ``joint_states`` has ``count`` subscribers or ``timeout_s`` passes."""
        deadline = time.monotonic() + timeout_s
        while self.subscribers() < count:
            if time.monotonic() > deadline:
                return False
            self.spin_some(0.05)
        return True

    def _send(self, pose):
        msg = self._JointState()
        msg.header.stamp = self._node.get_clock().now().to_msg()
        msg.name = self._names
        msg.position = joint_positions(pose, self.joint_names)
        self._joints_pub.publish(msg)
        self.spin_some()

    def _close(self):
        if self._executor is not None:
            self._executor.shutdown(timeout_sec=1.0)
        if self._node is not None:
            self._node.destroy_node()
        if self._ctx is not None and self._ctx.ok():
            self._ctx.try_shutdown()
        self._executor = self._node = None


def run_ros2(input_path=None, profile="pan_tilt", style=None, backend="auto", duration=None, playback=True,
             node_name="sgt_lite", namespace="", joint_prefix="", wait_for_subscriber_s=0.0, out=sys.stderr):
    """Microphone (or a WAV, in real time) -> Animator -> MotionShaper -> ``joint_states``, until
    the input ends, ``duration`` passes or SIGINT/SIGTERM; then parks (still publishing)
    and closes. Returns the loop's counters, with ``published`` joint states."""
    from .demo import _FileSource, _MicSource, _park_and_close, _Signals, _status

    signals = _Signals()
    head = source = None
    try:
        from .animator import Animator
        from .shaping import MotionShaper

        shaper = MotionShaper(profile)
        anim_box = []

        def set_style(name):
            if not anim_box:
                return
            try:
                anim_box[0].set_style(name)
                log.info("style %r", name)
            except ConfigError as exc:
                log.warning("style %r ignored: %s", name, exc)

        head = Ros2Head(shaper.profile, node_name=node_name, namespace=namespace, joint_prefix=joint_prefix,
                        on_look_at=shaper.look_at, on_style=set_style)
        anim = Animator(style=style, backend=backend)
        anim_box.append(anim)
        if wait_for_subscriber_s:
            out.write(f"waiting up to {wait_for_subscriber_s:g} s for a {JOINT_TOPIC} subscriber\n")
            if not head.wait_for_subscribers(1, wait_for_subscriber_s):
                out.write("no subscriber yet; publishing anyway\n")
        if signals.stop.is_set():
            return None
        if input_path is None:
            source = _MicSource(anim.sample_rate)
            out.write("listening on the default microphone (Ctrl-C to stop)\n")
        else:
            source = _FileSource(input_path, anim.sample_rate, realtime=True, playback=playback)
        out.flush()
        stats = _ros_loop(anim, shaper, head, source, signals.stop, duration)
        _status(out, stats, anim, source, stats.pop("wall"))
        return stats
    finally:
        try:
            if head is not None and not head.closed:
                head.speaking = False
                _park_and_close(shaper, head, out)
                out.write(f"published {head.commands_sent} joint states on {JOINT_TOPIC}\n")
                out.flush()
        finally:
            if source is not None:
                source.close()
            signals.restore()


def _ros_loop(anim, shaper, head, source, stop, duration, clock=time.monotonic, sleep=time.sleep):
    """The shaper's clock follows the audio (minus the model's latency); joint states go out
    at most one per servo period in real time, and a backlog (the microphone's ring hands
    over up to 2 s after a hiccup) is skipped, not published in a burst (``ServoPacer``)."""
    stats = {"frames": 0, "commands": 0, "skipped": 0, "audio_s": 0.0, "cpu": 0.0}
    pacer = ServoPacer(shaper.dt, getattr(source, "realtime", True), clock, sleep)
    t_start = clock()
    while not stop.is_set():
        chunk = source.read()
        if chunk is None:
            break
        c0 = time.process_time()
        feed(anim, shaper, chunk, stats)
        head.speaking = getattr(anim, "speaking", True)
        while not stop.is_set():
            due = periods_due(anim, shaper, stats["audio_s"])
            if due < 1:
                break
            head.write(pacer.tick(shaper, due))
            pacer.sent()
            stats["commands"] += 1
        stats["skipped"] = pacer.skipped
        if chunk.size == 0:
            head.spin_some()
        stats["cpu"] += time.process_time() - c0
        if duration is not None and stats["audio_s"] >= duration:
            break
    stats["wall"] = clock() - t_start
    return stats
