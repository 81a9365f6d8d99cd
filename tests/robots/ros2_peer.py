"""The other end of `sgt-lite ros2` in the ROS 2 test, run as its own process: subscribes to
joint_states and speaking, publishes a look-at point and style names once the node listens,
and prints what it saw as JSON when joint_states has been quiet for --idle seconds."""
import argparse
import json
import sys
import time


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--look-at", type=float, nargs=3, required=True)
    ap.add_argument("--look-after", type=int, default=100, help="joint states to receive before looking")
    ap.add_argument("--styles", nargs="*", default=[])
    ap.add_argument("--idle", type=float, default=3.0)
    ap.add_argument("--max-s", type=float, default=120.0)
    args = ap.parse_args(argv)

    import rclpy
    from geometry_msgs.msg import PointStamped
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import JointState
    from std_msgs.msg import Bool, String

    ctx = rclpy.Context()
    rclpy.init(context=ctx)
    node = rclpy.create_node("sgt_lite_test_peer", context=ctx)
    seen = {"stamps": [], "names": None, "positions": [], "speaking": [], "look_sent_at": None, "styles_sent": []}
    last = [None]

    def on_joints(msg):
        seen["stamps"].append(msg.header.stamp.sec + 1e-9 * msg.header.stamp.nanosec)
        seen["names"] = list(msg.name)
        seen["positions"].append(list(msg.position))
        last[0] = time.monotonic()

    latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    node.create_subscription(JointState, "joint_states", on_joints, 100)
    node.create_subscription(Bool, "speaking", lambda m: seen["speaking"].append(bool(m.data)), latched)
    look_pub = node.create_publisher(PointStamped, "look_at", 10)
    style_pub = node.create_publisher(String, "style", 10)
    ex = SingleThreadedExecutor(context=ctx)
    ex.add_node(node)
    start = time.monotonic()
    while time.monotonic() - start < args.max_s:
        ex.spin_once(timeout_sec=0.02)
        n = len(seen["stamps"])
        if seen["look_sent_at"] is None and n >= args.look_after and look_pub.get_subscription_count() \
                and style_pub.get_subscription_count():
            msg = PointStamped()
            msg.header.frame_id = "base_link"
            msg.point.x, msg.point.y, msg.point.z = args.look_at
            look_pub.publish(msg)
            for name in args.styles:
                style_pub.publish(String(data=name))
                seen["styles_sent"].append(name)
            seen["look_sent_at"] = n
        if last[0] is not None and time.monotonic() - last[0] > args.idle:
            break
    json.dump(seen, sys.stdout)
    sys.stdout.flush()
    ex.shutdown()
    node.destroy_node()
    ctx.try_shutdown()


if __name__ == "__main__":
    main()
