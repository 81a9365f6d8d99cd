"""`sgt-lite say`: offline speech through espeak-ng into a CSV head, the motion kept in sync with
a sound card stood in for at the hardware edge (a sounddevice-like stream that notes what it
"played" when), piper through a stand-in executable."""
import csv
import os
import shutil
import stat
import sys
import types

import numpy as np
import pytest

from sgt_lite import Animator
from sgt_lite.audio import read_wav, write_wav
from sgt_lite.errors import ConfigError, SgtLiteError
from sgt_lite.heads.recorder import CsvRecorder
from sgt_lite.say import (ClockOutput, SimulatedClock, SoundDeviceOutput, SpeechSync, TtsError, pick_engine,
                          speech_blocks)
from sgt_lite.shaping import MotionShaper

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (apt-get install espeak-ng)")
TEXT = "Hello there. I am a small robot head, and I move while I speak."


@pytest.fixture(scope="module")
def anim():
    return Animator(backend="numpy")


class FakeStream:
    """A sound card on a simulated clock: every ``blocksize`` samples of the clock it calls the
    callback, like PortAudio, reporting the buffer's DAC time ``dac_latency`` s later, and keeps
    (DAC time, samples) of what it played."""

    def __init__(self, clock, dac_latency, samplerate, channels, dtype, device, blocksize, callback):
        assert channels == 1 and dtype == "float32"
        self.clock, self.dac_latency, self.rate = clock, dac_latency, samplerate
        self.blocksize, self.callback = blocksize, callback
        self.latency = dac_latency
        self.played, self.k, self.t0, self.closed = [], 0, None, False

    def start(self):
        self.t0 = self.clock()
        self.pump()

    def sleep(self, seconds):
        """The simulated clock moves on, stopping at each buffer the card asks for on the way."""
        end = self.clock() + max(0.0, seconds)
        while self.t0 is not None and self.t0 + self.k * self.blocksize / self.rate < end:
            self.clock.t = max(self.clock.t, self.t0 + self.k * self.blocksize / self.rate)
            self.pump()
        self.clock.t = end
        self.pump()

    def pump(self):
        while self.t0 is not None and self.t0 + self.k * self.blocksize / self.rate <= self.clock() + 1e-12:
            t = self.t0 + self.k * self.blocksize / self.rate
            out = np.full((self.blocksize, 1), np.nan, np.float32)
            info = types.SimpleNamespace(currentTime=1000.0 + t, outputBufferDacTime=1000.0 + t + self.dac_latency)
            self.callback(out, self.blocksize, info, None)
            self.played.append((t + self.dac_latency, out[:, 0].copy()))
            self.k += 1

    def heard(self, t):
        """Speech samples (the non-zero ones) that left the DAC by time t."""
        n = 0
        for t_dac, out in self.played:
            if t_dac > t:
                break
            n += np.count_nonzero(out[:int((t - t_dac) * self.rate)])
        return n

    def stop(self):
        pass

    def close(self):
        self.closed = True


def fake_sounddevice(clock, dac_latency):
    streams = []

    def OutputStream(**kw):
        streams.append(FakeStream(clock, dac_latency, **kw))
        return streams[-1]
    return types.SimpleNamespace(OutputStream=OutputStream), streams


def test_motion_follows_what_the_listener_hears(anim):
    """Each command is for the speech the DAC is playing as it goes out: within one servo
    period, although the card plays 50 ms after it takes a buffer and the Animator needs
    its latency of audio ahead."""
    rate = 22050
    rng = np.random.default_rng(3)
    t = np.arange(int(2.5 * rate)) / rate
    x = (0.3 + 0.2 * np.sin(2 * np.pi * 3 * t) * rng.random(t.size)).astype(np.float32)  # never zero
    clock = SimulatedClock(50.0)
    sd, streams = fake_sounddevice(clock, dac_latency=0.05)

    out = SoundDeviceOutput(rate, sd=sd, blocksize=256, clock=clock, sleep=lambda s: streams[0].sleep(s))
    shaper = MotionShaper("pan_tilt")
    sent = []
    with CsvRecorder(os.devnull, shaper.profile) as head:
        sync = SpeechSync(anim, shaper, head)
        stats = sync.run(rate, (x[i:i + 441] for i in range(0, x.size, 441)), out,
                         on_command=lambda cmd, now: sent.append((cmd.t, now)))
    out.close()
    stream = streams[0]
    assert stream.closed and out.underruns == 0
    played = np.concatenate([o for _, o in stream.played])
    np.testing.assert_array_equal(played[np.flatnonzero(played)], x)         # all of it, in order
    assert stats["commands"] == len(sent) >= int(2.5 * 50) - 1
    offsets = np.array([(ct - sync.stream_delay_s) - stream.heard(now) / rate for ct, now in sent])
    dt = shaper.dt
    assert np.all(offsets <= 1e-3) and np.all(offsets > -dt), (offsets.min(), offsets.max())
    assert abs(np.median(offsets)) < 2e-3
    assert sent[0][1] >= clock() - 2.6            # nothing went out before the sound started


