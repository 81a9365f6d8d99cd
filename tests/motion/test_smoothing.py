"""Zero-phase head smoothing and the direction-reversal rate."""
import numpy as np
import pytest

from sgt_lite.errors import DataFormatError
from sgt_lite.motion.smoothing import reversal_rate

FPS = 25.0


def test_reversal_rate_counts_direction_changes():
    t = np.arange(500) / FPS
    assert reversal_rate(np.sin(2 * np.pi * 0.5 * t), FPS) == pytest.approx(1.0, abs=0.06)
    assert reversal_rate(t, FPS) == 0.0
    zigzag = np.tile([0.0, 1.0], 50)
    assert reversal_rate(zigzag, FPS) == pytest.approx(98 / 4.0)
    assert reversal_rate(zigzag * 0.01, FPS, deadband=0.05) == 0.0
    valid = np.ones(100, bool)
    valid[50] = False                                      # splits the run: the step across is not counted
    assert reversal_rate(zigzag, FPS, valid) == pytest.approx((48 + 47) / (99 / FPS))
    with pytest.raises(DataFormatError):
        reversal_rate(zigzag, FPS, valid[:10])


def test_smoothing_removes_jitter_without_delay_and_leaves_eyes_alone():
    pytest.importorskip("scipy")
    from sgt_lite.motion.smoothing import smooth_head

    rng = np.random.default_rng(0)
    t = np.arange(int(20 * FPS)) / FPS
    nod = 5 * np.sin(2 * np.pi * 0.7 * t)
    motion = np.zeros((t.size, 6))
    motion[:, 1] = nod + 0.5 * rng.standard_normal(t.size)          # jittery pitch
    motion[:, 3] = np.where(t % 2 < 1, 8.0, -8.0)                   # gaze steps (saccades)
    motion[:, 5] = (np.abs(t % 3 - 1.5) < 0.08).astype(float)       # blinks
    valid = np.ones(motion.shape, bool)
    out = smooth_head(motion, valid, FPS)
    assert reversal_rate(motion[:, 1], FPS) > 8 and reversal_rate(out[:, 1], FPS) < 3
    lags = np.arange(-5, 6)
    xc = [np.dot(np.roll(out[:, 1], k), nod) for k in lags]
    assert lags[int(np.argmax(xc))] == 0                             # zero phase: the nod stays put
    assert np.sqrt(np.mean((out[:, 1] - nod)[25:-25] ** 2)) < 0.3    # closer to the true nod than 0.5 jitter
    np.testing.assert_array_equal(out[:, 3:], motion[:, 3:].astype(np.float32))


def test_a_face_dropout_is_bridged_not_rung():
    pytest.importorskip("scipy")
    from sgt_lite.motion.smoothing import smooth_head

    motion = np.zeros((200, 6))
    motion[:, 0] = 10.0
    valid = np.ones(motion.shape, bool)
    motion[80:100, :3] = 0.0                                          # no face: the extractor leaves zeros
    valid[80:100, :3] = False
    out = smooth_head(motion, valid, FPS)
    assert np.allclose(out[:, 0], 10.0, atol=1e-3)
