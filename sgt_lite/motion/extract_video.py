"""Head pose, eye-in-head gaze and blinks from a talking-face video, with MediaPipe.

Needs the ``[extract]`` extra (mediapipe 0.10.21, the newest wheel that ships
its face models, which pins numpy < 2). Runs offline.

Per frame:
- head pose: FaceMesh's 468 landmarks fitted (rotation + scale, SVD) to
  MediaPipe's canonical face, then converted to the body-frame convention;
- gaze: iris centre relative to the midpoint of the eye corners, in units of
  eye width, along the eye's own axes; ``asin(2.5 * offset)`` in degrees
  (the eye is ~2.5 eyeball radii wide), centred on the clip's median, which
  assumes the speaker mostly looks at the camera;
- blink: eye aspect ratio (EAR) mapped to closure, 0 at the clip's open EAR,
  1 at 0.05; gaze is marked invalid while the eye is more than half closed.

Gaze confidence: one pixel of iris offset is ``asin(2.5 / eye width)`` of
gaze, about 6 degrees for a 24 px eye, 8 for an 18 px eye (224-pixel VoxCeleb
crops). Gaze is marked invalid in frames whose eye (corner to corner, mean of
both eyes) spans fewer than :data:`MIN_EYE_PX` pixels, and the clip's
``gaze_confidence`` is :func:`gaze_confidence` of its median eye width: 0 at
16 px, rising linearly to 1 at 32 px.
"""
import logging
import os
import pathlib
import sys

import numpy as np

from ..errors import BackendUnavailableError, DataFormatError, ModelFileError
from ..native_logs import native_stderr_to_log
from .rotations import body_from_image_rotation, euler_from_matrix, similarity_fit
from .track import CHANNELS, MotionTrack

log = logging.getLogger(__name__)

CANONICAL_ENV = "SGT_LITE_CANONICAL_FACE"
EYE_CORNERS = ((33, 133), (263, 362))          # (outer, inner) of the subject's right, left eye
IRIS_CENTRES = (468, 473)
EAR_POINTS = ((33, 160, 158, 133, 153, 144), (362, 385, 387, 263, 373, 380))
EAR_CLOSED = 0.05
EYE_WIDTH_IN_RADII = 2.5
MIN_EYE_PX = 20.0
EYE_PX_ZERO, EYE_PX_FULL = 16.0, 32.0


def gaze_confidence(eye_px: float) -> float:
    """0-1 trust in gaze measured on an eye ``eye_px`` pixels wide (corner to corner).

    >>> gaze_confidence(18.0), gaze_confidence(24.0), gaze_confidence(45.0)
    (0.125, 0.5, 1.0)
    """
    if not np.isfinite(eye_px):
        return 0.0
    return float(np.clip((eye_px - EYE_PX_ZERO) / (EYE_PX_FULL - EYE_PX_ZERO), 0.0, 1.0))


def eye_width_px(lm: np.ndarray) -> np.ndarray:
    """(T,) mean corner-to-corner eye width in pixels from (T, 478, 3) landmarks (NaN without a face)."""
    lm = np.asarray(lm, dtype=np.float64)
    return np.mean([np.linalg.norm(lm[:, a, :2] - lm[:, b, :2], axis=1) for a, b in EYE_CORNERS], axis=0)


def canonical_face() -> np.ndarray:
    """(468, 3) canonical FaceMesh vertices in image axes (x right, y down, z away)."""
    candidates = [os.environ.get(CANONICAL_ENV, "")]
    here = pathlib.Path(__file__).resolve()
    candidates.append(str(here.parent / "canonical_face_model_vertices.txt"))
    candidates.append(str(here.parents[2].parent / "shared/data/mediapipe/canonical_face_model_vertices.txt"))
    for path in candidates:
        if path and os.path.isfile(path):
            rows = [line.split()[1:4] for line in open(path) if line.startswith("v ")]
            v = np.array(rows, dtype=np.float64)
            if v.shape != (468, 3):
                raise DataFormatError(f"{path}: expected 468 'v x y z' rows, got {v.shape}")
            return v * np.array([1.0, -1.0, -1.0])
    raise ModelFileError(f"canonical_face_model_vertices.txt not found; set {CANONICAL_ENV}")


def _import_mediapipe():
    try:
        import cv2
        import mediapipe as mp
    except ImportError as exc:
        raise BackendUnavailableError(
            f"video extraction needs the extract extra ({exc}); install it with "
            "\"pip install 'sgt-lite[extract]'\" (mediapipe 0.10.21, numpy<2)") from exc
    return cv2, mp


def head_pose(landmarks: np.ndarray, canonical: np.ndarray) -> np.ndarray:
    """(yaw, pitch, roll) in degrees from (478|468, 3) landmarks in pixels (image axes)."""
    R_img, _, _ = similarity_fit(canonical, landmarks[:468])
    return euler_from_matrix(body_from_image_rotation(R_img))


