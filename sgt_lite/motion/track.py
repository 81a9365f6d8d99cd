"""MotionTrack: head, gaze and blink over time, in one sign convention.

Sign convention (the only one in sgt-lite; every loader converts to it):

- head_yaw   + : the head turns to its own left
- head_pitch + : the head tilts up (chin up)
- head_roll  + : the head tilts toward its own right shoulder (right ear down)
- gaze_yaw   + : the eyes, relative to the head, look to its own left
- gaze_pitch + : the eyes, relative to the head, look up
- blink        : 0 = open, 1 = closed

All angles are degrees. In a right-handed body frame (x forward, y left, z up)
yaw and roll are positive rotations about z and x; pitch is about -y.
"""
import csv
import dataclasses
import json
import logging
from typing import Optional

import numpy as np

from ..errors import DataFormatError, ModelFileError

log = logging.getLogger(__name__)

CHANNELS = ("head_yaw", "head_pitch", "head_roll", "gaze_yaw", "gaze_pitch", "blink")
HEAD = slice(0, 3)
GAZE = slice(3, 5)
BLINK = 5


@dataclasses.dataclass
class MotionTrack:
    """Per-frame head pose, eye-in-head gaze and blink, with its audio.

    ``motion`` is (T, 6) float32 in :data:`CHANNELS` order; ``valid`` is a
    (T, 6) bool mask, False where a channel was not measured (gaze during a
    blink, a frame without a face). A (T,) mask applies to every channel.

    Tracks extracted from video also carry ``lag`` (the measured audio-video
    lag in seconds, + when the sound comes after the lips), ``audio_offset``
    (seconds of the audio file before frame 0: :meth:`load_audio` skips them,
    which is how the lag is corrected), ``gaze_confidence`` (0-1 for the clip;
    low where the iris spans few pixels) and ``meta`` (a JSON-able dict of
    extraction figures).

    >>> t = MotionTrack.from_channels(30.0, head_yaw=np.linspace(0, 10, 31))
    >>> t.duration, float(t.head_yaw[-1]), t.motion.shape
    (1.0333333333333334, 10.0, (31, 6))
    """

    fps: float
    motion: np.ndarray
    valid: np.ndarray
    speaker: str = ""
    source: str = ""
    audio_path: Optional[str] = None
    audio: Optional[np.ndarray] = None
    audio_rate: Optional[int] = None
    lag: Optional[float] = None
    audio_offset: float = 0.0
    gaze_confidence: Optional[float] = None
    meta: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.motion = np.asarray(self.motion, dtype=np.float32)
        if self.motion.ndim != 2 or self.motion.shape[1] != len(CHANNELS):
            raise DataFormatError(f"motion must be (T, {len(CHANNELS)}) in order {CHANNELS}, "
                                  f"got shape {self.motion.shape}")
        valid = np.asarray(self.valid, dtype=bool)
        if valid.ndim == 1:
            valid = np.repeat(valid[:, None], len(CHANNELS), axis=1)
        if valid.shape != self.motion.shape:
            raise DataFormatError(f"valid has shape {valid.shape}, motion has {self.motion.shape}")
        self.valid = valid
        if not np.isfinite(self.motion[self.valid]).all():
            raise DataFormatError("motion has NaN/Inf in frames marked valid")
        if not self.fps > 0:
            raise DataFormatError(f"fps must be > 0, got {self.fps}")
        if not np.isfinite(self.audio_offset):
            raise DataFormatError(f"audio_offset must be a finite number of seconds, got {self.audio_offset}")
        if self.audio is not None:
            self.audio = np.asarray(self.audio, dtype=np.float32)
            if self.audio_rate is None:
                raise DataFormatError("audio given without audio_rate")

    # construction ---------------------------------------------------------
    @classmethod
    def from_channels(cls, fps, valid=None, **kwargs) -> "MotionTrack":
        meta = {k: kwargs.pop(k) for k in ("speaker", "source", "audio_path", "audio", "audio_rate", "lag",
                                           "audio_offset", "gaze_confidence", "meta") if k in kwargs}
        unknown = set(kwargs) - set(CHANNELS)
        if unknown:
            raise DataFormatError(f"unknown channels {sorted(unknown)}; known: {CHANNELS}")
        lengths = {len(np.asarray(v)) for v in kwargs.values()}
        if len(lengths) != 1:
            raise DataFormatError(f"channels differ in length: { {k: len(v) for k, v in kwargs.items()} }")
        n = lengths.pop()
        motion = np.zeros((n, len(CHANNELS)), np.float32)
        for i, name in enumerate(CHANNELS):
            if name in kwargs:
                motion[:, i] = kwargs[name]
        return cls(fps=float(fps), motion=motion, valid=np.ones(n, bool) if valid is None else valid, **meta)

    # views ------------------------------------------------------------------
    def __len__(self):
        return self.motion.shape[0]

    @property
    def duration(self) -> float:
        return len(self) / self.fps

    @property
    def times(self) -> np.ndarray:
        return np.arange(len(self)) / self.fps

    def channel(self, name: str) -> np.ndarray:
        return self.motion[:, CHANNELS.index(name)]

    head_yaw = property(lambda self: self.channel("head_yaw"))
    head_pitch = property(lambda self: self.channel("head_pitch"))
    head_roll = property(lambda self: self.channel("head_roll"))
    gaze_yaw = property(lambda self: self.channel("gaze_yaw"))
    gaze_pitch = property(lambda self: self.channel("gaze_pitch"))
    blink = property(lambda self: self.channel("blink"))

    def load_audio(self, rate: int = 16000) -> np.ndarray:
        """The paired audio as mono float32 at ``rate``, aligned so that sample 0 is frame 0.

        In-memory audio is taken as already aligned. A file is read from
        ``audio_path`` (a WAV, or a video's sound track through ffmpeg) and
        ``audio_offset`` seconds are skipped (zeros are prepended if negative).
        """
        from ..audio import read_wav, resample

        if self.audio is not None:
            return resample(self.audio, self.audio_rate, rate)
        if not self.audio_path:
            raise DataFormatError(f"track {self.source or '?'} has no paired audio")
        if str(self.audio_path).lower().endswith(".wav"):
            x = read_wav(self.audio_path, sample_rate=rate)[0]
        else:
            from .media import decode_audio

            x = decode_audio(self.audio_path, rate)
        skip = int(round(self.audio_offset * rate))
        if skip > 0:
            return x[skip:]
        if skip < 0:
            return np.concatenate([np.zeros(-skip, np.float32), x])
        return x

    # transforms ---------------------------------------------------------------
    def resampled(self, fps: float) -> "MotionTrack":
        """Linear interpolation to another frame rate; a frame is valid if both neighbours are."""
        if fps == self.fps:
            return dataclasses.replace(self)
        n = int(np.floor(self.duration * fps + 1e-6))
        t_new = np.arange(n) / fps
        t_old = self.times
        motion = np.stack([np.interp(t_new, t_old, self.motion[:, i]) for i in range(len(CHANNELS))], 1)
        pos = np.clip(t_new * self.fps, 0, len(self) - 1)
        lo, hi = np.floor(pos).astype(int), np.ceil(pos).astype(int)
        valid = self.valid[lo] & self.valid[hi]
        return dataclasses.replace(self, fps=float(fps), motion=motion, valid=valid)

    def cropped(self, start_s: float, end_s: float) -> "MotionTrack":
        """Frames in [start_s, end_s); paired in-memory audio is cropped too."""
        a, b = int(round(start_s * self.fps)), int(round(end_s * self.fps))
        out = dataclasses.replace(self, motion=self.motion[a:b], valid=self.valid[a:b])
        if self.audio is not None:
            out.audio = self.audio[int(start_s * self.audio_rate): int(end_s * self.audio_rate)]
        elif self.audio_path:
            out.audio = self.load_audio(16000)[int(start_s * 16000): int(end_s * 16000)]
            out.audio_rate = 16000
        return out

    # I/O ----------------------------------------------------------------------
    def save(self, path, **arrays):
        """Saves as ``.npz`` (motion, valid, fps, metadata and in-memory audio).

        Extra named ``arrays`` (e.g. ``motion_raw``, ``mouth``) are stored
        alongside; :meth:`load` ignores all but ``motion_raw``.
        """
        extra = dict(arrays)
        if self.audio is not None:
            extra.update(audio=self.audio, audio_rate=np.int32(self.audio_rate))
        if self.lag is not None:
            extra["lag"] = np.float64(self.lag)
        if self.gaze_confidence is not None:
            extra["gaze_confidence"] = np.float64(self.gaze_confidence)
        if self.meta:
            extra["meta"] = np.array(json.dumps(self.meta, sort_keys=True))
        np.savez_compressed(
            path, motion=self.motion, valid=self.valid, fps=np.float64(self.fps),
            channels=np.array(CHANNELS), speaker=np.array(self.speaker), source=np.array(self.source),
            audio_path=np.array(self.audio_path or ""), audio_offset=np.float64(self.audio_offset), **extra)

    @classmethod
    def load(cls, path, raw: bool = False) -> "MotionTrack":
        """Reads a track saved by :meth:`save`; ``raw=True`` gives ``motion_raw`` (before smoothing) if stored."""
        try:
            with np.load(path, allow_pickle=False) as z:
                if tuple(z["channels"].tolist()) != CHANNELS:
                    raise DataFormatError(f"{path}: channels {z['channels'].tolist()} != {CHANNELS}")
                f = z.files
                return cls(
                    fps=float(z["fps"]), motion=z["motion_raw"] if raw and "motion_raw" in f else z["motion"],
                    valid=z["valid"], speaker=str(z["speaker"]), source=str(z["source"]),
                    audio_path=str(z["audio_path"]) or None,
                    audio=z["audio"] if "audio" in f else None,
                    audio_rate=int(z["audio_rate"]) if "audio_rate" in f else None,
                    lag=float(z["lag"]) if "lag" in f else None,
                    audio_offset=float(z["audio_offset"]) if "audio_offset" in f else 0.0,
                    gaze_confidence=float(z["gaze_confidence"]) if "gaze_confidence" in f else None,
                    meta=json.loads(str(z["meta"])) if "meta" in f else {})
        except FileNotFoundError as exc:
            raise ModelFileError(f"track file not found: {path}") from exc
        except (KeyError, ValueError, OSError) as exc:
            raise DataFormatError(f"{path} is not a MotionTrack .npz ({exc})") from exc

    def to_csv(self, path):
        """Writes ``t`` (seconds), the six channels and a 0/1 ``valid_<channel>`` column each."""
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(("t",) + CHANNELS + tuple(f"valid_{c}" for c in CHANNELS))
            for t, row, v in zip(self.times, self.motion, self.valid):
                w.writerow([f"{t:.6f}"] + [f"{x:.4f}" for x in row] + [int(b) for b in v])
