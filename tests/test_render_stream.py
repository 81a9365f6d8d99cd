"""sgt-lite render streams: the joints per video frame equal the whole-signal computation, and the
frame-by-frame GIF decodes to exactly the frames Pillow's all-in-memory writer gave."""
import numpy as np
import pytest

from sgt_lite.audio import SAMPLE_WAV, read_wav, resample, write_wav
from sgt_lite.render import iter_motion_commands, motion_commands, render


def whole_signal_commands(x, rate, profile, fps):
    """The joints as render computed them before streaming: every frame first, then the ticks."""
    from sgt_lite.animator import Animator
    from sgt_lite.shaping import MotionShaper

    anim = Animator(backend="numpy", seed=0)
    x = resample(x, rate, anim.sample_rate) if rate != anim.sample_rate else x
    shaper = MotionShaper(profile, seed=0)
    frames = anim.step(x)
    duration = len(x) / anim.sample_rate
    out, t_next, pushed = [], 0.0, 0
    for k in range(1, int(duration * shaper.profile.servo_rate_hz) + 1):
        t = k / shaper.profile.servo_rate_hz
        while pushed < len(frames) and frames[pushed].t <= t + 1.0 / anim.frame_rate:
            shaper.push(frames[pushed])
            pushed += 1
        cmd = shaper.tick(t)
        while t_next <= cmd.t and len(out) < int(duration * fps):
            out.append(dict(cmd.joints))
            t_next += 1.0 / fps
    return out


@pytest.fixture(scope="module")
def sample():
    return read_wav(SAMPLE_WAV)[0]


@pytest.mark.parametrize("rate,seconds,profile,fps", [(16000, 12.0, "display_eyes", 12.5),
                                                      (44100, 6.3, "display_eyes", 25.0),
                                                      (22050, 4.0, "neck3_eyes2_lids", 30.0)])
def test_streamed_joints_equal_the_whole_signal(tmp_path, sample, rate, seconds, profile, fps):
    x = resample(sample, 16000, rate)[:int(seconds * rate)]
    path = tmp_path / "a.wav"
    write_wav(path, x, rate)
    x = read_wav(path)[0]
    ref = whole_signal_commands(x, rate, profile, fps)
    assert len(ref) == int(len(resample(x, rate, 16000)) / 16000 * fps) > 50
    assert list(iter_motion_commands(str(path), None, profile, None, "numpy", 0, fps)) == ref
    assert motion_commands(x, rate, profile, None, "numpy", 0, fps) == ref


def test_gif_frames_equal_pillows_all_in_memory_writer(tmp_path, sample):
    pytest.importorskip("PIL", reason="render needs the [render] extra (pillow)")
    from PIL import Image, ImageSequence

    from sgt_lite.heads.face import draw_face

    path = tmp_path / "s.wav"
    write_wav(path, sample[:16000 * 3], 16000)
    out, n, fps, _ = render(str(path), tmp_path / "face.gif", size=96, backend="numpy")
    x = read_wav(path)[0]                                   # the 16-bit file, not the float sample
    images = [draw_face(j, (96, 96)) for j in motion_commands(x, 16000, fps=fps, backend="numpy")]
    assert n == len(images) > 30
    pal = [im.convert("P", palette=1, colors=64) for im in images]
    pal[0].save(tmp_path / "ref.gif", save_all=True, append_images=pal[1:], duration=80, loop=0, optimize=True)
    got, ref = Image.open(tmp_path / "face.gif"), Image.open(tmp_path / "ref.gif")
    assert got.info["loop"] == 0 and got.n_frames == ref.n_frames
    for a, b in zip(ImageSequence.Iterator(got), ImageSequence.Iterator(ref)):
        assert a.info["duration"] == b.info["duration"]
        assert np.array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB")))


def test_a_gif_that_fails_mid_way_leaves_the_old_file_and_no_part(tmp_path):
    pytest.importorskip("PIL", reason="render needs the [render] extra (pillow)")
    from PIL import Image

    from sgt_lite.render import _write_gif

    out = tmp_path / "face.gif"
    out.write_bytes(b"the old gif")

    def images():
        for k in range(3):
            yield Image.new("RGB", (16, 16), (40 * k, 0, 0))
        raise RuntimeError("the face drawer failed")

    with pytest.raises(RuntimeError, match="drawer failed"):
        _write_gif(str(out), images(), 12.5)
    assert out.read_bytes() == b"the old gif"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.gif"]
    assert _write_gif(str(out), (Image.new("RGB", (16, 16), (9 * k, 0, 0)) for k in range(4)), 12.5) == 4
    assert Image.open(out).n_frames == 4
