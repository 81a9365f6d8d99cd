"""Live Link Face CSV: the app's column layout, written from real motion (Obama_clip1)."""
import numpy as np
import pytest

from sgt_lite.errors import DataFormatError
from sgt_lite.motion import load_arkit_csv, load_track

BLENDSHAPES = (
    "EyeBlinkLeft EyeLookDownLeft EyeLookInLeft EyeLookOutLeft EyeLookUpLeft EyeSquintLeft EyeWideLeft "
    "EyeBlinkRight EyeLookDownRight EyeLookInRight EyeLookOutRight EyeLookUpRight EyeSquintRight EyeWideRight "
    "JawForward JawRight JawLeft JawOpen MouthClose MouthFunnel MouthPucker MouthRight MouthLeft MouthSmileLeft "
    "MouthSmileRight MouthFrownLeft MouthFrownRight MouthDimpleLeft MouthDimpleRight MouthStretchLeft "
    "MouthStretchRight MouthRollLower MouthRollUpper MouthShrugLower MouthShrugUpper MouthPressLeft "
    "MouthPressRight MouthLowerDownLeft MouthLowerDownRight MouthUpperUpLeft MouthUpperUpRight BrowDownLeft "
    "BrowDownRight BrowInnerUp BrowOuterUpLeft BrowOuterUpRight CheekPuff CheekSquintLeft CheekSquintRight "
    "NoseSneerLeft NoseSneerRight TongueOut").split()
ROTATIONS = "HeadYaw HeadPitch HeadRoll LeftEyeYaw LeftEyePitch LeftEyeRoll RightEyeYaw RightEyePitch RightEyeRoll".split()


def _write_llf(path, track, with_eye_angles):
    header = ["Timecode", "BlendShapeCount"] + BLENDSHAPES + ROTATIONS
    lines = [",".join(header)]
    for k, row in enumerate(track.motion):
        s = k / track.fps + 14 * 3600 + 3 * 60 + 52.5
        tc = f"{int(s // 3600):02d}:{int(s // 60 % 60):02d}:{int(s % 60):02d}:{(s % 1) * 30:06.3f}"
        shapes = dict.fromkeys(BLENDSHAPES, 0.0)
        g_left, g_up = row[3] / 30.0, row[4] / 30.0
        shapes["EyeLookOutLeft"] = shapes["EyeLookInRight"] = max(g_left, 0)
        shapes["EyeLookInLeft"] = shapes["EyeLookOutRight"] = max(-g_left, 0)
        shapes["EyeLookUpLeft"] = shapes["EyeLookUpRight"] = max(g_up, 0)
        shapes["EyeLookDownLeft"] = shapes["EyeLookDownRight"] = max(-g_up, 0)
        shapes["EyeBlinkLeft"] = shapes["EyeBlinkRight"] = row[5]
        eyes = np.radians([row[3], row[4], 0, row[3], row[4], 0]) if with_eye_angles else np.zeros(6)
        rot = list(np.radians(row[:3])) + list(eyes)
        lines.append(",".join([tc, "61"] + [f"{shapes[b]:.6f}" for b in BLENDSHAPES] + [f"{v:.6f}" for v in rot]))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("with_eye_angles", [True, False])
def test_live_link_face_layout_from_real_motion(tmp_path, obama_track, with_eye_angles):
    p = tmp_path / "MySlate_1_iPhone.csv"
    _write_llf(p, obama_track, with_eye_angles)
    tr = load_track(p)
    assert tr.source.startswith("arkit:") and tr.fps == 30.0
    n = min(len(tr), len(obama_track))
    assert abs(len(tr) - len(obama_track)) <= 1
    np.testing.assert_allclose(tr.motion[:n, :5], obama_track.motion[:n, :5], atol=2e-3)
    np.testing.assert_allclose(tr.blink[:n], obama_track.blink[:n], atol=1e-5)


def test_flip_and_bad_timecode(tmp_path, obama_track):
    p = tmp_path / "a.csv"
    _write_llf(p, obama_track, True)
    tr = load_arkit_csv(p, flip=("head_yaw",))
    np.testing.assert_allclose(tr.head_yaw[:100], -obama_track.head_yaw[:100], atol=2e-3)
    p.write_text("Timecode,HeadYaw\nnoon,0.1\n")
    with pytest.raises(DataFormatError, match="bad timecode"):
        load_arkit_csv(p)
