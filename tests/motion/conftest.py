import pathlib

import pytest

from sgt_lite.motion import MotionTrack

TRACKS = pathlib.Path(__file__).resolve().parents[2] / "data" / "tracks"


@pytest.fixture(scope="session")
def obama_track():
    return MotionTrack.load(TRACKS / "Obama_clip1.npz")
