"""``sgt-lite demo``: microphone or a WAV in, a robot head (or a view of one) moving."""
import glob
import logging
import signal
import sys
import threading
import time

from .pacing import ServoPacer, feed, periods_due

log = logging.getLogger(__name__)


def _sounddevice():
    """The sounddevice module, or (None, reason) when PortAudio or the package is missing."""
    try:
        import sounddevice as sd
        return sd, None
    except ImportError:
        return None, "sounddevice is not installed (pip install 'sgt-lite[robot]')"
    except OSError as exc:
        return None, f"PortAudio is missing ({exc}); on a Pi: sudo apt-get install libportaudio2"


def list_devices(out=sys.stdout):
    """Prints audio devices, serial ports and I2C buses found on this machine."""
    sd, why = _sounddevice()
    out.write("audio devices:\n")
    if sd is None:
        out.write(f"  none usable: {why}\n")
    else:
        try:
            devs = sd.query_devices()
            if not len(devs):
                out.write("  none found\n")
            for i, d in enumerate(devs):
                kinds = "/".join(k for k, n in (("in", d["max_input_channels"]), ("out", d["max_output_channels"])) if n)
                out.write(f"  [{i}] {d['name']} ({kinds}, {d['default_samplerate']:.0f} Hz)\n")
        except Exception as exc:
            out.write(f"  none usable: {exc}\n")
    ports = sorted(set(sum((glob.glob(p) for p in ("/dev/ttyUSB*", "/dev/ttyACM*", "/dev/ttyAMA*",
                                                      "/dev/serial[0-9]*", "/dev/ttyTHS*")), [])))
    out.write("serial ports:\n" + ("".join(f"  {p}\n" for p in ports) or "  none found\n"))
    buses = sorted(glob.glob("/dev/i2c-*"))
    out.write("I2C buses:\n" + ("".join(f"  {b}  (use --head pca9685:{b.rsplit('-', 1)[1]}:0x40)\n" for b in buses)
                                or "  none found (on a Pi: sudo raspi-config -> Interface Options -> I2C)\n"))


class _FileSource:
    """Streams a WAV in real time (or as fast as possible) in 20 ms chunks; plays it if it can."""

    def __init__(self, path, rate, realtime=True, playback=True):
        from .audio import read_wav

        self.x, _ = read_wav(path, sample_rate=rate)
        self.rate, self.realtime, self.pos = rate, realtime, 0
        self.chunk = rate // 50
        self.t0 = None
        self.dropped = 0
        if realtime and playback:
            sd, _ = _sounddevice()
            try:
                if sd is not None:
                    sd.play(self.x, rate)
            except Exception as exc:
                log.info("no playback: %s", exc)

    def read(self):
        if self.pos >= len(self.x):
            return None
        if self.realtime:
            if self.t0 is None:
                self.t0 = time.monotonic()
            due = self.t0 + (self.pos + self.chunk) / self.rate
            time.sleep(max(0.0, due - time.monotonic()))
        out = self.x[self.pos:self.pos + self.chunk]
        self.pos += self.chunk
        return out

    def close(self):
        pass


class _MicSource:
    """The default microphone through sounddevice, into a RingBuffer from its callback."""

    realtime = True

    def __init__(self, rate, sleep=time.sleep):
        from .audio import RingBuffer

        sd, why = _sounddevice()
        if sd is None:
            raise OSError(why)
        self.ring = RingBuffer(rate * 2)
        self.hop = rate // 100
        self._sleep = sleep

        def callback(indata, frames, t, status):   # never blocks, never raises
            self.ring.write(indata[:, 0])
        self.stream = sd.InputStream(samplerate=rate, channels=1, dtype="float32", blocksize=self.hop * 2,
                                     callback=callback)
        self.stream.start()

    @property
    def dropped(self):
        return self.ring.dropped

    def read(self):
        block = self.ring.read_hops(self.hop)
        if block.size == 0:
            self._sleep(0.005)
        return block

    def close(self):
        self.stream.stop()
        self.stream.close()


PARK_MAX_S = 5.0          # parking is bounded: a head that cannot reach neutral by then jumps on close


class _Signals:
    """SIGINT / SIGTERM while the demo runs: the first stops the loop and the head parks; a
    second is absorbed, so parking finishes (it takes at most PARK_MAX_S); a third forces
    the exit (KeyboardInterrupt), and the driver still closes, jumping to neutral. Installed
    before anything else, so a signal during model loading also parks and closes the head."""

    def __init__(self):
        self.stop = threading.Event()
        self.count = 0
        self.previous = {}
        if threading.current_thread() is not threading.main_thread():
            log.debug("not the main thread: the caller handles signals")
            return
        for s in (signal.SIGINT, signal.SIGTERM):
            self.previous[s] = signal.getsignal(s)
            signal.signal(s, self._on_signal)

    def _on_signal(self, signum, frame):      # no I/O here: the main thread may be mid-write
        self.count += 1
        self.stop.set()
        if self.count >= 3:
            raise KeyboardInterrupt

    def restore(self):
        for s, h in self.previous.items():
            signal.signal(s, h)


