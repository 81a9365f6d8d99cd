"""Real-time pacing of servo commands: at most one per servo period, and a backlog is
skipped, not sent in a burst (a burst makes the servo jump, like unpaced parking)."""
import logging
import time

log = logging.getLogger(__name__)

MAX_BEHIND_S = 0.1        # the head may trail its input by this much; further behind, it skips ahead


class ServoPacer:
    """At most one command per servo period on ``clock``, on a deadline schedule (no drift).

    :meth:`tick` waits until the next command is due, then ticks the shaper one period; when
    more than ``max_behind_s`` of periods are due at once (a backlog after a stall, a slow
    write), it skips ahead instead: one tick to the newest period, the missed ones never
    written, so the limiter takes one step between two written commands. A write that comes
    back more than half a period late restarts the schedule (:meth:`sent`), so a slow bus never
    gets a catch-up burst either. With ``realtime=False`` (input as fast as possible) nothing
    waits and nothing is skipped. ``skipped`` counts the periods skipped.

    >>> from sgt_lite.shaping import MotionShaper
    >>> now = [0.0]
    >>> pacer = ServoPacer(0.02, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    >>> shaper = MotionShaper("pan_tilt")
    >>> cmd = pacer.tick(shaper, due=1); pacer.sent()
    >>> cmd = pacer.tick(shaper, due=30); pacer.sent()   # a 0.6 s backlog: one command
    >>> round(now[0], 3), pacer.skipped, round(shaper.t, 2)
    (0.02, 29, 0.62)
    """

    def __init__(self, dt, realtime=True, clock=time.monotonic, sleep=time.sleep, max_behind_s=MAX_BEHIND_S):
        self.dt, self.realtime, self.clock, self.sleep = float(dt), bool(realtime), clock, sleep
        self.max_behind = max(1, int(max_behind_s / self.dt + 1e-9))
        self.reset()

    def reset(self):
        self.due = None
        self.skipped = 0

    def wait(self):
        """Returns once the next command is due."""
        if self.realtime and self.due is not None:
            now = self.clock()
            if now < self.due:
                self.sleep(self.due - now)

    def tick(self, shaper, due):
        """The next command, once it is due: ``due`` is how many servo periods of input the
        shaper's clock trails by (>= 1)."""
        self.wait()
        if self.realtime and due > self.max_behind:
            self.skipped += due - 1
            return shaper.tick(shaper.t + due * shaper.dt)
        return shaper.tick()

    def sent(self):
        """Call after each write: schedules the next command."""
        if not self.realtime:
            return
        now = self.clock()
        self.due = now + self.dt if self.due is None or now - self.due > self.dt / 2 else self.due + self.dt


def feed(anim, shaper, chunk, stats) -> list:
    """One chunk of audio through the Animator into the shaper; counts its frames and seconds in
    ``stats`` (the loops of ``sgt-lite demo`` and ``sgt-lite ros2``)."""
    frames = anim.step(chunk) if chunk.size else []
    for f in frames:
        shaper.push(f)
    stats["frames"] += len(frames)
    stats["audio_s"] += chunk.size / anim.sample_rate
    return frames


def periods_due(anim, shaper, audio_s) -> int:
    """How many servo periods the shaper's clock trails the audio fed so far (less the model's
    latency): the commands owed now."""
    return int((audio_s - anim.latency_s - shaper.t) / shaper.dt + 1e-9)
