"""The streaming path against the plain array pipeline it replaced (per chunk: frontend, voice
activity, stacking, one backend call per frame with state in and out, MotionRenderer.render,
the style's hazard shifts and pose offset, nan_to_num and clip): the same frames, bit for bit, on every installed backend and chunking."""
import numpy as np
import pytest

from sgt_lite import Animator
from sgt_lite.audio import SAMPLE_WAV, Frontend, read_wav
from sgt_lite.audio.synthetic import white_noise
from sgt_lite.audio.vad import VoiceActivity
from sgt_lite.events.motion import MotionRenderer, runtime_configs
from sgt_lite.model.features import FeatureStacker
from sgt_lite.model.outputs import OutputLayout

from .test_animator import INSTALLED


class _ArrayPipeline:
    """The Animator's per-chunk work written with whole arrays (the code before the lean path)."""

    def __init__(self, anim, seed):
        b, m = anim.bundle, anim.bundle.model
        self.b, self.m, self.backend = b, m, anim._backend
        self.fe, self.vad = Frontend(b.frontend), VoiceActivity(frontend=b.frontend)
        self.stacker = FeatureStacker(m["stack"], b.frontend.frame_size)
        self.layout = OutputLayout(len(m["outputs"]) - 8)
        eyes, head = runtime_configs(m, "bundle.json")
        self.renderer = MotionRenderer(self.layout, b.norm, eyes, head, float(m["fps"]), seed)
        _, remainder, offset, self.hazard = anim._spec.style(anim.style)
        self.renderer.set_remainder(*remainder)
        self.offset = np.array(list(offset) + [0.0])          # the style's pose offset (the lid has none)
        self.style = anim._style
        self.rng = np.random.default_rng(seed)
        self.h = np.zeros((m["layers"], m["hidden"]), np.float32)
        self.c = self.h.copy()
        self.last = np.zeros(self.layout.size, np.float32)
        self.last[self.layout.saccade] = self.last[self.layout.blink] = -30.0
        self.count = 0

    def step(self, x):
        frames = self.fe.process(x)
        speech = self.vad.process(frames).speaking
        feats = self.stacker.push(frames)
        n = len(feats)
        if n == 0:
            return []
        feats = ((feats - self.b.norm["feat_mean"]) / self.b.norm["feat_std"]).astype(np.float32)
        nd = self.m["noise_dim"]
        draws = self.rng.standard_normal((n, nd + 3)).astype(np.float32)
        raw = np.empty((n, self.layout.size), np.float32)
        for k in range(n):
            out, h2, c2 = self.backend(np.concatenate([feats[k], draws[k, :nd]]), self.style, self.h, self.c)
            assert np.isfinite(out).all() and np.isfinite(h2).all()
            self.h, self.c, self.last = h2, c2, out
            raw[k] = out
        raw = raw.astype(np.float64)
        raw[:, self.layout.saccade] += self.hazard[0]          # the style's hazard shifts
        raw[:, self.layout.blink] += self.hazard[1]
        motion = self.renderer.render(raw, speech.astype(np.float64), draws[:, nd:]) + self.offset
        lo, hi = self.b.output_ranges[:, 0].astype(np.float64), self.b.output_ranges[:, 1].astype(np.float64)
        motion = np.clip(np.nan_to_num(motion, nan=0.0, posinf=0.0, neginf=0.0), lo, hi)
        t = (self.count + np.arange(n)) / float(self.m["fps"])
        self.count += n
        return np.column_stack([t, motion]).tolist()


@pytest.fixture(scope="module")
def audio():
    speech = read_wav(SAMPLE_WAV)[0][:16000 * 5]
    return np.concatenate([speech, np.zeros(16000, np.float32), white_noise(1.5, -30.0).astype(np.float32),
                           speech[:32000]])


@pytest.mark.parametrize("backend", INSTALLED)
@pytest.mark.parametrize("chunk", [320, 333, 16000])
def test_lean_path_equals_the_array_pipeline(audio, backend, chunk):
    anim = Animator(backend=backend, seed=9, style={"calm": 0.5, "lively": 0.5})
    ref = _ArrayPipeline(anim, 9)
    got, want = [], []
    for i in range(0, len(audio), chunk):
        got += anim.step(audio[i:i + chunk])
        want += ref.step(audio[i:i + chunk])
    assert len(got) == len(want) > 200
    assert np.array_equal(np.array(got, np.float64), np.array(want, np.float64))
