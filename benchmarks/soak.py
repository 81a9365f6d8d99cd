"""Soak: an hour of generated audio through Animator + MotionShaper + a checking driver.

    python benchmarks/soak.py [--minutes 60] [--profile neck3_eyes2_lids] [--backend auto]
    python benchmarks/soak.py --paced [--minutes 60] [--json docs/soak_paced_60min.json]

The audio cycles through speech (the bundled sample, random gains), silence, music-like
tones, white noise, level jumps with clipping, and short NaN/Inf bursts in 20 ms chunks.

Offline (default): the chunks go through as fast as the machine allows. It reports RSS
growth after a ten-minute warm-up (median of the last third of 5 s samples against the first
third), NaN/Inf commands, commands outside the profile's range,
velocity or acceleration limits, the LSTM state norm over time and the p99 step latency
per 10-minute block. CI runs `--minutes 30` (tests/test_soak_short.py; a few seconds).

Paced (`--paced`): in real time, as on a robot. A producer thread writes each 20 ms block
into a :class:`sgt_lite.audio.RingBuffer` at its deadline, with jitter and seeded stalls
(the audio callback held up, then delivering its backlog at once). A consumer thread runs
at the profile's servo rate: it reads what the ring holds, runs ``Animator.step``, pushes
the frames into the ``MotionShaper`` and writes one command per servo period to a
recorder (CSV or JSON lines in a temporary file) that checks every command for
finiteness and the joint's range, velocity and acceleration limits. Now and then it
barges in (``Animator.reset()`` mid-speech), and it can stall itself longer than the ring
holds (``--consumer-stall-every``) so that overflow accounting is exercised. At the end
it parks the head through the shaper in real time and reads the recording back. Only
counters and fixed histograms are kept, so RSS reflects the library, not the script.
Exit code 1 if a safety or memory target is missed; overflows and late ticks are reported.
"""
import argparse
import bisect
import json
import math
import os
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import machine  # noqa: E402  (one BLAS thread)

from sgt_lite import Animator  # noqa: E402
from sgt_lite.audio import SAMPLE_WAV, RingBuffer, read_wav  # noqa: E402
from sgt_lite.heads.base import HeadDriver  # noqa: E402
from sgt_lite.heads.recorder import CsvRecorder, JsonlRecorder  # noqa: E402
from sgt_lite.shaping import MotionShaper  # noqa: E402

RATE = 16000
BLOCK = RATE // 50          # 20 ms, what an audio callback delivers


