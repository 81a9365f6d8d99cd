"""A video's sound track and stream facts, through the ffmpeg/ffprobe programs.

Only the corpus tracks of ``../shared/data/talking`` need this: their audio is
decoded from the shared videos on demand instead of being copied into the
repository. Install the programs with ``apt-get install ffmpeg`` (Debian/
Ubuntu) or ``brew install ffmpeg``.
"""
import json
import logging
import os
import shutil
import subprocess

import numpy as np

from ..errors import BackendUnavailableError, BadAudioError, ModelFileError

log = logging.getLogger(__name__)


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise BackendUnavailableError(
            f"{name} not found on PATH: it decodes the sound of the shared talking videos; install it with "
            "'apt-get install ffmpeg' (or 'brew install ffmpeg')")
    return exe


def have_ffmpeg() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def decode_audio(path, rate: int = 16000) -> np.ndarray:
    """The first audio stream of a media file as mono float32 at ``rate``.

    Sample 0 is the first decoded sample of the stream (its container start
    time is reported by :func:`stream_info`, not applied here).

    >>> decode_audio("talk.mp4", 16000)  # doctest: +SKIP
    array([ 0.0012, ...], dtype=float32)
    """
    if not os.path.isfile(path):
        raise ModelFileError(f"media file not found: {path}")
    cmd = [_tool("ffmpeg"), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0", "-vn",
           "-ac", "1", "-ar", str(int(rate)), "-f", "s16le", "-acodec", "pcm_s16le", "-"]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise BadAudioError(f"ffmpeg could not decode the sound of {path}: "
                            f"{res.stderr.decode(errors='replace').strip()[-300:]}")
    x = np.frombuffer(res.stdout, dtype="<i2").astype(np.float32) / 32768.0
    if x.size == 0:
        raise BadAudioError(f"{path} has no audio samples")
    return x


def stream_info(path) -> dict:
    """{width, height, fps, duration, video_start, audio_start, audio_rate} of a video file (ffprobe)."""
    if not os.path.isfile(path):
        raise ModelFileError(f"media file not found: {path}")
    cmd = [_tool("ffprobe"), "-v", "error", "-show_streams", "-of", "json", str(path)]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise BadAudioError(f"ffprobe cannot read {path}: {res.stderr.decode(errors='replace').strip()[-300:]}")
    streams = json.loads(res.stdout.decode())["streams"]
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    out = {}
    if video is not None:
        num, den = (int(v) for v in video.get("avg_frame_rate", "0/1").split("/"))
        out.update(width=int(video["width"]), height=int(video["height"]), fps=num / den if den else 0.0,
                   duration=float(video.get("duration", 0.0)), video_start=float(video.get("start_time", 0.0)))
    if audio is not None:
        out.update(audio_start=float(audio.get("start_time", 0.0)), audio_rate=int(audio["sample_rate"]))
    return out


def frame_times(path) -> np.ndarray:
    """Presentation times (s) of the video frames, sorted (ffprobe packet timestamps, no decoding)."""
    cmd = [_tool("ffprobe"), "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
           "-of", "csv=p=0", str(path)]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise BadAudioError(f"ffprobe cannot read {path}: {res.stderr.decode(errors='replace').strip()[-300:]}")
    vals = [v.strip().rstrip(",") for v in res.stdout.decode().split()]
    return np.sort(np.array([float(v) for v in vals if v and v != "N/A"]))
