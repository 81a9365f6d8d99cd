"""``sgt-lite render``: speech in, an animated face (GIF or MP4 with the speech) out."""
import logging
import os
import shutil
import subprocess

import numpy as np

from .errors import ConfigError

log = logging.getLogger(__name__)


def motion_commands(audio, rate, profile="display_eyes", style=None, backend="auto", seed=0, fps=25.0):
    """Runs Animator + MotionShaper over the audio; returns one joint dict per video frame."""
    from .animator import Animator
    from .audio import resample
    from .shaping import MotionShaper

    anim = Animator(style=style, backend=backend, seed=seed)
    x = resample(audio, rate, anim.sample_rate) if rate != anim.sample_rate else audio
    shaper = MotionShaper(profile, seed=seed)
    frames = []
    for i in range(0, len(x), anim.sample_rate // 10):
        frames += anim.step(x[i:i + anim.sample_rate // 10])
    duration = len(x) / anim.sample_rate
    out, t_next, pushed = [], 0.0, 0
    n_ticks = int(duration * shaper.profile.servo_rate_hz)
    for k in range(1, n_ticks + 1):
        t = k / shaper.profile.servo_rate_hz
        while pushed < len(frames) and frames[pushed].t <= t + 1.0 / anim.frame_rate:   # as they would arrive
            shaper.push(frames[pushed])
            pushed += 1
        cmd = shaper.tick(t)
        while t_next <= cmd.t and len(out) < int(duration * fps):
            out.append(dict(cmd.joints))
            t_next += 1.0 / fps
    return out


def render(wav_path, out_path, profile="display_eyes", style=None, size=240, fps=None, backend="auto", seed=0):
    from .audio import read_wav
    from .heads.face import draw_face

    ext = os.path.splitext(str(out_path))[1].lower()
    if ext not in (".gif", ".mp4"):
        raise ConfigError(f"render writes .gif or .mp4, not {ext or 'no extension'!r}")
    fps = fps or (12.5 if ext == ".gif" else 25.0)
    x, rate = read_wav(wav_path)
    joints = motion_commands(x, rate, profile, style, backend, seed, fps)
    images = [draw_face(j, (size, size)) for j in joints]
    if not images:
        raise ConfigError(f"{wav_path} is too short to render")
    if ext == ".gif":
        pal = [im.convert("P", palette=1, colors=64) for im in images]  # adaptive palette, small files
        pal[0].save(out_path, save_all=True, append_images=pal[1:], duration=int(round(1000 / fps)), loop=0,
                    optimize=True)
        return out_path, len(images), fps, False
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ConfigError("MP4 needs ffmpeg (sudo apt-get install ffmpeg), or render a .gif instead")
    cmd = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size}x{size}",
           "-r", f"{fps:g}", "-i", "-", "-i", str(wav_path), "-map", "0:v", "-map", "1:a", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out_path)]
    proc = subprocess.run(cmd, input=b"".join(np.asarray(im).tobytes() for im in images), capture_output=True)
    if proc.returncode != 0:
        raise ConfigError(f"ffmpeg failed: {proc.stderr.decode(errors='replace').strip()[-300:]}")
    return out_path, len(images), fps, True
