"""``sgt-lite render``: speech in, an animated face (GIF or MP4 with the speech) out.

Everything streams: the WAV is read in blocks, each video frame is drawn and handed to the
writer (ffmpeg's pipe for MP4, a frame-by-frame GIF writer) as soon as its motion is known, so
memory does not grow with the recording's length.
"""
import itertools
import logging
import os
import shutil
import subprocess
from collections import deque

from .errors import ConfigError

log = logging.getLogger(__name__)


def iter_motion_commands(audio, rate=None, profile="display_eyes", style=None, backend="auto", seed=0, fps=25.0):
    """Runs Animator + MotionShaper over the audio (a path or a sample array); yields one joint dict
    per video frame, as the audio streams through (the same dicts as :func:`motion_commands`)."""
    from .animator import Animator
    from .offline import audio_blocks
    from .shaping import MotionShaper

    anim = Animator(style=style, backend=backend, seed=seed)
    blocks, _ = audio_blocks(audio, rate, anim.sample_rate, block_s=0.1)
    blocks = iter(blocks)
    shaper = MotionShaper(profile, seed=seed)
    servo_hz, frame_s, sr = shaper.profile.servo_rate_hz, 1.0 / anim.frame_rate, anim.sample_rate
    frames, out = deque(), deque()     # frames made but not pushed; joints made but not yielded
    n_samples, n_out, exhausted, t_next, k = 0, 0, False, 0.0, 0
    while True:
        k += 1
        t = k / servo_hz
        while not exhausted and (not frames or frames[-1].t <= t + frame_s):   # as they would arrive
            x = next(blocks, None)
            if x is None:
                exhausted = True
            else:
                n_samples += len(x)
                frames.extend(anim.step(x))
        # not exhausted: a frame past t exists, so the audio reaches past t and tick k is within it
        if exhausted and k > int(n_samples / sr * servo_hz):
            break
        while frames and frames[0].t <= t + frame_s:
            shaper.push(frames.popleft())
        cmd = shaper.tick(t)
        while t_next <= cmd.t:
            out.append(dict(cmd.joints))
            t_next += 1.0 / fps
        cap = int(n_samples / sr * fps)     # a lower bound of the final count until the end
        while out and n_out < cap:
            n_out += 1
            yield out.popleft()
    cap = int(n_samples / sr * fps)
    while out and n_out < cap:
        n_out += 1
        yield out.popleft()


def motion_commands(audio, rate, profile="display_eyes", style=None, backend="auto", seed=0, fps=25.0):
    """Runs Animator + MotionShaper over the audio; returns one joint dict per video frame."""
    return list(iter_motion_commands(audio, rate, profile, style, backend, seed, fps))


def _write_gif(path, images, fps) -> int:
    """Writes RGB images as a looping GIF frame by frame: each frame gets its own 64-colour palette
    and only the rectangle that changed is stored (as Pillow's ``save_all(optimize=True)`` does,
    which would hold every frame in memory)."""
    from PIL import GifImagePlugin, Image, ImageChops

    duration = int(round(1000 / fps))
    part = f"{path}.part"                    # a failure mid-way leaves no half GIF under the real name
    try:
        n = _write_gif_frames(part, images, duration, GifImagePlugin, Image, ImageChops)
        os.replace(part, path)
    finally:
        if os.path.exists(part):
            os.remove(part)
    return n


def _write_gif_frames(path, images, duration, GifImagePlugin, Image, ImageChops) -> int:
    n, prev, pending = 0, None, None         # pending: (P image, offset, duration) not yet written
    with open(path, "wb") as f:
        for im in images:
            n += 1
            pal = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)    # adaptive palette, small files
            shown = pal.convert("RGB")
            box = (0, 0) + im.size if prev is None else ImageChops.difference(prev, shown).getbbox()
            prev = shown
            if box is None:                                   # unchanged: the previous frame lasts longer
                pending = (pending[0], pending[1], pending[2] + duration)
                continue
            if pending is None:
                header, _ = GifImagePlugin.getheader(pal, info={"loop": 0, "duration": duration})
                f.write(b"".join(header))
                pending = (pal, (0, 0), duration)
                continue
            _gif_frame(f, GifImagePlugin, *pending)
            pending = (pal.crop(box), box[:2], duration)
        if pending is not None:
            _gif_frame(f, GifImagePlugin, *pending)
        f.write(b";")
    return n


def _gif_frame(f, plugin, im, offset, duration):
    f.write(b"".join(plugin.getdata(im, offset, duration=duration, disposal=1, include_color_table=True)))


def _write_mp4(wav_path, out_path, images, size, fps) -> int:
    import tempfile

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ConfigError("MP4 needs ffmpeg (sudo apt-get install ffmpeg), or render a .gif instead")
    cmd = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size}x{size}",
           "-r", f"{fps:g}", "-i", "-", "-i", str(wav_path), "-map", "0:v", "-map", "1:a", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out_path)]
    n = 0
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        try:
            for im in images:
                proc.stdin.write(im.tobytes())
                n += 1
        except BrokenPipeError:
            pass                                              # ffmpeg stopped: its message says why
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
            code = proc.wait()
        if code != 0:
            err.seek(0)
            raise ConfigError(f"ffmpeg failed: {err.read().decode(errors='replace').strip()[-300:]}")
    return n


def render(wav_path, out_path, profile="display_eyes", style=None, size=240, fps=None, backend="auto", seed=0):
    from .heads.face import draw_face

    ext = os.path.splitext(str(out_path))[1].lower()
    if ext not in (".gif", ".mp4"):
        raise ConfigError(f"render writes .gif or .mp4, not {ext or 'no extension'!r}")
    fps = fps or (12.5 if ext == ".gif" else 25.0)
    joints = iter_motion_commands(wav_path, None, profile, style, backend, seed, fps)
    first = next(joints, None)
    if first is None:
        raise ConfigError(f"{wav_path} is too short to render")
    images = (draw_face(j, (size, size)) for j in itertools.chain([first], joints))
    if ext == ".gif":
        return out_path, _write_gif(out_path, images, fps), fps, False
    return out_path, _write_mp4(wav_path, out_path, images, size, fps), fps, True
