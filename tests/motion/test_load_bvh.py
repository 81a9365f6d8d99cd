"""BVH: a file written from real head motion (Obama_clip1's 3DMM track), with the
motion split between neck and head, a moving torso, mixed channel orders and a
lying Frame Time. scipy's Rotation is the independent oracle for the Euler maths."""
import logging

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sgt_lite.errors import DataFormatError
from sgt_lite.motion import load_bvh
from sgt_lite.motion.rotations import matrix_from_euler

# skeleton axes: +z forward, +y up, so +x is the character's left; columns = body x, y, z
M = np.stack([[0, 0, 1], [1, 0, 0], [0, 1, 0]], axis=1).astype(float)


def _write_bvh(path, angles, frame_time):
    n = len(angles)
    rng = np.random.default_rng(0)
    rows = []
    for yaw, pitch, roll in angles:
        R = M @ matrix_from_euler(yaw, pitch, roll) @ M.T
        R_neck = M @ matrix_from_euler(0.4 * yaw, 0.4 * pitch, 0.4 * roll) @ M.T
        R_head = R_neck.T @ R
        spine = rng.normal(0, 5, 3)
        neck_zxy = Rotation.from_matrix(R_neck).as_euler("ZXY", degrees=True)
        head_xyz = Rotation.from_matrix(R_head).as_euler("XYZ", degrees=True)
        rows.append([0, 90, 0, *spine, *neck_zxy, *head_xyz])
    text = f"""HIERARCHY
ROOT Hips
{{
  OFFSET 0 90 0
  CHANNELS 6 Xposition Yposition Zposition Yrotation Xrotation Zrotation
  JOINT Neck
  {{
    OFFSET 0 50 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT Head
    {{
      OFFSET 0 10 0
      CHANNELS 3 Xrotation Yrotation Zrotation
      End Site
      {{
        OFFSET 0 15 0
      }}
    }}
  }}
  JOINT LeftUpLeg
  {{
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {{
      OFFSET 0 -40 0
    }}
  }}
}}
MOTION
Frames: {n}
Frame Time: {frame_time:.6f}
"""
    # the leg joint's channels are appended as zeros
    text += "\n".join(" ".join(f"{v:.6f}" for v in row + [0, 0, 0]) for row in rows) + "\n"
    path.write_text(text)


def test_head_relative_to_torso_from_real_motion(tmp_path, obama_track):
    p = tmp_path / "obama.bvh"
    _write_bvh(p, obama_track.motion[:, :3], 1 / 30)
    tr = load_bvh(p)
    assert tr.fps == pytest.approx(30.0, rel=1e-4)
    np.testing.assert_allclose(tr.motion[:, :3], obama_track.motion[:, :3], atol=1e-3)
    assert "Neck+Head" in tr.source


def test_lying_frame_time_is_corrected_from_the_audio(tmp_path, obama_track, styletalk, caplog):
    p = tmp_path / "lie.bvh"
    _write_bvh(p, obama_track.motion[:, :3], 0.04)       # header claims 25 fps
    with caplog.at_level(logging.WARNING):
        tr = load_bvh(p, audio_path=styletalk / "wav" / "Obama_clip1.wav")
    assert tr.fps == pytest.approx(30.0, rel=0.01)
    assert "using" in caplog.text and "from the audio" in caplog.text


def test_malformed_files(tmp_path):
    p = tmp_path / "x.bvh"
    p.write_text("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xrotation Yrotation Zrotation\n}\n"
                 "MOTION\nFrames: 2\nFrame Time: 0.033\n1 2 3\n4 5\n")
    with pytest.raises(DataFormatError, match="do not fill rows"):
        load_bvh(p)
    p.write_text("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xrotation Yrotation Zrotation\n}\n"
                 "MOTION\nFrames: 1\nFrame Time: 0.033\n1 2 3\n")
    with pytest.raises(DataFormatError, match="no head joint"):
        load_bvh(p)
    p.write_text("not a bvh")
    with pytest.raises(DataFormatError, match="HIERARCHY"):
        load_bvh(p)