def test_fast_run_covers_the_whole_speech(anim, tmp_path):
    clock = SimulatedClock()
    out = ClockOutput(16000, clock=clock, sleep=clock.sleep)
    shaper = MotionShaper("neck3_eyes2_lids")
    x = np.full(16000 * 3 // 2, 0.1, np.float32)
    with CsvRecorder(tmp_path / "h.csv", shaper.profile) as head:
        stats = SpeechSync(anim, shaper, head).run(16000, iter([x[:7000], x[7000:]]), out)
    assert stats["speech_s"] == 1.5 and stats["commands"] == 75 and stats["late_ticks"] == 0
    assert stats["frames"] >= 1.5 * anim.frame_rate


def test_bad_rate_and_text(anim):
    with pytest.raises(SgtLiteError, match="sample rate"):
        SpeechSync(anim, MotionShaper(), None).run(8000.5, iter([]), ClockOutput(8000))
    with pytest.raises(ConfigError, match="some text"):
        speech_blocks("   ")
    with pytest.raises(ConfigError, match="unknown TTS engine"):
        pick_engine("festival")


def test_missing_espeak_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TtsError, match="apt-get install espeak-ng"):
        speech_blocks("hello", engine="espeak-ng")
    with pytest.raises(TtsError, match="pip install piper-tts"):
        speech_blocks("hello", engine="piper")


@needs_espeak
def test_espeak_streams_speech_blocks():
    rate, blocks = speech_blocks(TEXT, engine="espeak-ng", voice="en-us", speed=170)
    x = np.concatenate(list(blocks))
    assert rate == 22050 and x.dtype == np.float32
    assert 2.0 < x.size / rate < 8.0 and 0.05 < np.abs(x).max() <= 1.0


@needs_espeak
def test_say_offline_into_a_csv_head(tmp_path, capsys):
    from sgt_lite.cli import main

    path, wav = tmp_path / "head.csv", tmp_path / "speech.wav"
    rc = main(["say", TEXT, "--head", f"csv:{path}", "--fast", "--engine", "espeak-ng", "--backend", "numpy",
               "--save-wav", str(wav)])
    assert rc == 0
    said = capsys.readouterr().out
    assert "espeak-ng" in said and "commands" in said
    x, rate = read_wav(wav)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    # one row per servo period of speech, then parking to neutral and the close
    assert len(rows) >= int(x.size / rate * 50) - 1
    yaw = np.array([float(r["head_yaw"]) for r in rows])
    pitch = np.array([float(r["head_pitch"]) for r in rows])
    assert np.all(np.isfinite(yaw)) and np.std(yaw) + np.std(pitch) > 0.2      # the head moved
    assert yaw[-1] == 0.0 and pitch[-1] == 0.0                                 # and parked


def test_piper_through_its_command(tmp_path, monkeypatch):
    """The piper CLI (stood in for: it checks its arguments and writes a WAV)."""
    voice = tmp_path / "voice.onnx"
    voice.write_bytes(b"model")
    write_wav(tmp_path / "canned.wav", 0.25 * np.ones(22050, np.float32), 22050)
    exe = tmp_path / "bin" / "piper"
    exe.parent.mkdir()
    exe.write_text(f"""#!{sys.executable}
import shutil, sys
args = sys.argv[1:]
text = sys.stdin.read()
assert args[args.index('-m') + 1] == {str(voice)!r}, args
assert text == 'hi there', text
shutil.copy({str(tmp_path / 'canned.wav')!r}, args[args.index('-f') + 1])
""")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(exe.parent) + os.pathsep + os.environ["PATH"])
    assert pick_engine("auto", str(voice)) == "piper"
    assert pick_engine("auto", None) in ("espeak-ng", "piper")
    rate, blocks = speech_blocks("hi there", engine="piper", voice=str(voice))
    x = np.concatenate(list(blocks))
    assert rate == 22050 and x.size == 22050 and abs(float(x.mean()) - 0.25) < 1e-3
    with pytest.raises(TtsError, match="voice model"):
        speech_blocks("hi", engine="piper", voice=str(tmp_path / "missing.onnx"))


@needs_espeak
def test_the_any_tts_example_runs(tmp_path):
    import subprocess

    path = tmp_path / "head.csv"
    example = os.path.join(os.path.dirname(__file__), "..", "examples", "speak_with_any_tts.py")
    res = subprocess.run([sys.executable, example, "Hello from the example.", "--head", f"csv:{path}", "--fast"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "commands" in res.stderr
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 50 and np.std([float(r["head_yaw"]) for r in rows]) > 0
