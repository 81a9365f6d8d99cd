"""Writes the README's demo input: 6 s of the bundled speech, 3 s of silence, 3 s of white noise
at -40 dBFS (16 kHz mono int16), so the GIF shows speaking, listening and a noise the robot
ignores.

    python tools/demo_input.py docs/demo_input.wav
"""
import sys
import wave

import numpy as np

from sgt_lite.audio import SAMPLE_WAV, read_wav
from sgt_lite.audio.synthetic import white_noise


def main(out):
    speech, rate = read_wav(SAMPLE_WAV)
    x = np.concatenate([speech[:6 * rate], np.zeros(3 * rate, np.float32), white_noise(3.0, -40.0, seed=0)])
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    print(f"wrote {out}: {len(x) / rate:.1f} s (speech 0-6 s, silence 6-9 s, white noise 9-12 s)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/demo_input.wav")
