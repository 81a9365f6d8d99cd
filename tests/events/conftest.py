"""Shared inputs for the eye-event tests: constant or scripted network outputs."""
import os
import pathlib

import numpy as np
import pytest

from sgt_lite.events import EyeRenderer, GazeGrid
from sgt_lite.events.labels import onset_logit

N_CELLS = GazeGrid().n_cells


def _net_outputs(n, saccades_per_min=60.0, blinks_per_min=20.0, fps=25.0, seed=0, state=(1.0, 0.5, 0.0)):
    """Plausible network outputs: constant hazards, random target logits, a fixed state preference."""
    rng = np.random.default_rng(seed)
    return (np.full(n, onset_logit(saccades_per_min, fps)), np.full(n, onset_logit(blinks_per_min, fps)),
            rng.normal(0.0, 1.5, (n, N_CELLS)), np.tile(np.asarray(state, float), (n, 1)))


def _render(inputs, seed=0, chunks=None, listening=False, renderer=None, **kw):
    """Renders ``inputs`` in the given chunk sizes; returns (gaze (n, 2), lid (n,), frames list)."""
    r = renderer if renderer is not None else EyeRenderer(seed=seed, **kw)
    n = len(inputs[0])
    chunks = chunks or [n]
    listen = np.broadcast_to(np.asarray(listening, bool), (n,))
    outs, i = [], 0
    for c in chunks:
        if i >= n:
            break
        j = min(n, i + c)
        outs.append(r.step(*(a[i:j] for a in inputs), listening=listen[i:j]))
        i = j
    assert i == n
    gaze = np.concatenate([np.stack([o.gaze_yaw, o.gaze_pitch], 1) for o in outs])
    lid = np.concatenate([o.blink for o in outs])
    return gaze, lid, outs


def _frame_speed(gaze, fps=25.0):
    return np.linalg.norm(np.diff(gaze, axis=0), axis=1) * fps


REPO = pathlib.Path(__file__).resolve().parents[2]
FIXATIONS_CSV = pathlib.Path(os.environ.get("SGT_LITE_SHARED", REPO.parent / "shared")) / "data" / "gaze_conversation" / "fixations.csv"


@pytest.fixture
def net_outputs():
    return _net_outputs


@pytest.fixture
def render():
    return _render


@pytest.fixture
def frame_speed():
    return _frame_speed


@pytest.fixture(scope="session")
def fixations_csv():
    if not FIXATIONS_CSV.is_file():
        pytest.skip(f"shared gaze_conversation data not found at {FIXATIONS_CSV} (set SGT_LITE_SHARED)")
    return FIXATIONS_CSV
