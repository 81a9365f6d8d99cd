"""Builds the derived StyleTalk tracks: 3DMM head pose + MediaPipe gaze and blinks.

    python -m sgt_lite.motion.styletalk ../shared/data/styletalk -o data/tracks

(The shipped tracks are built by :mod:`.build_corpus`, which also measures
the lag and smooths the head; this script makes the bare merged tracks.)

The videos carry ``len(video) - len(mat)`` extra leading frames (2 for most
clips, 0 for Obama_clip3): pose row k matches video frame k + offset, and both
start with the audio.
"""
import argparse
import logging
import pathlib

import numpy as np

from .extract_video import landmarks_from_video, track_from_landmarks
from .load_3dmm import load_3dmm
from .track import GAZE, MotionTrack

log = logging.getLogger(__name__)

CLIPS = ("Obama_clip1", "Obama_clip2", "Obama_clip3", "andrew_clip_1", "andrew_clip_2",
         "feifeili_clip1", "feifeili_clip2_short", "feifeili_clip3")


def speaker_of(clip: str) -> str:
    return clip.split("_")[0]


def merge(pose: MotionTrack, lm, fps: float, clip: str):
    """(merged track, video-only track): 3DMM head from ``pose``, gaze and blinks from landmarks ``lm``
    (already aligned to the pose rows)."""
    video = track_from_landmarks(lm, fps, speaker=speaker_of(clip), source=f"mediapipe:{clip}.mp4",
                                 audio_path=pose.audio_path)
    motion = pose.motion.copy()
    valid = pose.valid.copy()
    motion[:, GAZE] = video.motion[:, GAZE]
    motion[:, 5] = video.motion[:, 5]
    valid[:, 3:] = video.valid[:, 3:]
    merged = MotionTrack(fps=pose.fps, motion=motion, valid=valid, speaker=speaker_of(clip),
                         source=f"styletalk:{clip} (head: 3dmm; gaze, blink: mediapipe)",
                         audio_path=f"wav/{clip}.wav", gaze_confidence=video.gaze_confidence)
    return merged, video


def build_track(root, clip: str, progress: bool = True):
    """Returns (merged track, video-only track aligned to the pose rows)."""
    root = pathlib.Path(root)
    pose = load_3dmm(root / "pose" / f"{clip}.mat", audio_path=root / "wav" / f"{clip}.wav",
                     speaker=speaker_of(clip))
    lm, fps = landmarks_from_video(root / "video" / f"{clip}.mp4", progress=progress)
    offset = lm.shape[0] - len(pose)
    if offset < 0:
        raise ValueError(f"{clip}: video has fewer frames ({lm.shape[0]}) than the pose ({len(pose)})")
    return merge(pose, lm[offset:offset + len(pose)], fps, clip)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root", help="the styletalk folder (with pose/, video/, wav/)")
    ap.add_argument("-o", "--out", required=True)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for clip in CLIPS:
        merged, video = build_track(args.root, clip)
        merged.save(out / f"{clip}.npz")
        r = [np.corrcoef(merged.motion[:, i], video.motion[:, i])[0, 1] for i in range(3)]
        blinks = int(np.sum(np.diff((merged.blink > 0.5).astype(int)) == 1))
        log.info("%s: %d frames, mediapipe-vs-3dmm r yaw %.3f pitch %.3f roll %.3f, %d blinks (%.0f/min)",
                 clip, len(merged), r[0], r[1], r[2], blinks, blinks / merged.duration * 60)


if __name__ == "__main__":
    main()
