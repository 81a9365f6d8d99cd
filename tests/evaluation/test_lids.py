import numpy as np
import pytest

from sgt_lite.evaluation import lids as L

FPS = 25.0


def _lid(blinks, seconds=60.0, fps=FPS, sub=40, base=0.05):
    """Lid rendered at ``sub`` x the frame rate, then sampled: linear close, hold, linear reopen.

    ``blinks``: [(onset s, closure, close s, hold s, reopen s)].
    """
    t = np.arange(int(seconds * fps * sub)) / (fps * sub)
    x = np.full(t.size, base)
    for t0, depth, close, hold, reopen in blinks:
        d = t - t0
        shape = np.where(d < 0, 0, np.where(d < close, d / close, np.where(
            d < close + hold, 1.0, np.clip(1 - (d - close - hold) / reopen, 0, 1))))
        x = np.maximum(x, base + (depth - base) * shape)
    return x[::sub]


def test_full_blinks_are_counted_with_closure_and_durations():
    onsets = np.arange(1.0, 59.0, 3.1)                              # 19 blinks a minute
    x = _lid([(t0, 1.0, 0.1, 0.04, 0.2) for t0 in onsets])
    b = L.detect_blinks(x, FPS)
    assert len(b) == onsets.size
    assert b.full_share() == 1.0
    # 10->90% of a linear ramp is 80% of it: 80 ms close, 160 ms reopen (sampling at 40 ms blurs a little)
    assert np.median(b.close_s) == pytest.approx(0.08, abs=0.02)
    assert np.median(b.reopen_s) == pytest.approx(0.16, abs=0.02)
    np.testing.assert_allclose(b.onset, onsets + 0.01, atol=1.0 / FPS)


def test_flutter_counts_as_blinks_that_do_not_close():
    rng = np.random.default_rng(0)
    onsets = np.arange(0.5, 59.5, 1.2)                              # 50 bumps a minute
    depths = rng.uniform(0.35, 0.6, onsets.size)
    x = _lid([(t0, d, 0.08, 0.0, 0.12) for t0, d in zip(onsets, depths)])
    b = L.detect_blinks(x, FPS)
    assert len(b) == onsets.size
    assert b.full_share() == 0.0
    assert L.half_closed_fraction(x) > 0.05


def test_noise_lid_droops_and_ragged_tops_are_not_extra_blinks():
    rng = np.random.default_rng(1)
    onsets = [5.0, 15.0, 25.0, 35.0]
    x = _lid([(t0, 1.0, 0.08, 0.05, 0.16) for t0 in onsets], seconds=45.0)
    x[int(40 * FPS):int(43 * FPS)] = 0.45                           # looking down for 3 s: not a blink
    x[int(8 * FPS):int(8 * FPS) + 3] = 0.18                          # a small twitch, under 0.25
    x = np.clip(x + rng.normal(0, 0.02, x.size), 0, 1)              # tracker noise
    b = L.detect_blinks(x, FPS)
    assert len(b) == len(onsets)
    assert b.full_share() >= 0.75


def test_double_blink_is_two_blinks():
    x = _lid([(2.0, 1.0, 0.08, 0.0, 0.12), (2.28, 1.0, 0.08, 0.0, 0.12)], seconds=4.0)
    assert x[int(2.22 * FPS)] < 0.6                                 # the lid reopened in between
    assert len(L.detect_blinks(x, FPS)) == 2


def test_half_closed_fraction():
    x = np.r_[np.zeros(50), np.full(30, 0.5), np.full(20, 1.0)]
    assert L.half_closed_fraction(x) == pytest.approx(0.3)


def test_coupling_against_chance():
    onsets = np.arange(2.0, 58.0, 4.0)
    x = _lid([(t0, 1.0, 0.08, 0.04, 0.16) for t0 in onsets])
    b = L.detect_blinks(x, FPS)
    with_blinks = onsets + 0.05                                     # every blink carries a saccade
    k, chance = L.coupled_count(b, with_blinks, 60.0)
    assert k == len(b)
    assert chance < 0.3 * len(b)                                    # 0.5 s windows every 4 s: ~12% by chance
    elsewhere = onsets + 1.7                                        # saccades never near a blink
    k, chance2 = L.coupled_count(b, elsewhere, 60.0)
    assert k == 0 and chance2 == pytest.approx(chance, abs=0.1 * len(b))
    assert L.coupled_count(b, np.zeros(0), 60.0) == (0, 0.0)