def rss_growth(samples) -> float:
    """Median RSS of the last third of the samples minus that of the first third (MB). The
    allocator hands memory back to the system and takes it again, so single readings swing by
    several MB either way (58-68 MB within one run, numpy 2 with LiteRT); a leak moves the median."""
    k = max(1, len(samples) // 3)
    return round(float(np.median(samples[-k:]) - np.median(samples[:k])), 2)


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


class LimitChecker:
    """Counts commands that are non-finite, missing a joint, or outside a joint's range,
    velocity or acceleration limit (commands are one servo period apart)."""

    def __init__(self, profile):
        self.profile = profile
        self.dt = 1.0 / profile.servo_rate_hz
        self.prev = {n: (j.neutral, 0.0) for n, j in profile.joints.items()}
        self.nonfinite = self.missing = self.out_of_range = self.over_velocity = self.over_acceleration = 0
        self.checked = 0

    def check(self, joints):
        self.checked += 1
        for n, j in self.profile.joints.items():
            if n not in joints:
                self.missing += 1
                continue
            v = joints[n]
            if not math.isfinite(v):
                self.nonfinite += 1
                continue
            x0, v0 = self.prev[n]
            vel = (v - x0) / self.dt
            self.out_of_range += not (j.min - 1e-6 <= v <= j.max + 1e-6)
            self.over_velocity += abs(vel) > j.max_vel * (1 + 1e-6) + 1e-6
            self.over_acceleration += abs(vel - v0) / self.dt > j.max_acc * (1 + 1e-6) + 1e-3
            self.prev[n] = (v, vel)

    @property
    def violations(self) -> int:
        return self.nonfinite + self.missing + self.out_of_range + self.over_velocity + self.over_acceleration

    def report(self) -> dict:
        return {"commands_checked": self.checked, "nonfinite_commands": self.nonfinite,
                "missing_joints": self.missing, "out_of_range": self.out_of_range,
                "over_velocity": self.over_velocity, "over_acceleration": self.over_acceleration}


class CheckingHead(HeadDriver):
    """A recording driver that keeps only what it needs to check every command."""

    def _open(self):
        self.checker = LimitChecker(self.profile)

    def _send(self, joints):
        self.checker.check(joints)


def checking_recorder(kind, path, profile):
    """A real CsvRecorder/JsonlRecorder whose ``write`` checks each command before the
    driver sees it (so a driver-side clamp cannot hide a shaper violation) and notes when
    park commands go out."""
    base = {"csv": CsvRecorder, "jsonl": JsonlRecorder}[kind]

    class CheckingRecorder(base):
        checker = None
        park_times = None          # (count, first time, early writes, period, min gap) while parking

        def write(self, command):
            if not self.closed:
                self.checker.check(command.joints if hasattr(command, "joints") else command)
                if self.park_times is not None:
                    self._note_park_write(time.perf_counter())
            super().write(command)

        def _note_park_write(self, now):
            n, first, early, dt, gap, last = self.park_times
            if first is None:
                first = last = now
            # paced: command i goes out no earlier than i periods after the first, give or take
            # the half period by which the first may itself have been late
            early += now < first + (n - 0.5) * dt - 1e-3
            self.park_times = (n + 1, first, early, dt, min(gap, now - last) if n else gap, now)

    head = CheckingRecorder(path, profile)
    head.checker = LimitChecker(head.profile)
    return head


def audio_segments(seconds, seed=0):
    """Yields 20 ms chunks of varied audio for ``seconds``."""
    rng = np.random.default_rng(seed)
    speech, _ = read_wav(SAMPLE_WAV)
    chunk, produced = BLOCK, 0
    kinds = ["speech", "silence", "tones", "noise", "speech", "jumps", "nan_burst"]
    k = 0
    while produced < seconds * RATE:
        kind = kinds[k % len(kinds)]
        k += 1
        n = int(rng.uniform(5, 25) * RATE)
        t = np.arange(n) / RATE
        if kind == "speech":
            x = np.tile(speech, n // len(speech) + 1)[:n] * rng.uniform(0.05, 2.0)
        elif kind == "silence":
            x = np.zeros(n)
        elif kind == "tones":
            f0 = rng.uniform(110, 440)
            x = sum(0.3 / h * np.sin(2 * np.pi * h * f0 * t * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) for h in (1, 2, 3))
        elif kind == "noise":
            x = rng.normal(0, rng.uniform(0.01, 0.5), n)
        elif kind == "jumps":
            x = np.tile(speech, n // len(speech) + 1)[:n] * np.repeat(rng.choice([0.001, 0.1, 1.0, 8.0], n // RATE + 1), RATE)[:n]
            x = np.clip(x, -1, 1)
        else:
            x = np.tile(speech, n // len(speech) + 1)[:n] * 0.5
            for _ in range(5):
                a = rng.integers(0, n - 400)
                x[a:a + rng.integers(1, 400)] = rng.choice([np.nan, np.inf, -np.inf])
        x = x.astype(np.float32)
        for i in range(0, n, chunk):
            if produced >= seconds * RATE:
                return
            yield x[i:i + chunk]
            produced += len(x[i:i + chunk])


def paced_audio(seconds, seed=0):
    """Yields ``(kind, 20 ms block)``: the same kinds of audio as :func:`audio_segments`, but
    rendered block by block, so that no block costs the producer more than a fraction of
    a millisecond (a whole segment at once holds it up for up to 20 ms)."""
    rng = np.random.default_rng(seed)
    speech, _ = read_wav(SAMPLE_WAV)
    kinds = ["speech", "silence", "tones", "noise", "speech", "jumps", "nan_burst"]
    total, produced, k, pos = int(seconds * RATE), 0, 0, 0
    idx = np.arange(BLOCK)
    while produced < total:
        kind = kinds[k % len(kinds)]
        k += 1
        n = int(rng.uniform(5, 25) * RATE)
        gain = rng.uniform(0.05, 2.0)
        f0 = rng.uniform(110, 440)
        sd = rng.uniform(0.01, 0.5)
        levels = rng.choice([0.001, 0.1, 1.0, 8.0], n // RATE + 1)
        bursts = [(a, a + int(rng.integers(1, 400)), rng.choice([np.nan, np.inf, -np.inf]))
                  for a in rng.integers(0, n - 400, 5)]
        for i in range(0, n, BLOCK):
            if produced >= total:
                return
            m = min(BLOCK, n - i, total - produced)
            if kind == "silence":
                x = np.zeros(m)
            elif kind == "tones":
                t = (i + idx[:m]) / RATE
                x = sum(0.3 / h * np.sin(2 * np.pi * h * f0 * t * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) for h in (1, 2, 3))
            elif kind == "noise":
                x = rng.normal(0, sd, m)
            else:
                x = np.take(speech, pos + idx[:m], mode="wrap").astype(np.float64)
                pos += m
                if kind == "speech":
                    x *= gain
                elif kind == "jumps":
                    x = np.clip(x * levels[(i + idx[:m]) // RATE], -1, 1)
                else:
                    x *= 0.5
                    for a, b, v in bursts:
                        lo, hi = max(a, i), min(b, i + m)
                        if lo < hi:
                            x[lo - i:hi - i] = v
            produced += m
            yield kind, x.astype(np.float32)


# --- offline ---------------------------------------------------------------------------

def run_offline(args):
    anim = Animator(backend=args.backend)
    shaper = MotionShaper(args.profile)
    head = CheckingHead(shaper.profile)
    # RSS settles over the first ~10 minutes of audio (numpy 2 + LiteRT: 5-minute medians 63.4,
    # 65.7, then 64.8-66.9 MB for the rest of an hour), so the growth is taken after that
    block_s, warmup_s = 600.0 if args.minutes >= 20 else 30.0, 600.0
    lat, blocks, norms = [], [], []
    audio_s, next_norm, next_rss, rss = 0.0, 0.0, 0.0, []
    warm_at = min(warmup_s, args.minutes * 20)       # at most a third of a short run
    t0 = time.time()
    for chunk in audio_segments(args.minutes * 60):
        s = time.perf_counter()
        frames = anim.step(chunk)
        lat.append(time.perf_counter() - s)
        for f in frames:
            shaper.push(f)
        audio_s += len(chunk) / RATE
        while shaper.t + shaper.dt <= audio_s - anim.latency_s:
            head.write(shaper.tick())
        if audio_s >= next_norm:
            norms.append((round(audio_s), anim.state_norm()))
            next_norm += 10.0
        if audio_s >= warm_at and audio_s >= next_rss:      # RSS every 5 s of audio after the warm-up
            rss.append(rss_mb())
            next_rss = audio_s + 5.0
        if audio_s >= (len(blocks) + 1) * block_s or audio_s >= args.minutes * 60 - 1e-9:
            ns = [v for t, v in norms if len(blocks) * block_s <= t < (len(blocks) + 1) * block_s] or [norms[-1][1]]
            blocks.append({"block": f"{len(blocks) * block_s / 60:.1f}-{min((len(blocks) + 1) * block_s, audio_s) / 60:.1f} min",
                           "p99_ms": round(1000 * float(np.percentile(lat, 99)), 3),
                           "p50_ms": round(1000 * float(np.median(lat)), 3),
                           "state_norm_min": round(min(ns), 2), "state_norm_max": round(max(ns), 2)})
            lat = []
    park(shaper, head, realtime=False)     # ease to neutral within the limits, then close
    head.close()
    c = head.checker
    report = {
        "machine": machine(), "audio_minutes": round(audio_s / 60, 2), "wall_s": round(time.time() - t0, 1),
        "backend": anim.backend, "profile": args.profile, "commands": head.commands_sent,
        "rss_growth_mb": rss_growth(rss), "rss_range_mb": [round(min(rss), 2), round(max(rss), 2)],
        "nonfinite_commands": c.nonfinite,
        "out_of_range": c.out_of_range, "over_velocity": c.over_velocity,
        "over_acceleration": c.over_acceleration, "nonfinite_audio_samples": anim._frontend.nonfinite_count,
        "blocks": blocks,
    }
    print(json.dumps(report, indent=1))
    ok = report["rss_growth_mb"] < 2.0 and c.violations == 0
    return report, ok


# --- paced -----------------------------------------------------------------------------

class Histogram:
    """Counts of durations (s) in fixed bins: no per-sample storage, so no growth."""

    EDGES_MS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)

    def __init__(self):
        self._edges = tuple(e / 1000 for e in self.EDGES_MS)
        self.counts = [0] * (len(self._edges) + 1)
        self.n, self.max = 0, 0.0

    def add(self, x):
        self.counts[bisect.bisect_right(self._edges, x)] += 1
        self.n += 1
        if x > self.max:
            self.max = x

    def quantile_ms(self, q):
        """Upper edge (ms) of the bin holding quantile ``q`` (the max for the last bin)."""
        if not self.n:
            return 0.0
        k, acc = q * self.n, 0
        for i, c in enumerate(self.counts):
            acc += c
            if acc >= k:
                return self.EDGES_MS[i] if i < len(self.EDGES_MS) else round(1000 * self.max, 3)
        return round(1000 * self.max, 3)

    def as_dict(self):
        labels = [f"<{e:g} ms" for e in self.EDGES_MS] + [f">={self.EDGES_MS[-1]:g} ms"]
        return {lab: c for lab, c in zip(labels, self.counts) if c}


def _schedule(rng, seconds, every, first=None):
    """Seeded event times in [first, seconds): mean gap ``every``, each gap 0.5x..1.5x."""
    if not every:
        return []
    out, t = [], every * rng.uniform(0.5, 1.0) if first is None else first
    while t < seconds:
        out.append(t)
        t += every * rng.uniform(0.5, 1.5)
    return out


class Producer(threading.Thread):
    """The audio callback: block k goes into the ring at its deadline t0 + (k+1)*20 ms plus
    jitter; during a stall nothing is written, then the overdue blocks go in at once."""

    def __init__(self, ring, seconds, seed, jitter_ms, stalls, t0):
        super().__init__(name="soak-producer", daemon=True)
        self.ring, self.seconds, self.t0 = ring, seconds, t0
        self.seed = seed
        self.rng = np.random.default_rng(seed + 1)
        self.jitter_s = jitter_ms / 1000
        self.stalls = stalls                   # [(start s, length s)], sorted
        self.kind = "silence"
        self.blocks = self.samples = 0
        self.late = Histogram()                # write time - nominal deadline
        self.done = threading.Event()
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            self._run()
        except BaseException as exc:          # reported by the main thread
            self.error = repr(exc)
        finally:
            self.done.set()

    def _run(self):
        stalls = list(self.stalls)
        for kind, chunk in paced_audio(self.seconds, self.seed):
            if self.stop.is_set():
                return
            due = self.t0 + (self.blocks + 1) * BLOCK / RATE
            if stalls and due - self.t0 >= stalls[0][0]:
                start, length = stalls.pop(0)
                _sleep_until(self.t0 + start + length)
            _sleep_until(due + self.rng.uniform(0.0, self.jitter_s))
            self.kind = kind
            self.ring.write(chunk)
            self.late.add(max(0.0, time.perf_counter() - due))
            self.blocks += 1
            self.samples += chunk.size


def _sleep_until(t):
    d = t - time.perf_counter()
    if d > 0:
        time.sleep(d)


# The only places that touch the shaper's clock, resets and parking.
def servo_tick(shaper, now=None):
    """One command for this servo period: the README's loop, ``head.write(shaper.tick())``,
    or with ``now`` (seconds on a monotonic clock) ``shaper.tick(now)``, which also moves the
    shaper's clock over periods the loop missed."""
    return shaper.tick() if now is None else shaper.tick(now)


def barge_in(anim, shaper, conversation_over=False):
    """What the README recommends on barge-in: the Animator starts over at t = 0 (the shaper
    maps the new stream onto its clock). When the conversation is over, the shaper starts
    over too, easing to neutral."""
    anim.reset()
    if conversation_over:
        shaper.reset()


class SimClock:
    """A simulated clock for offline parking: ``sleep`` only moves it forward."""

    def __init__(self):
        self.t = 0.0

    def now(self):
        return self.t

    def sleep(self, s):
        self.t += max(0.0, s)


def park(shaper, head, realtime=True):
    """Eases to neutral through the shaper, one command per servo period (in real time, or
    on a simulated clock offline). True once at neutral."""
    if realtime:
        return shaper.park_to(head, max_s=PARK_MAX_S)
    clock = SimClock()
    return shaper.park_to(head, max_s=PARK_MAX_S, clock=clock.now, sleep=clock.sleep)


PARK_MAX_S = 5.0


class Consumer(threading.Thread):
    """The robot's servo loop: one command per period of the profile's servo rate."""

    def __init__(self, args, anim, shaper, head, ring, producer, t0, rng, seconds):
        super().__init__(name="soak-consumer", daemon=True)
        self.args, self.anim, self.shaper, self.head, self.ring, self.producer = args, anim, shaper, head, ring, producer
        self.t0, self.dt = t0, shaper.dt
        self.hop = anim.bundle.frontend.hop_length
        self.stalls = _schedule(rng, seconds - 5, args.consumer_stall_every)
        self.barges = _schedule(rng, seconds - 5, args.barge_every, first=args.barge_every * 0.3)
        self.stop = threading.Event()
        self.error = None
        self.periods = self.missed_periods = self.ticks_without_audio = 0
        self.late_ticks = 0                    # command written > 1 period after its deadline
        self.first_late = []                   # (deadline s, late ms, busy ms) of the first 10
        self.lateness = Histogram()            # command write time - deadline (not injected)
        self.busy = Histogram()                # read + step + shaper + write per tick
        self.injected = {"consumer_stalls": 0, "stall_s": args.consumer_stall_s, "dropped_samples": 0,
                         "late_ticks": 0, "worst_late_ms": 0.0}
        self.barge_ins = self.shaper_resets = 0
        self.lead_over_half_s = 0              # ticks whose newest frame is > 0.5 s ahead of the shaper
        self.idle_after_barge = self.ticks_after_barge = 0
        self.idle_while_frames_flow = 0
        self.frame_lead = [math.inf, -math.inf]    # newest frame t - shaper t, min/max
        self.audio_s = 0.0
        self.norm_block = [math.inf, -math.inf]
        self.block_stats = []                  # one small dict per --block-minutes
        self._last_push = -1.0
        self._barge_until = -1.0

    def run(self):
        try:
            self._run()
        except BaseException as exc:
            self.error = repr(exc)

    def _run(self):
        anim, shaper, head, ring, dt = self.anim, self.shaper, self.head, self.ring, self.dt
        stalls, barges = list(self.stalls), list(self.barges)
        block_s = self.args.block_minutes * 60
        next_block, block_late, block_missed = block_s, 0, 0
        k = 0
        while not self.stop.is_set():
            k += 1
            deadline = self.t0 + k * dt
            _sleep_until(deadline)
            now = time.perf_counter()
            injected = bool(stalls) and now - self.t0 >= stalls[0]
            if injected:                       # e.g. a driver write that blocked
                stalls.pop(0)
                d0 = ring.dropped
                time.sleep(self.args.consumer_stall_s)
                self.injected["dropped_samples"] += ring.dropped - d0
                self.injected["consumer_stalls"] += 1
            begin = time.perf_counter()
            block = ring.read_hops(self.hop)
            if block.size:
                self.audio_s += block.size / RATE
                frames = anim.step(block)
                for f in frames:
                    shaper.push(f)
                if frames:
                    self._last_push = begin
            else:
                self.ticks_without_audio += 1
                if self.producer.done.is_set() and ring.available < self.hop:
                    break
            times = getattr(shaper, "_times", None)     # frame times mapped onto the shaper's clock
            if times:
                lead = times[-1] - shaper.t
                self.frame_lead[0] = min(self.frame_lead[0], lead)
                self.frame_lead[1] = max(self.frame_lead[1], lead)
                self.lead_over_half_s += lead > 0.5
            if barges and begin - self.t0 >= barges[0] and self.producer.kind == "speech":
                barges.pop(0)
                self.barge_ins += 1
                over = self.barge_ins % 3 == 0
                barge_in(anim, shaper, conversation_over=over)
                self.shaper_resets += over
                self._barge_until = begin + 5.0
            head.write(servo_tick(shaper, begin - self.t0 if self.args.servo_clock == "monotonic" else None))
            done = time.perf_counter()
            self.busy.add(done - begin)
            self.periods += 1
            if begin < self._barge_until:
                self.ticks_after_barge += 1
                self.idle_after_barge += shaper.idle_active
            if shaper.idle_active and begin - self._last_push < 0.1:
                self.idle_while_frames_flow += 1
            late = done - deadline
            if injected:
                self.injected["late_ticks"] += late > dt
                self.injected["worst_late_ms"] = max(self.injected["worst_late_ms"], round(1000 * late, 3))
            else:
                self.lateness.add(max(0.0, late))
                if late > dt:
                    self.late_ticks += 1
                    block_late += 1
                    if len(self.first_late) < 10:         # bounded: for diagnosis only
                        self.first_late.append((round(deadline - self.t0, 3), round(1000 * late, 1),
                                                round(1000 * (done - begin), 1)))
            behind = int((done - self.t0) / dt) - k    # periods whose deadline has passed: skip them
            if behind > 0:
                self.missed_periods += behind
                block_missed += behind
                k += behind
            n = anim.state_norm()
            self.norm_block = [min(self.norm_block[0], n), max(self.norm_block[1], n)]
            if done - self.t0 >= next_block:
                self._close_block(next_block, block_late, block_missed)
                next_block += block_s
                block_late = block_missed = 0
        self._close_block(time.perf_counter() - self.t0, block_late, block_missed, last=True)

    def _close_block(self, end_s, late, missed, last=False):
        start = self.block_stats[-1]["end_s"] if self.block_stats else 0.0
        if last and end_s - start < 1.0:
            return
        self.block_stats.append({
            "block": f"{start / 60:.1f}-{end_s / 60:.1f} min", "end_s": round(end_s, 1),
            "late_ticks": late, "missed_periods": missed, "dropped_samples_total": int(self.ring.dropped),
            "rss_mb": round(rss_mb(), 2), "state_norm_min": round(self.norm_block[0], 2),
            "state_norm_max": round(self.norm_block[1], 2)})
        self.norm_block = [math.inf, -math.inf]


def run_paced(args):
    seconds = args.minutes * 60
    anim = Animator(backend=args.backend)
    shaper = MotionShaper(args.profile)
    fd, path = tempfile.mkstemp(prefix="sgt_soak_", suffix="." + args.recorder)
    os.close(fd)
    head = checking_recorder(args.recorder, path, shaper.profile)
    ring = RingBuffer(int(args.ring_s * RATE))
    rng = np.random.default_rng(args.seed)
    anim.step(np.zeros(RATE, np.float32))      # load and warm the backend, then start over
    anim.reset()
    rss_start, load_start = rss_mb(), os.getloadavg()[0]
    t0 = time.perf_counter() + 0.1
    consumer = Consumer(args, anim, shaper, head, ring, None, t0, rng, seconds)
    # producer stalls are kept clear of the injected consumer stalls so each of those
    # overflows the ring by a known amount
    stalls = []
    for s in _schedule(rng, seconds - 2, args.stall_every):
        length = rng.uniform(args.stall_ms[0], args.stall_ms[1]) / 1000
        if all(not (c - 1.0 < s + length and s < c + args.consumer_stall_s + 1.0) for c in consumer.stalls):
            stalls.append((s, length))
    producer = Producer(ring, seconds, args.seed, args.jitter_ms, stalls, t0)
    consumer.producer = producer
    warmup_s = min(60.0, seconds / 4)
    rss_warm = rss_max = None
    wall0 = time.time()
    producer.start()
    consumer.start()
    interrupted = False
    try:
        next_progress = t0 + args.progress_s
        while consumer.is_alive():
            consumer.join(timeout=1.0)
            now = time.perf_counter()
            if rss_warm is None and now - t0 >= warmup_s:
                rss_warm = rss_mb()
            if rss_warm is not None:
                rss_max = max(rss_max or 0.0, rss_mb())
            if args.progress_s and now >= next_progress:
                next_progress += args.progress_s
                print(f"[{(now - t0) / 60:6.1f} min] commands {head.commands_sent}, late ticks {consumer.late_ticks}, "
                      f"dropped {ring.dropped}, violations {head.checker.violations}, RSS {rss_mb():.1f} MB",
                      file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        interrupted = True
        consumer.stop.set()
        producer.stop.set()
        consumer.join()
    producer.stop.set()
    producer.join(timeout=5.0)
    rss_end = rss_mb()
    if rss_warm is None:
        rss_warm = rss_end
    head.park_times = (0, None, 0, shaper.dt, math.inf, None)
    park_start = time.perf_counter()
    at_neutral = bool(park(shaper, head))
    park_s = time.perf_counter() - park_start
    park_n, _, park_early, _, park_gap, _ = head.park_times
    head.park_times = None
    head.close()
    record = _read_back(path, args.recorder, shaper.profile)
    if not args.keep_record:
        os.unlink(path)
    c = consumer
    report = {
        "mode": "paced", "machine": machine(), "audio_minutes": round(producer.samples / RATE / 60, 2),
        "audio_consumed_minutes": round(c.audio_s / 60, 2),
        "wall_s": round(time.time() - wall0, 1), "interrupted": interrupted,
        "load_average_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],   # at start and end
        "errors": [e for e in (producer.error, consumer.error) if e],
        "backend": anim.backend, "profile": args.profile, "servo_rate_hz": shaper.profile.servo_rate_hz,
        "recorder": args.recorder, "servo_clock": args.servo_clock, "seed": args.seed, "ring_s": args.ring_s,
        "commands": head.commands_sent, **head.checker.report(),
        "loop_commands": c.periods, "servo_periods": c.periods + c.missed_periods, "missed_periods": c.missed_periods,
        "late_ticks": c.late_ticks, "worst_late_ms": round(1000 * c.lateness.max, 3),
        "late_p99_ms_at_most": c.lateness.quantile_ms(0.99), "lateness_histogram": c.lateness.as_dict(),
        "first_late_ticks": [{"at_s": a, "late_ms": b, "busy_ms": d} for a, b, d in c.first_late],
        "tick_busy_p99_ms_at_most": c.busy.quantile_ms(0.99), "tick_busy_max_ms": round(1000 * c.busy.max, 3),
        "ticks_without_audio": c.ticks_without_audio,
        "overflow_samples": int(ring.dropped),
        "overflow_samples_outside_injected_stalls": int(ring.dropped) - c.injected["dropped_samples"],
        "injected_consumer_stalls": c.injected,
        "producer": {"blocks": producer.blocks, "stalls": len(stalls),
                     "stall_ms": [round(1000 * min((s for _, s in stalls), default=0), 1),
                                  round(1000 * max((s for _, s in stalls), default=0), 1)],
                     "jitter_ms": args.jitter_ms, "late_p99_ms_at_most": producer.late.quantile_ms(0.99),
                     "worst_late_ms": round(1000 * producer.late.max, 3)},
        "barge_ins": c.barge_ins, "of_which_shaper_resets": c.shaper_resets,
        "idle_ticks_in_5s_after_barge_ins": [c.idle_after_barge, c.ticks_after_barge],
        "idle_ticks_while_frames_flow": c.idle_while_frames_flow,
        "frame_lead_s": [round(v, 3) if math.isfinite(v) else None for v in c.frame_lead],
        "ticks_with_frame_lead_over_0.5s": c.lead_over_half_s,
        "driver_clamped": getattr(head, "clamped", None),
        "nonfinite_audio_samples": anim._frontend.nonfinite_count,
        "rss_start_mb": round(rss_start, 2), "rss_after_warmup_mb": round(rss_warm, 2),
        "rss_end_mb": round(rss_end, 2), "rss_max_mb": round(max(rss_max or rss_end, rss_end), 2),
        "rss_growth_mb": round(rss_end - rss_warm, 2),
        "park": {"commands": park_n, "seconds": round(park_s, 3), "early_writes": park_early,
                 "min_gap_ms": round(1000 * park_gap, 3) if math.isfinite(park_gap) else None,
                 "at_neutral": at_neutral},
        "record": record,
        "blocks": c.block_stats,
    }
    targets = {"no thread errors": not report["errors"], "0 limit violations": head.checker.violations == 0,
               f"RSS growth < {args.max_rss_growth_mb} MB": report["rss_growth_mb"] < args.max_rss_growth_mb,
               "recording holds every command, all finite and in range":
                   record["rows"] == head.commands_sent and record["bad_values"] == 0,
               "park paced and at neutral": park_early == 0 and at_neutral}
    report["failed_targets"] = [k for k, v in targets.items() if not v]
    return report, not report["failed_targets"]


def _read_back(path, kind, profile):
    """Rows in the recording and values that are non-finite or outside a joint's range."""
    names = list(profile.joints)
    rows = bad = 0
    with open(path) as f:
        if kind == "csv":
            header = f.readline().strip().split(",")
            cols = [header.index(n) for n in names]
        for line in f:
            if kind == "csv":
                parts = line.rstrip("\n").split(",")
                values = {n: float(parts[i]) for n, i in zip(names, cols)}
            else:
                obj = json.loads(line)
                values = {n: float(obj.get(n, "nan")) for n in names}
            rows += 1
            for n, v in values.items():
                j = profile.joints[n]
                bad += not (math.isfinite(v) and j.min - 5e-4 <= v <= j.max + 5e-4)
    return {"rows": rows, "bad_values": bad, "bytes": os.path.getsize(path)}


def summary(r):
    """A short human-readable table of the paced report."""
    inj, idle = r["injected_consumer_stalls"], r["idle_ticks_in_5s_after_barge_ins"]
    rows = [
        ("audio / wall", f"{r['audio_minutes']} min / {r['wall_s']} s ({r['backend']}, {r['profile']}, "
                         f"{r['servo_rate_hz']:g} Hz, {r['recorder']}; load average {r['load_average_1min'][0]}-"
                         f"{r['load_average_1min'][1]} on {os.cpu_count()} CPUs)"),
        ("commands", f"{r['loop_commands']:,} of {r['servo_periods']:,} servo periods ({r['missed_periods']} skipped), "
                     f"+{r['commands'] - r['loop_commands']} park/close"),
        ("limit violations", f"{r['nonfinite_commands']} NaN/Inf, {r['missing_joints']} missing, "
                             f"{r['out_of_range']} range, {r['over_velocity']} velocity, {r['over_acceleration']} acceleration"),
        ("late ticks (> 1 period)", f"{r['late_ticks']} (worst {r['worst_late_ms']} ms, p99 <= {r['late_p99_ms_at_most']} ms)"),
        ("ring overflows", f"{r['overflow_samples']:,} samples; outside injected stalls "
                           f"{r['overflow_samples_outside_injected_stalls']:,}"),
        ("injected consumer stalls", f"{inj['consumer_stalls']} x {inj['stall_s']} s: {inj['dropped_samples']:,} samples "
                                     f"dropped, {inj['late_ticks']} late ticks"),
        ("producer stalls", f"{r['producer']['stalls']} ({r['producer']['stall_ms'][0]}-{r['producer']['stall_ms'][1]} ms), "
                            f"jitter <= {r['producer']['jitter_ms']} ms"),
        ("barge-ins", f"{r['barge_ins']} ({r['of_which_shaper_resets']} with shaper.reset()); idle ticks in the 5 s "
                      f"after: {idle[0]} of {idle[1]}; idle while frames flow: {r['idle_ticks_while_frames_flow']}"),
        ("motion lag", f"newest frame ahead of the shaper's clock by {r['frame_lead_s'][0]}..{r['frame_lead_s'][1]} s; "
                       f"> 0.5 s on {r['ticks_with_frame_lead_over_0.5s']} ticks"),
        ("RSS", f"start {r['rss_start_mb']} MB, after warm-up {r['rss_after_warmup_mb']}, end {r['rss_end_mb']} "
                f"(growth {r['rss_growth_mb']}), max {r['rss_max_mb']}"),
        ("park", f"{r['park']['commands']} commands in {r['park']['seconds']} s (shaper.park_to), min gap "
                 f"{r['park']['min_gap_ms']} ms, {r['park']['early_writes']} early, at neutral: {r['park']['at_neutral']}"),
        ("recording", f"{r['record']['rows']:,} rows, {r['record']['bad_values']} bad values"),
        ("targets", "all met" if not r["failed_targets"] else "MISSED: " + "; ".join(r["failed_targets"])),
    ]
    w = max(len(a) for a, _ in rows)
    return "\n".join(f"{a:<{w}}  {b}" for a, b in rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--profile", default="neck3_eyes2_lids")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--json", help="also write the report as JSON here")
    ap.add_argument("--paced", action="store_true", help="real time: producer and servo-rate consumer threads")
    g = ap.add_argument_group("paced mode")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--recorder", choices=("csv", "jsonl"), default="csv")
    g.add_argument("--keep-record", action="store_true", help="keep the temporary recording")
    g.add_argument("--ring-s", type=float, default=2.0, help="ring buffer capacity in seconds (the demo's)")
    g.add_argument("--jitter-ms", type=float, default=4.0, help="producer jitter: each block 0..this late")
    g.add_argument("--stall-every", type=float, default=20.0, help="mean seconds between producer stalls (0: none)")
    g.add_argument("--stall-ms", type=float, nargs=2, default=(50.0, 400.0), metavar=("MIN", "MAX"))
    g.add_argument("--consumer-stall-every", type=float, default=600.0,
                   help="mean seconds between consumer stalls longer than the ring (0: none)")
    g.add_argument("--consumer-stall-s", type=float, default=3.0)
    g.add_argument("--barge-every", type=float, default=60.0, help="mean seconds between barge-ins (0: none)")
    g.add_argument("--servo-clock", choices=("ticks", "monotonic"), default="ticks",
                   help="ticks: shaper.tick() once per period (the README's loop); monotonic: shaper.tick(now)")
    g.add_argument("--block-minutes", type=float, default=10.0)
    g.add_argument("--max-rss-growth-mb", type=float, default=2.0)
    g.add_argument("--progress-s", type=float, default=60.0, help="progress line every N s on stderr (0: none)")
    args = ap.parse_args(argv)
    report, ok = run_paced(args) if args.paced else run_offline(args)
    if args.paced:
        print(summary(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
    if not args.paced or not args.json:
        print(json.dumps(report, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
