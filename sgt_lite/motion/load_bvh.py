"""BVH loader: head orientation relative to the torso, from the neck and head joints."""
import logging
import os
import re
import wave

import numpy as np

from ..errors import DataFormatError, ModelFileError
from .rotations import AXIS_ROTATIONS, euler_from_matrix
from .track import CHANNELS, MotionTrack

log = logging.getLogger(__name__)

_AXES = {"+x": (1, 0, 0), "-x": (-1, 0, 0), "+y": (0, 1, 0), "-y": (0, -1, 0), "+z": (0, 0, 1), "-z": (0, 0, -1)}


class BvhJoint:
    def __init__(self, name, parent):
        self.name, self.parent = name, parent
        self.channels, self.first_column = [], 0


def parse_bvh(text: str, source: str = "BVH"):
    """Returns (joints, frame_time, frames array (N, n_channels))."""
    tokens = re.findall(r"[{}]|[^\s{}]+", text)
    joints, stack, i, columns = [], [], 0, 0
    try:
        if tokens[0].upper() != "HIERARCHY":
            raise DataFormatError(f"{source}: does not start with HIERARCHY")
        i = 1
        while tokens[i].upper() != "MOTION":
            tok = tokens[i].upper()
            if tok in ("ROOT", "JOINT"):
                joints.append(BvhJoint(tokens[i + 1], stack[-1] if stack else None))
                i += 2
            elif tok == "END":
                joints.append(BvhJoint("End Site", stack[-1] if stack else None))
                joints[-1].end = True
                i += 2
            elif tok == "{":
                stack.append(len(joints) - 1)
                i += 1
            elif tok == "}":
                stack.pop()
                i += 1
            elif tok == "OFFSET":
                i += 4
            elif tok == "CHANNELS":
                n = int(tokens[i + 1])
                joints[-1].channels = [c.lower() for c in tokens[i + 2:i + 2 + n]]
                joints[-1].first_column = columns
                columns += n
                i += 2 + n
            else:
                raise DataFormatError(f"{source}: unexpected token {tokens[i]!r} in the hierarchy")
        if tokens[i + 1].rstrip(":").upper() != "FRAMES" or tokens[i + 3].upper() != "FRAME":
            raise DataFormatError(f"{source}: MOTION must be followed by 'Frames:' and 'Frame Time:'")
        n_frames, frame_time = int(tokens[i + 2]), float(tokens[i + 5])
        values = np.array(tokens[i + 6:], dtype=np.float64)
    except (IndexError, ValueError) as exc:
        raise DataFormatError(f"{source}: malformed BVH ({exc})") from exc
    if columns == 0 or values.size % columns:
        raise DataFormatError(f"{source}: {values.size} motion values do not fill rows of {columns} channels")
    frames = values.reshape(-1, columns)
    if frames.shape[0] != n_frames:
        log.warning("%s: header says %d frames, file holds %d; using %d", source, n_frames, frames.shape[0],
                    frames.shape[0])
    if not frame_time > 0:
        raise DataFormatError(f"{source}: Frame Time must be > 0, got {frame_time}")
    return joints, frame_time, frames


def _local_rotations(joint: BvhJoint, frames: np.ndarray) -> np.ndarray:
    R = np.tile(np.eye(3), (frames.shape[0], 1, 1))
    for k, ch in enumerate(joint.channels):
        if ch.endswith("rotation"):
            axis = ch[0]
            angles = np.radians(frames[:, joint.first_column + k])
            R = R @ np.stack([AXIS_ROTATIONS[axis](a) for a in angles])
    return R


def _find_head(joints, name):
    names = [j.name for j in joints]
    if name:
        if name not in names:
            raise DataFormatError(f"no joint named {name!r}; joints: {names}")
        return names.index(name)
    for i, j in enumerate(joints):
        if j.name.lower() == "head":
            return i
    for i, j in enumerate(joints):
        low = j.name.lower()
        if "head" in low and not any(s in low for s in ("end", "top", "site", "nub")):
            return i
    raise DataFormatError(f"no head joint found; joints: {names}; pass head='NAME'")


def load_bvh(path, audio_path=None, head: str = None, forward: str = "+z", up: str = "+y",
             speaker: str = "") -> MotionTrack:
    """Head yaw/pitch/roll relative to the torso (the joint above the neck chain).

    The chain is the head joint plus every ancestor whose name contains "neck";
    their local rotations, in each joint's own channel order, are composed.
    ``forward`` and ``up`` name the skeleton's axes (BVH files mostly face +z
    with +y up). If ``audio_path`` is given and the header's frame time
    disagrees with the audio length by more than 2 %, the audio wins.

    >>> load_bvh("take.bvh", audio_path="take.wav").head_yaw  # doctest: +SKIP
    """
    if not os.path.isfile(path):
        raise ModelFileError(f"BVH file not found: {path}")
    with open(path, encoding="utf-8", errors="replace") as f:
        joints, frame_time, frames = parse_bvh(f.read(), source=str(path))
    h = _find_head(joints, head)
    chain = [h]
    parent = joints[h].parent
    while parent is not None and "neck" in joints[parent].name.lower():
        chain.insert(0, parent)
        parent = joints[parent].parent
    R = np.tile(np.eye(3), (frames.shape[0], 1, 1))
    for j in chain:
        R = R @ _local_rotations(joints[j], frames)
    if forward not in _AXES or up not in _AXES:
        raise DataFormatError(f"forward/up must be one of {sorted(_AXES)}")
    fwd, upv = np.array(_AXES[forward], float), np.array(_AXES[up], float)
    if abs(fwd @ upv) > 0:
        raise DataFormatError(f"forward {forward} and up {up} must be perpendicular")
    M = np.stack([fwd, np.cross(upv, fwd), upv], axis=1)   # body axes in skeleton coordinates
    angles = euler_from_matrix(M.T @ R @ M)
    fps = 1.0 / frame_time
    if audio_path:
        with wave.open(str(audio_path)) as w:
            audio_s = w.getnframes() / w.getframerate()
        motion_s = frames.shape[0] * frame_time
        if abs(motion_s - audio_s) > 0.02 * audio_s:
            fps = frames.shape[0] / audio_s
            log.warning("%s: Frame Time %.5f s gives %.2f s of motion but the audio lasts %.2f s; "
                        "using %.3f fps from the audio", path, frame_time, motion_s, audio_s, fps)
    motion = np.zeros((frames.shape[0], len(CHANNELS)))
    motion[:, :3] = angles
    valid = np.zeros(motion.shape, bool)
    valid[:, :3] = True
    chain_names = "+".join(joints[j].name for j in chain)
    return MotionTrack(fps=fps, motion=motion, valid=valid, speaker=speaker,
                       source=f"bvh:{os.path.basename(str(path))} ({chain_names})",
                       audio_path=str(audio_path) if audio_path else None)
