"""A head that moves with any TTS that yields audio chunks.

    python examples/speak_with_any_tts.py "Hello there" [--head console] [--fast]

The TTS here is espeak-ng read block by block from its pipe (``my_tts`` below); swap in
yours: anything that yields mono numpy blocks at a known sample rate fits, e.g. piper-tts's
``PiperVoice.synthesize(text)`` (one chunk per sentence: ``chunk.audio_float_array`` at
``chunk.sample_rate``), or a cloud TTS's streamed PCM. What happens to the chunks:

    blocks (any rate) -> loudspeaker queue
                      -> Resampler (to the model's 16 kHz) -> Animator, kept latency_s ahead
                         of what the loudspeaker plays -> MotionShaper -> head driver,
                         one command per servo period on the playback clock

so the motion for a moment of speech goes out when that moment is heard (``sgt-lite say``
is this, with espeak-ng or piper).
"""
import argparse
import shutil
import subprocess
import sys

import numpy as np

from sgt_lite import Animator
from sgt_lite.heads import HEAD_SPECS, open_head
from sgt_lite.say import SpeechSync, default_profile, open_output
from sgt_lite.shaping import MotionShaper


def my_tts(text):
    """(rate, generator of float32 blocks): espeak-ng's raw 16-bit output, 20 ms at a time."""
    if shutil.which("espeak-ng") is None:
        sys.exit("this example's TTS is espeak-ng: sudo apt-get install espeak-ng")
    proc = subprocess.Popen(["espeak-ng", "--stdout"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc.stdin.write(text.encode())
    proc.stdin.close()
    proc.stdout.read(44)                     # espeak-ng's WAV header: 22050 Hz, 16-bit, mono
    rate = 22050

    def blocks():
        while True:
            raw = proc.stdout.read(2 * 441)
            if len(raw) < 2:
                break
            yield np.frombuffer(raw[: len(raw) // 2 * 2], "<i2").astype(np.float32) / 32768.0
        proc.wait()
    return rate, blocks()


def main():
    ap = argparse.ArgumentParser(description="speak with any chunked TTS and move a head in sync")
    ap.add_argument("text")
    ap.add_argument("--head", default="console", help=HEAD_SPECS)
    ap.add_argument("--fast", action="store_true", help="no sound, no waiting (e.g. --head csv:out.csv)")
    args = ap.parse_args()

    anim = Animator()
    shaper = MotionShaper(default_profile(args.head))
    rate, blocks = my_tts(args.text)
    output = open_output(rate, fast=args.fast)     # the sound card, else the clock
    with open_head(args.head, shaper.profile) as head:
        try:
            stats = SpeechSync(anim, shaper, head).run(rate, blocks, output)
        finally:
            output.close()
        if not args.fast:
            shaper.park_to(head)                   # ease to neutral before the driver closes
    print(f"\n{stats['speech_s']:.2f} s of speech, {stats['commands']} commands", file=sys.stderr)


if __name__ == "__main__":
    main()