def run_demo(input_path=None, head="console", profile=None, style=None, backend="auto", duration=None,
             realtime=True, playback=True, status_every_s=1.0, out=sys.stderr):
    """Runs the demo until the input ends, ``duration`` passes or a signal arrives; then parks
    the head in real time and closes it. Returns the loop's counters (None if stopped early)."""
    signals = _Signals()
    driver = source = None
    try:
        from .animator import Animator
        from .audio import SAMPLE_WAV
        from .heads import open_head
        from .shaping import MotionShaper

        profile = profile or ("display_eyes" if head.startswith(("display", "osc")) else
                              "neck3_eyes2_lids" if head.startswith("serial") else
                              "reachy_mini" if head.startswith("reachy_mini") else "pan_tilt")
        shaper = MotionShaper(profile)
        driver = open_head(head, shaper.profile)     # a bad head spec fails before any audio starts
        out.write(f"head {head} ready (profile {shaper.profile.name!r}); loading the model\n")
        out.flush()
        if signals.stop.is_set():
            return None
        anim = Animator(style=style, backend=backend)
        if signals.stop.is_set():
            return None
        if input_path is None:
            try:
                source = _MicSource(anim.sample_rate)
                out.write("listening on the default microphone (Ctrl-C to stop)\n")
            except Exception as exc:
                out.write(f"no audio input ({str(exc).splitlines()[0]}); playing the bundled sample instead\n")
                source = _FileSource(SAMPLE_WAV, anim.sample_rate, realtime, playback)
        else:
            source = _FileSource(input_path, anim.sample_rate, realtime, playback)
        return _loop(anim, shaper, driver, source, signals.stop, head, duration, status_every_s, out)
    finally:
        try:
            if driver is not None:
                _park_and_close(shaper, driver, out)
        finally:
            if source is not None:
                source.close()
            signals.restore()


def _park_and_close(shaper, driver, out):
    if hasattr(driver, "set_status"):          # the console view: no line of ours under its redraws
        driver.set_status("parking: easing the head to neutral")
    else:
        out.write("\nparking: easing the head to neutral\n")
        out.flush()
    parked = False
    try:
        parked = shaper.park_to(driver, max_s=PARK_MAX_S)
    except KeyboardInterrupt:
        out.write("forced exit: parking cut short, the head jumps to neutral\n")
        raise
    except Exception as exc:
        log.warning("could not ease to neutral: %s", exc)
    finally:
        driver.close()                         # neutral pose (already there when parked), port closed
    if not parked:
        out.write(f"the head did not reach neutral within {PARK_MAX_S:g} s; it jumped there on close\n")
    out.write("stopped: head at neutral, ports closed\n")


def _loop(anim, shaper, driver, source, stop, head, duration, status_every_s, out, clock=time.monotonic,
          sleep=time.sleep):
    """Audio in, one command per servo period out. The shaper's clock follows the audio
    (minus the model's latency); the commands go out in real time (:class:`ServoPacer`). When
    the audio is more than ``pacing.MAX_BEHIND_S`` ahead of the head (a backlog after a hiccup: the
    microphone's ring hands over up to 2 s at once), the shaper skips ahead to the newest
    audio, one command, rather than sending the missed periods in a burst."""
    stats = {"frames": 0, "commands": 0, "skipped": 0, "audio_s": 0.0, "cpu": 0.0}
    realtime = getattr(source, "realtime", True)
    pacer = ServoPacer(shaper.dt, realtime, clock, sleep)
    t_start = last_status = clock()
    while not stop.is_set():
        chunk = source.read()
        if chunk is None:
            break
        c0 = time.process_time()
        feed(anim, shaper, chunk, stats)
        if hasattr(driver, "speaking"):          # heads that show it (Reachy Mini's antennas)
            driver.speaking = bool(getattr(anim, "speaking", True))
        stats["cpu"] += time.process_time() - c0
        while not stop.is_set():
            due = periods_due(anim, shaper, stats["audio_s"])
            if due < 1:
                break
            pacer.wait()
            c0 = time.process_time()
            cmd = pacer.tick(shaper, due)
            stats["skipped"] = pacer.skipped
            driver.write(cmd)
            pacer.sent()
            stats["commands"] += 1
            stats["cpu"] += time.process_time() - c0
        now = clock()
        if now - last_status >= status_every_s:
            _status(out, stats, anim, source, now - t_start, driver)
            last_status = now
        if duration is not None and stats["audio_s"] >= duration:
            break
    _status(out, stats, anim, source, clock() - t_start, driver)
    return stats


def _status(out, stats, anim, source, wall, driver=None):
    """The status line; a head that shows one itself (the console view) gets a short form."""
    fps = stats["frames"] / max(wall, 1e-9)
    cpu = 1000 * stats["cpu"] / max(stats["audio_s"], 1e-9)
    lat, dropped = 1000 * anim.latency_s, getattr(source, "dropped", 0)
    skipped = f" ({stats['skipped']} periods skipped)" if stats.get("skipped") else ""
    if hasattr(driver, "set_status"):
        driver.set_status(f"{fps:4.1f} fps | latency {lat:.0f} ms | {cpu:.2f} ms CPU/s | overflows {dropped} | "
                          f"{stats['commands']} commands{skipped}")
        return
    out.write(f"\r{fps:5.1f} fps | latency {lat:.0f} ms + buffering | "
              f"{cpu:5.2f} ms CPU per s of audio | overflows {dropped} samples | "
              f"{stats['commands']} commands{skipped}   ")
    out.flush()
