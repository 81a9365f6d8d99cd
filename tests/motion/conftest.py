import os
import pathlib

import pytest

from sgt_lite.motion import MotionTrack

TRACKS = pathlib.Path(__file__).resolve().parents[2] / "data" / "tracks"
SHARED = pathlib.Path(os.environ.get("SGT_LITE_SHARED", TRACKS.parents[2] / "shared"))
TALKING = SHARED / "data" / "talking"


@pytest.fixture(scope="session")
def obama_track():
    return MotionTrack.load(TRACKS / "Obama_clip1.npz")


@pytest.fixture(scope="session")
def talking():
    """The shared talking videos (skips when ../shared is absent)."""
    if not (TALKING / "video").is_dir():
        pytest.skip(f"shared talking videos not found at {TALKING} (set SGT_LITE_SHARED)")
    return TALKING
