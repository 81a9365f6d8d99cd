"""``sgt-lite say``: an offline TTS speaks and the head moves in sync with the sound.

Any TTS that yields audio blocks fits :class:`SpeechSync`: the blocks go to the audio
output as they come, and the Animator is fed ahead of what the loudspeaker plays by the
model's latency (plus the resampler's delay), so the motion for a moment of speech is
ready when that moment is heard. Commands go out on the playback clock: the output
device's DAC time where it reports one (sounddevice), else the monotonic clock.
"""
import logging
import math
import os
import shutil
import subprocess
import tempfile
import time
from collections import deque

import numpy as np

from .audio import Resampler, as_float32, read_wav
from .errors import BadAudioError, ConfigError, SgtLiteError
from .pacing import ServoPacer
from .shaping.shaper import MAX_LEAD_S

log = logging.getLogger(__name__)

ENGINES = ("auto", "espeak-ng", "piper")
BLOCK_S = 0.02               # TTS audio is cut into blocks this long on its way to the output
LEAD_MARGIN_S = 0.1          # the Animator runs this much further ahead than it strictly must
PIPER_VOICE_ENV = "SGT_LITE_PIPER_VOICE"
_NOTES = 256                 # callback notes kept (seconds of audio at 10 ms buffers: 2.5)


class TtsError(SgtLiteError, RuntimeError):
    """The speech engine is missing or failed."""


# --- speech engines ------------------------------------------------------------------------------
def _check_text(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"say needs some text to speak, got {text!r}")
    return text


def _piper_voice(voice):
    voice = voice or os.environ.get(PIPER_VOICE_ENV)
    if voice and os.path.isfile(voice):
        return voice
    return None


