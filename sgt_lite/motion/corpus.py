"""From landmarks and sound to a corpus track: lag, gaze confidence, smoothing, figures.

:func:`finish_track` is shared by ``sgt-lite extract`` and
``python -m sgt_lite.motion.build_corpus``. It

- measures the audio-video lag (:mod:`.sync`) and, when the estimate is
  reliable (z >= 4, not at the edge of the +-0.5 s search), corrects it by
  setting ``audio_offset`` (the container's own start-time offset is always
  applied); an unreliable estimate is stored but not applied;
- low-passes the head channels with a zero-phase Butterworth (3 Hz, -6 dB;
  :mod:`.smoothing`) and keeps the raw motion in the file (``motion_raw``);
- records the face-found rate, eye width, gaze confidence and the head-pitch
  direction-reversal rate before and after smoothing (at 25 fps) in ``meta``.
"""
import logging

import numpy as np

from ..errors import DataFormatError
from .extract_video import eye_width_px, gaze_confidence
from .smoothing import HEAD_CUTOFF_HZ, reversal_rate, smooth_head
from .sync import estimate_lag, loudness, mouth_opening
from .track import MotionTrack

log = logging.getLogger(__name__)

REPORT_FPS = 25.0


def uniform_landmarks(lm: np.ndarray, times: np.ndarray, fps: float):
    """Landmarks at irregular ``times`` (a variable-frame-rate video) linearly resampled to ``fps``.

    Returns (landmarks, start time); a frame without a face stays NaN where either neighbour is NaN.
    """
    lm = np.asarray(lm, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    if times.size != lm.shape[0] or times.size < 2:
        raise DataFormatError(f"{times.size} frame times for {lm.shape[0]} frames")
    t = times[0] + np.arange(int(np.floor((times[-1] - times[0]) * fps + 1e-6)) + 1) / fps
    pos = np.interp(t, times, np.arange(times.size))
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, times.size - 1)
    w = (pos - lo)[:, None, None]
    return (1 - w) * lm[lo] + w * lm[hi], float(times[0])


def is_variable_rate(times: np.ndarray, fps: float) -> bool:
    """True when frame intervals stray from 1/fps by more than a quarter frame."""
    d = np.diff(np.asarray(times, dtype=np.float64))
    return bool(d.size and np.max(np.abs(d - 1.0 / fps)) > 0.25 / fps)


def pitch_reversals(motion: np.ndarray, valid: np.ndarray, fps: float) -> float:
    """Head-pitch direction reversals per second, after resampling to 25 fps (the eval's rate)."""
    t = MotionTrack(fps=fps, motion=motion, valid=valid).resampled(REPORT_FPS)
    return reversal_rate(t.head_pitch, REPORT_FPS, t.valid[:, 1])


def finish_track(track: MotionTrack, lm: np.ndarray, audio=None, rate: int = 16000,
                 container_offset: float = 0.0, cutoff: float = HEAD_CUTOFF_HZ):
    """Lag, smoothing and figures for ``track`` (frame k = landmarks ``lm[k]``).

    ``audio`` (mono, ``rate`` Hz) starts ``container_offset`` seconds before
    frame 0 as the container says. Returns (track, extra arrays for
    :meth:`MotionTrack.save`).
    """
    lm = np.asarray(lm, dtype=np.float64)
    if lm.shape[0] != len(track):
        raise DataFormatError(f"{lm.shape[0]} landmark frames for a {len(track)}-frame track")
    mouth = mouth_opening(lm)
    eye_px = eye_width_px(lm)
    face = np.isfinite(mouth)
    meta = dict(track.meta)
    meta.update(face_rate=float(face.mean()), eye_px=float(np.nanmedian(eye_px[face])) if face.any() else 0.0,
                frames=len(track), fps=float(track.fps), seconds=float(track.duration))
    track.gaze_confidence = gaze_confidence(meta["eye_px"])
    track.audio_offset = float(container_offset)
    if audio is not None:
        est = estimate_lag(mouth, loudness(audio, rate, track.fps, len(track), container_offset), track.fps)
        track.lag = est.lag
        if est.reliable:
            track.audio_offset = float(container_offset + est.lag)
        meta.update(lag_r=round(est.r, 3), lag_z=round(est.z, 2), lag_applied=est.reliable,
                    container_offset=float(container_offset))
        log.info("lag %+.3f s (r %.2f, z %.1f, %s)", est.lag, est.r, est.z,
                 "applied" if est.reliable else "not reliable: not applied")
    raw = track.motion.copy()
    track.motion = smooth_head(raw, track.valid, track.fps, cutoff)
    meta.update(head_cutoff_hz=cutoff, pitch_reversals_raw=round(pitch_reversals(raw, track.valid, track.fps), 2),
                pitch_reversals=round(pitch_reversals(track.motion, track.valid, track.fps), 2))
    track.meta = meta
    return track, {"motion_raw": raw, "mouth": mouth.astype(np.float32), "eye_px": eye_px.astype(np.float32)}


def extract(video, audio_path=None, speaker: str = "", progress: bool = True, vfr_fps: float = 25.0):
    """``sgt-lite extract``: landmarks, track, lag and smoothing for one video.

    The sound for the lag is ``audio_path`` (a WAV that starts with the video)
    or else the video's own sound track (through ffmpeg, when installed; the
    track then names the video as its audio). Returns (track, extra arrays).

    >>> track, arrays = extract("talk.mp4")  # doctest: +SKIP
    >>> track.save("talk.npz", **arrays)     # doctest: +SKIP
    """
    import os

    from .extract_video import landmarks_from_video, track_from_landmarks
    from .media import decode_audio, frame_times, have_ffmpeg, stream_info

    lm, fps = landmarks_from_video(video, progress=progress)
    meta = {"clip": os.path.splitext(os.path.basename(str(video)))[0]}
    info = stream_info(video) if have_ffmpeg() else {}
    start = info.get("video_start", 0.0)
    if info:
        meta.update(width=info.get("width"), height=info.get("height"))
        times = frame_times(video)
        if times.size == lm.shape[0] and is_variable_rate(times, info.get("fps") or fps):
            lm, start = uniform_landmarks(lm, times, vfr_fps)
            fps = vfr_fps
            meta["variable_frame_rate"] = True
    audio, offset, stored_path = None, 0.0, None
    if audio_path:
        from ..audio import read_wav

        audio, stored_path = read_wav(audio_path, 16000)[0], str(audio_path)
    elif "audio_start" in info:
        audio, offset, stored_path = decode_audio(video, 16000), start - info["audio_start"], str(video)
    else:
        log.warning("no sound for %s (no --audio, and %s): the lag is not measured", video,
                    "no audio stream" if info else "ffmpeg is not installed")
    track = track_from_landmarks(lm, fps, speaker=speaker, source=f"mediapipe:{os.path.basename(str(video))}",
                                 audio_path=stored_path)
    track.meta = meta
    return finish_track(track, lm, audio, 16000, container_offset=offset)