def eye_features(lm: np.ndarray):
    """Per eye: (dx, dy) iris offsets in eye widths (+x = subject's left, +y = up) and EAR."""
    offsets, ears = [], []
    for (outer, inner), iris, ear_idx in zip(EYE_CORNERS, IRIS_CENTRES, EAR_POINTS):
        a, b = lm[outer, :2], lm[inner, :2]
        axis = b - a if a[0] < b[0] else a - b            # points to the image right
        width = np.linalg.norm(axis)
        ex = axis / width
        ey = np.array([ex[1], -ex[0]])                     # image-up, perpendicular to the eye axis
        d = (lm[iris, :2] - (a + b) / 2) / width
        offsets.append((d @ ex, d @ ey))
        p = lm[list(ear_idx), :2]
        ear = (np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])) / (2 * np.linalg.norm(p[0] - p[3]))
        ears.append(ear)
    return np.array(offsets), np.array(ears)


def _progress(i, n, every):
    if n and (i % every == 0 or i == n):
        done = int(30 * i / n)
        sys.stderr.write(f"\r  [{'#' * done}{'.' * (30 - done)}] {i}/{n} frames")
        sys.stderr.flush()
        if i == n:
            sys.stderr.write("\n")


def landmarks_from_video(path, progress: bool = True):
    """(T, 478, 3) landmarks in pixels (NaN where no face) and the video's fps."""
    cv2, mp = _import_mediapipe()
    if not os.path.isfile(path):
        raise ModelFileError(f"video not found: {path}")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise DataFormatError(f"cannot open video {path}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    frames = []
    with native_stderr_to_log(log), mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True,
                                         min_detection_confidence=0.5, min_tracking_confidence=0.5) as mesh:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            h, w = bgr.shape[:2]
            res = mesh.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            if res.multi_face_landmarks:
                pts = res.multi_face_landmarks[0].landmark
                frames.append(np.array([(p.x * w, p.y * h, p.z * w) for p in pts]))
            else:
                frames.append(np.full((478, 3), np.nan))
            if progress:
                _progress(len(frames), max(total, len(frames)), 25)
    cap.release()
    if progress and total != len(frames):
        _progress(len(frames), len(frames), 1)
    if not frames:
        raise DataFormatError(f"{path}: no frames could be decoded")
    return np.stack(frames), float(fps)


def track_from_landmarks(lm: np.ndarray, fps: float, min_eye_px: float = MIN_EYE_PX, **meta) -> MotionTrack:
    """A track from (T, 478, 3) pixel landmarks (NaN rows: no face); see the module notes."""
    canonical = canonical_face()
    n = lm.shape[0]
    motion = np.zeros((n, len(CHANNELS)), np.float64)
    valid = np.zeros((n, len(CHANNELS)), bool)
    offsets = np.full((n, 2), np.nan)
    ears = np.full(n, np.nan)
    for i in range(n):
        if np.isnan(lm[i]).any():
            continue
        motion[i, 0:3] = head_pose(lm[i], canonical)
        off, ear = eye_features(lm[i])
        offsets[i] = off.mean(0)
        ears[i] = ear.mean()
        valid[i, 0:3] = True
    face = ~np.isnan(ears)
    if face.sum() < 2:
        raise DataFormatError("no face found in the video")
    ear_open = np.percentile(ears[face], 75)
    closure = np.clip((ear_open - ears) / max(ear_open - EAR_CLOSED, 1e-3), 0.0, 1.0)
    motion[face, 5] = closure[face]
    valid[face, 5] = True
    eye_px = eye_width_px(lm)
    eyes_open = face & (closure < 0.5)
    centre = np.median(offsets[eyes_open], axis=0) if eyes_open.any() else np.zeros(2)
    eyes_open &= eye_px >= min_eye_px
    ang = np.degrees(np.arcsin(np.clip(EYE_WIDTH_IN_RADII * (offsets - centre), -1.0, 1.0)))
    motion[eyes_open, 3:5] = ang[eyes_open]
    valid[eyes_open, 3:5] = True
    # hold gaze through blinks and face drop-outs so the signal stays continuous
    for ch in (3, 4):
        ok = valid[:, ch]
        if ok.any() and not ok.all():
            motion[~ok, ch] = np.interp(np.flatnonzero(~ok), np.flatnonzero(ok), motion[ok, ch])
    meta.setdefault("gaze_confidence", gaze_confidence(float(np.nanmedian(eye_px[face]))))
    return MotionTrack(fps=fps, motion=motion, valid=valid, **meta)


def extract_video(path, audio_path=None, speaker: str = "", progress: bool = True) -> MotionTrack:
    """Runs FaceMesh over every frame of ``path`` and returns a :class:`MotionTrack`.

    >>> extract_video("talk.mp4", audio_path="talk.wav").save("talk.npz")  # doctest: +SKIP
    """
    lm, fps = landmarks_from_video(path, progress=progress)
    return track_from_landmarks(lm, fps, speaker=speaker, source=f"mediapipe:{os.path.basename(str(path))}",
                                audio_path=str(audio_path) if audio_path else None)
