"""How far the head's motion is from the sound the listener hears, with `sgt-lite say`'s loop.

    python benchmarks/bench_say_sync.py [--rounds 3] [--dac-latency 0.05] [--text "..."]

Real time, on the wall clock: espeak-ng speaks, the Animator and shaper run as in
`sgt-lite say`, and the sound card is stood in for by a thread that asks for a 256-sample
buffer every 256 samples of time, like PortAudio, reports its DAC time ``--dac-latency``
later, and notes which speech samples it played when. For each command sent to the head:

    offset = (speech time the command was computed for) - (speech the DAC had played when it went out)

(negative: the motion is behind the sound). Prints median, 5th/95th percentile and the
worst, per round and over all rounds, with the machine. The head is a CSV recorder, so
this is the software's part of the offset; a servo adds its own mechanical lag.
"""
import argparse
import os
import shutil
import sys
import threading
import time

import numpy as np

from _common import machine

TEXT = ("Hello. I am a small robot head. When I speak, my head nods and turns with the rhythm of my voice, "
        "and my eyes look away and back while I think of what to say next.")


class ThreadedCard:
    """A sounddevice.OutputStream stand-in that plays in real time on its own thread."""

    def __init__(self, dac_latency, samplerate, channels, dtype, device, blocksize, callback):
        self.rate, self.blocksize, self.callback, self.dac_latency = samplerate, blocksize, callback, dac_latency
        self.latency = dac_latency
        self.played = []                        # (monotonic DAC time, speech samples in the buffer)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def _run(self):
        t0, k = time.monotonic(), 0
        while not self._stop.is_set():
            due = t0 + k * self.blocksize / self.rate
            time.sleep(max(0.0, due - time.monotonic()))
            now = time.monotonic()
            out = np.zeros((self.blocksize, 1), np.float32)
            info = type("T", (), {"currentTime": now, "outputBufferDacTime": now + self.dac_latency})
            self.callback(out, self.blocksize, info, None)
            self.played.append((now + self.dac_latency, np.count_nonzero(out[:, 0])))
            k += 1

    def heard(self, t):
        n = 0
        for t_dac, speech in list(self.played):
            if t_dac > t:
                break
            n += min(speech, int((t - t_dac) * self.rate))
        return n

    def stop(self):
        self._stop.set()
        self._thread.join()

    def close(self):
        pass


def one_round(text, dac_latency):
    from sgt_lite import Animator
    from sgt_lite.heads.recorder import CsvRecorder
    from sgt_lite.say import SoundDeviceOutput, SpeechSync, speech_blocks
    from sgt_lite.shaping import MotionShaper

    cards = []

    def OutputStream(**kw):
        cards.append(ThreadedCard(dac_latency, **kw))
        return cards[-1]
    sd = type("sd", (), {"OutputStream": staticmethod(OutputStream)})
    rate, blocks = speech_blocks(text, engine="espeak-ng")
    # speech never exactly zero, so the card can count which samples were speech
    blocks = (np.where(b == 0, np.float32(1e-6), b) for b in blocks)
    anim, shaper = Animator(), MotionShaper("neck3_eyes2_lids")
    out = SoundDeviceOutput(rate, sd=sd, blocksize=256)
    sent = []
    with CsvRecorder(os.devnull, shaper.profile) as head:
        sync = SpeechSync(anim, shaper, head)
        stats = sync.run(rate, blocks, out, on_command=lambda cmd, now: sent.append((cmd.t, now)))
    out.close()
    card = cards[0]
    offsets = np.array([(t - sync.stream_delay_s) - card.heard(now) / rate for t, now in sent])
    return offsets, stats, anim


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dac-latency", type=float, default=0.05)
    ap.add_argument("--text", default=TEXT)
    args = ap.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not installed (apt-get install espeak-ng)")
    print(f"machine: {machine()}")
    allo = []
    for r in range(args.rounds):
        offsets, stats, anim = one_round(args.text, args.dac_latency)
        allo.append(offsets)
        ms = 1000 * offsets
        print(f"round {r + 1}: {stats['speech_s']:.2f} s of speech, {stats['commands']} commands "
              f"({stats['late_ticks']} caught up late); offset median {np.median(ms):+.1f} ms, "
              f"p5 {np.percentile(ms, 5):+.1f}, p95 {np.percentile(ms, 95):+.1f}, worst {ms[np.argmax(np.abs(ms))]:+.1f} ms")
    ms = 1000 * np.concatenate(allo)
    print(f"all rounds ({ms.size} commands, backend {anim.backend}, model latency {1000 * anim.latency_s:.0f} ms, "
          f"DAC latency {1000 * args.dac_latency:.0f} ms, servo period 20 ms): median {np.median(ms):+.1f} ms, "
          f"p5 {np.percentile(ms, 5):+.1f} ms, p95 {np.percentile(ms, 95):+.1f} ms, "
          f"worst {ms[np.argmax(np.abs(ms))]:+.1f} ms")


if __name__ == "__main__":
    main()
