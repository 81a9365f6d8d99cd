"""Draws the animated face (head pose, eyes, lids) with Pillow: the display driver's and
``sgt-lite render``'s one renderer. Robot faces the viewer: its left is the image right."""
import math

from ..errors import ConfigError

BACKGROUND = (24, 28, 38)
SKIN = (236, 196, 160)
SKIN_SHADE = (206, 162, 128)
WHITE = (250, 250, 250)
IRIS = (60, 110, 170)
PUPIL = (15, 15, 20)
MOUTH = (150, 70, 70)


def _pil():
    try:
        from PIL import Image, ImageDraw
    except ImportError as exc:
        raise ConfigError("drawing the face needs Pillow: pip install 'sgt-lite[render]'") from exc
    return Image, ImageDraw


def draw_face(joints: dict, size=(320, 320)):
    """An RGB PIL image of the face for joint values in degrees (eyelid 0..1).

    Missing joints are neutral. Head yaw/pitch shift and foreshorten the face, roll
    tilts it, eye yaw/pitch move the pupils, the eyelid closes over the eyes.
    """
    Image, ImageDraw = _pil()
    w, h = size
    s = min(w, h) / 320.0
    yaw, pitch, roll = (joints.get(k, 0.0) for k in ("head_yaw", "head_pitch", "head_roll"))
    eye_yaw, eye_pitch = joints.get("eye_yaw", 0.0), joints.get("eye_pitch", 0.0)
    lid = min(max(joints.get("eyelid", 0.0), 0.0), 1.0)
    big = Image.new("RGB", (w * 2, h * 2), BACKGROUND)
    d = ImageDraw.Draw(big)
    cx = w + 2.2 * s * math.sin(math.radians(yaw)) * 60
    cy = h - 2.2 * s * math.sin(math.radians(pitch)) * 60
    fw = 2 * s * 115 * (0.85 + 0.15 * math.cos(math.radians(yaw)))
    fh = 2 * s * 140 * (0.85 + 0.15 * math.cos(math.radians(pitch)))
    d.ellipse([cx - fw, cy - fh, cx + fw, cy + fh], fill=SKIN, outline=SKIN_SHADE, width=int(6 * s))
    feat_dx = 2 * s * 40 * math.sin(math.radians(yaw))
    feat_dy = -2 * s * 40 * math.sin(math.radians(pitch))
    for side in (-1, 1):
        ex = cx + feat_dx + side * 2 * s * 48
        ey = cy + feat_dy - 2 * s * 25
        rw, rh = 2 * s * 30, 2 * s * 20
        d.ellipse([ex - rw, ey - rh, ex + rw, ey + rh], fill=WHITE)
        px = ex + rw * 0.65 * math.sin(math.radians(max(-45.0, min(45.0, eye_yaw))) * 1.4)
        py = ey - rh * 0.65 * math.sin(math.radians(max(-45.0, min(45.0, eye_pitch))) * 1.4)
        d.ellipse([px - 2 * s * 12, py - 2 * s * 12, px + 2 * s * 12, py + 2 * s * 12], fill=IRIS)
        d.ellipse([px - 2 * s * 6, py - 2 * s * 6, px + 2 * s * 6, py + 2 * s * 6], fill=PUPIL)
        if lid > 0.01:
            top = ey - rh - 2
            d.rectangle([ex - rw - 2, top, ex + rw + 2, top + lid * (2 * rh + 4)], fill=SKIN)
            d.line([ex - rw, top + lid * (2 * rh + 4), ex + rw, top + lid * (2 * rh + 4)], fill=SKIN_SHADE,
                   width=int(4 * s))
    mx, my = cx + feat_dx, cy + feat_dy + 2 * s * 60
    d.arc([mx - 2 * s * 35, my - 2 * s * 18, mx + 2 * s * 35, my + 2 * s * 18], 10, 170, fill=MOUTH,
          width=int(8 * s))
    # roll + = right ear down = the top of the head toward the image left = counter-clockwise
    big = big.rotate(roll, resample=Image.BILINEAR, center=(cx, cy), fillcolor=BACKGROUND)
    return big.resize((w, h), Image.LANCZOS)
