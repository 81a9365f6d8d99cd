"""The display face drawn at the window's size: pupils and lids where they belong (also with
the head rolled), and no redraw for a pose that moved less than a pixel."""
import math

import numpy as np
import pytest

from sgt_lite.heads.face import FaceRenderer, draw_face, face_geometry

pytest.importorskip("PIL")


def _pupils(img, box=None):
    """Centres of the two dark blobs (pupils), left then right in the image."""
    a = np.asarray(img).astype(int)
    dark = a.sum(axis=2) < 80
    ys, xs = np.nonzero(dark)
    if xs.size == 0:
        return [], 0
    mid = xs.mean()
    out = []
    for sel in (xs < mid, xs >= mid):
        out.append((xs[sel].mean(), ys[sel].mean()))
    return out, int(dark.sum())


def _expected(joints, size):
    g = face_geometry(joints, size)
    cx, cy = g["center"]
    a = math.radians(g["roll"])
    out = []
    for px, py in g["pupils"]:
        x, y = px - cx, py - cy
        out.append((cx + x * math.cos(a) + y * math.sin(a), cy - x * math.sin(a) + y * math.cos(a)))
    return out


@pytest.mark.parametrize("joints", [
    {}, {"eye_yaw": 25.0}, {"eye_yaw": -20.0, "eye_pitch": 15.0}, {"head_yaw": 30.0, "head_pitch": -10.0},
    {"head_roll": 20.0, "eye_yaw": 10.0}, {"head_roll": -25.0, "head_yaw": -20.0, "eye_pitch": -10.0}])
@pytest.mark.parametrize("supersample", [1, 2])
def test_pupils_sit_where_the_gaze_and_head_put_them(joints, supersample):
    size = (480, 480)
    found, n = _pupils(draw_face(joints, size, supersample=supersample))
    for (x, y), (ex, ey) in zip(found, _expected(joints, size)):
        assert abs(x - ex) < 1.5 and abs(y - ey) < 1.5, (joints, (x, y), (ex, ey))
    assert len(found) == 2 and n > 2 * math.pi * 9 ** 2 * 0.8     # two whole pupils (radius 9 px at 480)


def test_gaze_direction_and_roll_sense():
    (l0, r0), _ = _pupils(draw_face({}, (320, 320)))
    (l1, r1), _ = _pupils(draw_face({"eye_yaw": 25.0}, (320, 320)))       # its left = the image right
    assert l1[0] > l0[0] + 3 and r1[0] > r0[0] + 3
    (lu, ru), _ = _pupils(draw_face({"eye_pitch": 20.0}, (320, 320)))     # up = smaller y
    assert lu[1] < l0[1] - 2
    (lr, rr), _ = _pupils(draw_face({"head_roll": 20.0}, (320, 320)))     # right ear down: CCW on screen
    assert rr[1] < lr[1] - 10


@pytest.mark.parametrize("roll", [0.0, 20.0])
def test_lids_cover_the_pupils_as_they_close(roll):
    counts = [_pupils(draw_face({"head_roll": roll, "eyelid": lid}, (320, 320)))[1] for lid in (0.0, 0.5, 1.0)]
    assert counts[0] > 200 and 0.1 * counts[0] < counts[1] < 0.9 * counts[0] and counts[2] == 0


def test_no_redraw_below_a_pixel():
    r = FaceRenderer((480, 480))
    assert r.draw({"head_yaw": 10.0}) is not None
    assert r.draw({"head_yaw": 10.0}) is None                      # the same pose
    assert r.draw({"head_yaw": 10.1, "eye_yaw": 0.05}) is None      # < 1 px anywhere
    assert r.draw({"head_yaw": 11.5}) is not None                   # the face moved ~2 px
    assert r.draw({"head_yaw": 11.5, "eyelid": 0.2}) is not None    # the lid came down
    assert r.draw({"head_yaw": 11.5, "eyelid": 0.2, "head_roll": 1.0}) is not None   # ~4 px at the edge
    assert (r.drawn, r.skipped) == (4, 2)


def test_display_skips_unchanged_frames_and_shows_the_drawn_one(monkeypatch):
    pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    from sgt_lite.heads.display import DisplayEyes

    with DisplayEyes(size=(320, 320)) as head:
        for _ in range(5):
            head.write({"eye_yaw": 12.0})
        assert head.redraws == 1
        head.write({"eye_yaw": -12.0, "head_roll": 8.0})
        assert head.redraws == 2
        np.testing.assert_array_equal(head.frame(), np.asarray(draw_face(head.pose, (320, 320))))