def pick_engine(engine="auto", voice=None) -> str:
    """``"piper"`` when asked for, or with ``auto`` when the ``piper`` command and a voice
    model (``voice`` or $SGT_LITE_PIPER_VOICE, a ``.onnx`` file) are there; else ``"espeak-ng"``."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown TTS engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if engine == "auto":
        return "piper" if shutil.which("piper") and _piper_voice(voice) else "espeak-ng"
    return engine


def _blocks(x, rate, block_s=BLOCK_S):
    n = max(1, int(round(rate * block_s)))
    for i in range(0, len(x), n):
        yield x[i:i + n]


def _espeak_stream(text, voice, speed, block_s):
    """espeak-ng's --stdout WAV, read block by block while it speaks (its header gives no length)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise TtsError("espeak-ng is not installed: sudo apt-get install espeak-ng (or give --engine piper "
                       "with a piper voice)")
    cmd = [exe, "--stdout"]
    if voice:
        cmd += ["-v", str(voice)]
    if speed is not None:
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 80 <= speed <= 450:
            raise ConfigError(f"speed is words per minute, 80..450, got {speed!r}")
        cmd += ["-s", str(int(speed))]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(text.encode("utf-8"))
    proc.stdin.close()
    try:
        rate = _read_wav_header(proc.stdout)
    except TtsError:
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        proc.wait()
        raise TtsError(f"espeak-ng failed (exit {proc.returncode}): {err or 'no audio'}") from None

    def gen():
        n = 2 * max(1, int(round(rate * block_s)))
        try:
            while True:
                raw = proc.stdout.read(n)
                if len(raw) < 2:
                    break
                yield np.frombuffer(raw[: len(raw) // 2 * 2], "<i2").astype(np.float32) / 32768.0
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            err = proc.stderr.read().decode("utf-8", "replace").strip()
            proc.stderr.close()
            if err:
                log.info("espeak-ng: %s", err)
    return rate, gen()


def _read_wav_header(f) -> int:
    """Reads a RIFF header up to the data chunk from a pipe; returns the rate (16-bit mono only)."""
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise TtsError("not a WAV stream")
    rate = None
    while True:
        ch = f.read(8)
        if len(ch) < 8:
            raise TtsError("WAV stream ended before its data")
        cid, size = ch[:4], int.from_bytes(ch[4:], "little")
        if cid == b"data":
            break
        body = f.read(size + (size & 1))
        if cid == b"fmt ":
            fmt, channels, rate = (int.from_bytes(body[i:j], "little") for i, j in ((0, 2), (2, 4), (4, 8)))
            bits = int.from_bytes(body[14:16], "little")
            if fmt != 1 or channels != 1 or bits != 16:
                raise TtsError(f"expected 16-bit mono PCM from the engine, got format {fmt}, {channels} "
                               f"channels, {bits} bits")
    if not rate:
        raise TtsError("WAV stream without a fmt chunk")
    return rate


def _piper(text, voice, speed, block_s):
    exe = shutil.which("piper")
    path = _piper_voice(voice)
    if exe is None:
        raise TtsError("piper is not installed: pip install piper-tts (and download a voice .onnx), or use "
                       "--engine espeak-ng")
    if path is None:
        raise TtsError(f"piper needs a voice model: give --voice VOICE.onnx or set ${PIPER_VOICE_ENV} "
                       f"(got {voice!r})")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "speech.wav")
        cmd = [exe, "-m", path, "-f", out]          # short options: the C++ piper and piper-tts both take them
        if speed is not None:
            log.warning("--speed applies to espeak-ng only; piper speaks at its voice's pace")
        res = subprocess.run(cmd, input=text.encode("utf-8"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if res.returncode != 0 or not os.path.isfile(out):
            err = res.stderr.decode("utf-8", "replace").strip().splitlines()
            raise TtsError(f"piper failed (exit {res.returncode}): {err[-1] if err else 'no output'}")
        x, rate = read_wav(out)
    return rate, _blocks(x, rate, block_s)


def speech_blocks(text, engine="auto", voice=None, speed=None, block_s=BLOCK_S):
    """``(rate, blocks)``: the speech for ``text`` from an offline engine, as an iterator of
    mono float32 blocks of about ``block_s`` seconds (espeak-ng streams them while it speaks).

    ``engine`` is ``"espeak-ng"`` (``voice`` e.g. ``"en-us"``, ``speed`` in words per minute),
    ``"piper"`` (``voice`` is a voice ``.onnx`` file) or ``"auto"`` (see :func:`pick_engine`).
    """
    text = _check_text(text)
    engine = pick_engine(engine, voice)
    if engine == "piper":
        return _piper(text, voice, speed, block_s)
    return _espeak_stream(text, voice, speed, block_s)


# --- audio outputs ------------------------------------------------------------------------------
class _Output:
    """Where speech goes and the clock that paces the motion: ``write`` queues samples,
    ``position_s(now)`` is how much of the written speech the listener has heard at ``now``
    (on ``clock``), ``wait`` sleeps on that clock."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.clock, self._sleep = int(rate), clock, sleep
        self.written = 0
        self.started = self.ended = False

    def write(self, block):
        self.written += len(block)

    def end(self):
        """No more speech comes: running dry from now on is the end, not an underrun."""
        self.ended = True

    def start(self):
        self.started = True

    def wait(self, seconds):
        if seconds > 0:
            self._sleep(seconds)

    def close(self):
        pass


class ClockOutput(_Output):
    """No sound: the speech 'plays' on the clock from ``start()``. With a simulated
    ``clock``/``sleep`` pair it runs as fast as the machine can (``sgt-lite say --fast``)."""

    def start(self):
        super().start()
        self._t0 = self.clock()

    def position_s(self, now=None):
        if not self.started:
            return 0.0
        now = self.clock() if now is None else now
        return min(max(0.0, now - self._t0), self.written / self.rate)


class SimulatedClock:
    """A clock that only moves when something sleeps on it (offline runs, tests).

    >>> c = SimulatedClock(); c.sleep(0.5); c()
    0.5
    """

    def __init__(self, t=0.0):
        self.t = float(t)

    def __call__(self):
        return self.t

    def sleep(self, seconds):
        self.t += max(0.0, float(seconds))


class SoundDeviceOutput(_Output):
    """Plays through a sounddevice OutputStream. The stream's callback takes queued samples
    (silence when none are queued: an underrun) and notes when its buffer reaches the DAC
    (PortAudio's ``outputBufferDacTime``, or the stream's latency when the host API gives
    no times); ``position_s`` interpolates from those notes.

    ``sd`` is the sounddevice module (tests pass a stand-in for the audio device)."""

    def __init__(self, rate, sd=None, device=None, blocksize=None, clock=time.monotonic, sleep=time.sleep):
        super().__init__(rate, clock, sleep)
        if sd is None:
            from .demo import _sounddevice

            sd, why = _sounddevice()
            if sd is None:
                raise OSError(why)
        self._queue = deque()                # appended here, popped by the audio thread (both atomic)
        self._head = 0                       # samples taken from the queue's first block
        self._played = 0                     # speech samples handed to the device
        self._notes = [None] * _NOTES        # (clock time at the DAC, first sample index, speech samples),
        self._n_notes = 0                    # a ring the audio thread fills slot first, count second
        self.underruns = 0
        self._stream = sd.OutputStream(samplerate=self.rate, channels=1, dtype="float32", device=device,
                                       blocksize=blocksize or self.rate // 100, callback=self._callback)
        self._latency = float(getattr(self._stream, "latency", 0.0) or 0.0)

    def write(self, block):
        self._queue.append(np.asarray(block, np.float32))
        super().write(block)

    def _callback(self, outdata, frames, time_info, status):     # audio thread: no blocking, no raising
        now = self.clock()
        dac, cur = getattr(time_info, "outputBufferDacTime", 0.0), getattr(time_info, "currentTime", 0.0)
        ahead = dac - cur if dac > 0 and cur > 0 and 0 <= dac - cur < 2.0 else self._latency
        out, filled = outdata[:, 0], 0
        while filled < frames and self._queue:
            blk = self._queue[0]
            take = min(frames - filled, len(blk) - self._head)
            out[filled:filled + take] = blk[self._head:self._head + take]
            filled += take
            self._head += take
            if self._head == len(blk):
                self._queue.popleft()
                self._head = 0
        out[filled:] = 0.0
        if filled < frames and not self.ended and self._played + filled > 0:
            self.underruns += 1
        self._notes[self._n_notes % _NOTES] = (now + ahead, self._played, filled)
        self._n_notes += 1
        self._played += filled

    def start(self):
        super().start()
        self._stream.start()

    def position_s(self, now=None):
        now = self.clock() if now is None else now
        count = self._n_notes
        for k in range(count - 1, max(-1, count - _NOTES), -1):
            t_dac, first, n = self._notes[k % _NOTES]
            if t_dac <= now:
                return (first + min(n, int((now - t_dac) * self.rate))) / self.rate
        return 0.0

    def close(self):
        try:
            self._stream.stop()
        finally:
            self._stream.close()


def open_output(rate, playback=True, fast=False, device=None):
    """The output ``say`` uses: the sound card when it can, else silence on the real clock
    (with a warning); ``fast`` runs on a simulated clock (no sound, no waiting)."""
    if fast:
        c = SimulatedClock()
        return ClockOutput(rate, clock=c, sleep=c.sleep)
    if playback:
        try:
            return SoundDeviceOutput(rate, device=device)
        except Exception as exc:
            log.warning("no audio output (%s): the head moves on the clock, without sound",
                        str(exc).splitlines()[0])
    return ClockOutput(rate)


# --- the sync loop ------------------------------------------------------------------------------
class SpeechSync:
    """Plays speech blocks and moves a head in sync with what the listener hears.

    Per loop: TTS blocks go to ``output`` (all at once here: any TTS is faster than real
    time once it has started); the Animator gets the speech, resampled to its rate, up to
    ``lead_s`` beyond the playback position; the shaper ticks once per servo period up to the
    playback position, each command going to ``driver``. A command's speech time is
    ``cmd.t - stream_delay_s`` (the resampler's group delay). At most one command goes out
    per servo period (:class:`~sgt_lite.pacing.ServoPacer`): after a slow write the missed
    periods are skipped (one command to the newest period heard; ``stats["skipped"]``, and
    ``late_ticks`` counts such commands), never sent in a burst and never ahead of the sound. ``lead_margin_s`` plus one frame period must stay under the shaper's
    ``MAX_LEAD_S``, or the shaper would take the frames for a backlog.

    >>> from sgt_lite import Animator
    >>> from sgt_lite.shaping import MotionShaper
    >>> from sgt_lite.heads.recorder import CsvRecorder
    >>> import os, tempfile
    >>> anim, shaper = Animator(backend="numpy"), MotionShaper("pan_tilt")
    >>> clock = SimulatedClock()
    >>> out = ClockOutput(22050, clock=clock, sleep=clock.sleep)
    >>> blocks = (np.zeros(441, np.float32) for _ in range(50))   # 1 s of silence at 22.05 kHz
    >>> path = os.path.join(tempfile.mkdtemp(), "head.csv")
    >>> with CsvRecorder(path, shaper.profile) as head:
    ...     stats = SpeechSync(anim, shaper, head).run(22050, blocks, out)
    >>> stats["speech_s"], stats["commands"]
    (1.0, 50)
    """

    def __init__(self, animator, shaper, driver, lead_margin_s=LEAD_MARGIN_S):
        self.anim, self.shaper, self.driver = animator, shaper, driver
        self.lead_margin_s = float(lead_margin_s)
        limit = MAX_LEAD_S - 1.0 / animator.frame_rate
        if not 0.0 <= self.lead_margin_s < limit:       # NaN fails too
            raise ConfigError(f"lead_margin_s must be 0 <= margin < {limit:g} s (the shaper takes frames more "
                              f"than MAX_LEAD_S = {MAX_LEAD_S:g} s ahead for a backlog, and a frame period of "
                              f"{1.0 / animator.frame_rate:g} s comes on top), got {lead_margin_s!r}")
        self.stream_delay_s = 0.0

    def run(self, rate, blocks, output, stop=None, on_command=None) -> dict:
        """Speaks ``blocks`` (mono float32 at ``rate`` Hz) through ``output``; returns counters.

        ``stop`` (a threading.Event) ends it early; ``on_command(cmd, now)`` sees every command
        as it goes to the driver (``now`` on the output's clock)."""
        anim, shaper = self.anim, self.shaper
        if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or not 4000 <= rate <= 192000:
            raise BadAudioError(f"speech sample rate must be a whole number of Hz, 4000..192000, got {rate!r}")
        rs = Resampler(rate, anim.sample_rate) if rate != anim.sample_rate else None
        self.stream_delay_s = rs.delay_s if rs is not None else 0.0
        lead = anim.latency_s + self.stream_delay_s + self.lead_margin_s
        pending = []                          # resampled speech waiting for the Animator
        buf, at = np.zeros(0, np.float32), 0  # ... and the part of it being fed
        fed = 0                               # samples given to the Animator (its rate)
        spoken = 0                            # speech samples sent to the output (TTS rate)
        hop = anim.sample_rate // 50
        blocks = iter(blocks)
        speech_done = tail_done = False
        stats = {"speech_s": 0.0, "commands": 0, "frames": 0, "late_ticks": 0, "skipped": 0, "cpu_s": 0.0}
        # the listener hears the speech: more than one period behind, skip to it rather than trail it
        pacer = ServoPacer(shaper.dt, clock=output.clock, sleep=output.wait, max_behind_s=shaper.dt)
        anim.reset()
        shaper.reset()
        shaper_t0 = shaper.t                  # shaper time = stream time + shaper_t0 (see push below)
        while not (stop is not None and stop.is_set()):
            c0 = time.process_time()
            if not speech_done:
                blk = next(blocks, None)
                if blk is None:
                    speech_done = True
                    output.end()
                else:
                    x = as_float32(blk)
                    output.write(x)
                    spoken += len(x)
                    stats["speech_s"] = spoken / rate
                    y = rs.process(x) if rs is not None else x
                    if len(y):
                        pending.append(y)
            if speech_done and not tail_done:
                # the model needs latency_s of audio past the last frame, the resampler its delay
                tail = np.zeros(int(math.ceil((lead + 0.1) * rate)), np.float32)
                y = rs.process(tail) if rs is not None else tail
                pending.append(y)
                tail_done = True
            now = output.clock()
            pos = output.position_s(now) if output.started else 0.0
            while (pending or at < len(buf)) and fed / anim.sample_rate < pos + lead:
                if len(buf) - at < hop and pending:
                    buf, at = np.concatenate([buf[at:]] + pending), 0
                    pending.clear()
                chunk = buf[at:at + hop]
                at += len(chunk)
                fed += len(chunk)
                frames = anim.step(chunk)
                for f in frames:       # the first lands at shaper.t == shaper_t0 (no tick before it)
                    shaper.push(f)
                stats["frames"] += len(frames)
            if not output.started and (fed / anim.sample_rate >= lead or (tail_done and not pending and at >= len(buf))):
                output.start()
                now = output.clock()
                pos = output.position_s(now)
            stats["cpu_s"] += time.process_time() - c0
            end_s = stats["speech_s"]
            if hasattr(self.driver, "speaking"):      # heads that show it (Reachy Mini's antennas)
                self.driver.speaking = bool(output.started and pos < end_s and getattr(anim, "speaking", True))
            target = min(pos, end_s) + self.stream_delay_s + shaper_t0
            while stats["frames"] and not (stop is not None and stop.is_set()):
                due = int((target - shaper.t) / shaper.dt + 1e-9)       # servo periods heard, not yet sent
                if due < 1:
                    break
                cmd = pacer.tick(shaper, due)
                self.driver.write(cmd)
                pacer.sent()
                if on_command is not None:
                    on_command(cmd, output.clock())
                stats["commands"] += 1
                stats["late_ticks"] += due > 1
            stats["skipped"] = pacer.skipped
            if speech_done and tail_done and pos >= end_s - 1e-9:
                break
            if speech_done:                   # else the next TTS block is read at once
                next_tick = shaper.t + shaper.dt - self.stream_delay_s - shaper_t0
                output.wait(min(max(next_tick - pos, 0.0), shaper.dt))
        return stats


# --- the command ---------------------------------------------------------------------------------
def default_profile(head: str) -> str:
    """The profile ``sgt-lite demo`` and ``say`` pick for a ``--head`` spec."""
    return ("display_eyes" if head.startswith(("display", "osc")) else
            "neck3_eyes2_lids" if head.startswith("serial") else
            "reachy_mini" if head.startswith("reachy_mini") else "pan_tilt")


def say(text, head="console", profile=None, style=None, backend="auto", engine="auto", voice=None, speed=None,
        playback=True, fast=False, device=None, save_wav=None, out=None):
    """Speaks ``text`` and moves ``head`` in sync; parks the head afterwards. Returns counters
    and ``engine``; ``save_wav`` also writes the speech to a file."""
    import sys

    from .animator import Animator
    from .demo import _park_and_close, _Signals
    from .heads import open_head
    from .shaping import MotionShaper

    out = out or sys.stderr
    text = _check_text(text)
    engine = pick_engine(engine, voice)
    signals = _Signals()
    driver = output = None
    try:
        shaper = MotionShaper(profile or default_profile(head))
        driver = open_head(head, shaper.profile)
        anim = Animator(style=style, backend=backend)
        rate, blocks = speech_blocks(text, engine, voice, speed)
        if save_wav:
            blocks = _teed(blocks, save_wav, rate)
        output = open_output(rate, playback=playback, fast=fast, device=device)
        stats = SpeechSync(anim, shaper, driver).run(rate, blocks, output, stop=signals.stop)
        stats["engine"] = engine
        stats["output"] = type(output).__name__
        return stats
    finally:
        try:
            if driver is not None:
                if fast:
                    c = SimulatedClock()
                    shaper.park_to(driver, clock=c, sleep=c.sleep)
                    driver.close()
                else:
                    _park_and_close(shaper, driver, out)
        finally:
            if output is not None:
                output.close()
            signals.restore()


def _teed(blocks, path, rate):
    from .audio import write_wav

    kept = []
    for b in blocks:
        kept.append(b)
        yield b
    write_wav(path, np.concatenate(kept) if kept else np.zeros(0, np.float32), rate)
