"""Draws the animated face (head pose, eyes, lids) with Pillow: the display driver's and
``sgt-lite render``'s one renderer. Robot faces the viewer: its left is the image right.

The face is a few polygons whose points are computed already turned by head roll, so no
image is ever rotated or resized at full size. :class:`FaceRenderer` draws at the target
size (``supersample=2`` draws at twice that and halves it with a box filter, for smooth
edges) and skips a frame whose shapes moved less than a pixel since the last one drawn.
"""
import math

import numpy as np

from ..errors import ConfigError

BACKGROUND = (24, 28, 38)
SKIN = (236, 196, 160)
SKIN_SHADE = (206, 162, 128)
WHITE = (250, 250, 250)
IRIS = (60, 110, 170)
PUPIL = (15, 15, 20)
MOUTH = (150, 70, 70)

_FACE_POINTS, _EYE_POINTS, _DOT_POINTS = 96, 48, 28
_MOUTH_ANGLES = np.radians(np.linspace(10.0, 170.0, 24))
_UNIT = {n: (np.cos(2 * np.pi * np.arange(n) / n), np.sin(2 * np.pi * np.arange(n) / n))
         for n in (_FACE_POINTS, _EYE_POINTS, _DOT_POINTS)}


def _pil():
    try:
        from PIL import Image, ImageDraw
    except ImportError as exc:
        raise ConfigError("drawing the face needs Pillow: pip install 'sgt-lite[render]'") from exc
    return Image, ImageDraw


def _joint(joints, name, lo=-90.0, hi=90.0):
    v = joints.get(name, 0.0)
    v = float(v) if v is not None and math.isfinite(v) else 0.0
    return min(max(v, lo), hi)


def face_geometry(joints: dict, size=(320, 320)) -> dict:
    """The face's shape parameters in pixels for joint values in degrees (eyelid 0..1).

    Missing joints are neutral. Head yaw/pitch shift and foreshorten the face, roll turns
    it (counter-clockwise on screen for a positive roll: the right ear goes down), eye
    yaw/pitch move the pupils, the eyelid closes over the eyes.

    >>> g = face_geometry({"eye_yaw": 20.0}, (320, 320))
    >>> g["pupils"][1][0] > g["eyes"][1][0]     # looking to its left = the image right
    True
    """
    w, h = size
    s = min(w, h) / 320.0
    yaw, pitch = _joint(joints, "head_yaw"), _joint(joints, "head_pitch")
    roll = _joint(joints, "head_roll")
    eye_yaw, eye_pitch = _joint(joints, "eye_yaw", -45.0, 45.0), _joint(joints, "eye_pitch", -45.0, 45.0)
    lid = _joint(joints, "eyelid", 0.0, 1.0)
    cx = w / 2 + 1.1 * s * math.sin(math.radians(yaw)) * 60
    cy = h / 2 - 1.1 * s * math.sin(math.radians(pitch)) * 60
    fw = s * 115 * (0.85 + 0.15 * math.cos(math.radians(yaw)))
    fh = s * 140 * (0.85 + 0.15 * math.cos(math.radians(pitch)))
    dx, dy = s * 40 * math.sin(math.radians(yaw)), -s * 40 * math.sin(math.radians(pitch))
    rw, rh = s * 30, s * 20
    eyes, pupils = [], []
    for side in (-1, 1):
        ex, ey = cx + dx + side * s * 48, cy + dy - s * 25
        eyes.append((ex, ey))
        pupils.append((ex + rw * 0.65 * math.sin(math.radians(eye_yaw) * 1.4),
                       ey - rh * 0.65 * math.sin(math.radians(eye_pitch) * 1.4)))
    return {"s": s, "size": (w, h), "center": (cx, cy), "face": (fw, fh), "roll": roll, "eyes": eyes,
            "eye_radii": (rw, rh), "pupils": pupils, "iris": s * 12, "pupil": s * 6, "lid": lid,
            "mouth": (cx + dx, cy + dy + s * 60, s * 35, s * 18)}


def _turn(xs, ys, g):
    """Points turned by the head's roll about the face centre (screen: y down)."""
    cx, cy = g["center"]
    a = math.radians(g["roll"])
    c, sn = math.cos(a), math.sin(a)
    x, y = np.asarray(xs, float) - cx, np.asarray(ys, float) - cy
    return np.stack([cx + x * c + y * sn, cy - x * sn + y * c], axis=1)


def _ellipse(g, x, y, a, b, n):
    ux, uy = _UNIT[n]
    return _turn(x + a * ux, y + b * uy, g)


def _flat(points, k):
    return (points * k).ravel().tolist()


def draw_geometry(img, g, scale=1.0):
    """Draws :func:`face_geometry` ``g`` onto a PIL image ``scale`` times its size."""
    _, ImageDraw = _pil()
    d = ImageDraw.Draw(img)
    k, s = scale, g["s"]
    (cx, cy), (fw, fh) = g["center"], g["face"]
    edge = 3 * s
    d.polygon(_flat(_ellipse(g, cx, cy, fw + edge, fh + edge, _FACE_POINTS), k), fill=SKIN_SHADE)
    d.polygon(_flat(_ellipse(g, cx, cy, fw, fh, _FACE_POINTS), k), fill=SKIN)
    rw, rh = g["eye_radii"]
    lid = g["lid"]
    for (ex, ey), (px, py) in zip(g["eyes"], g["pupils"]):
        d.polygon(_flat(_ellipse(g, ex, ey, rw, rh, _EYE_POINTS), k), fill=WHITE)
        d.polygon(_flat(_ellipse(g, px, py, g["iris"], g["iris"], _DOT_POINTS), k), fill=IRIS)
        d.polygon(_flat(_ellipse(g, px, py, g["pupil"], g["pupil"], _DOT_POINTS), k), fill=PUPIL)
        if lid > 0.01:
            top, low = ey - rh - 1, ey - rh - 1 + lid * (2 * rh + 2)
            d.polygon(_flat(_turn([ex - rw - 1, ex + rw + 1, ex + rw + 1, ex - rw - 1], [top, top, low, low], g), k),
                      fill=SKIN)
            d.line(_flat(_turn([ex - rw, ex + rw], [low, low], g), k), fill=SKIN_SHADE, width=max(1, round(2 * s * k)))
    mx, my, ma, mb = g["mouth"]
    d.line(_flat(_turn(mx + ma * np.cos(_MOUTH_ANGLES), my + mb * np.sin(_MOUTH_ANGLES), g), k), fill=MOUTH,
           width=max(1, round(4 * s * k)), joint="curve")


def _key(g):
    """What a viewer could see change: every shape's position and size to the pixel, the
    roll as the arc it moves the face's edge, the lid's edge to the pixel."""
    r = max(g["face"])
    vals = [*g["center"], *g["face"], *(v for p in g["eyes"] + g["pupils"] for v in p),
            math.radians(g["roll"]) * r, g["lid"] * 2 * g["eye_radii"][1]]
    return tuple(int(round(v)) for v in vals)


class FaceRenderer:
    """Draws the face for a stream of poses at one size; :meth:`draw` returns None when the
    picture would not change by a pixel since the last drawn one.

    >>> r = FaceRenderer((160, 160))
    >>> r.draw({"eye_yaw": 10.0}).size
    (160, 160)
    >>> r.draw({"eye_yaw": 10.05}) is None, r.drawn, r.skipped
    (True, 1, 1)
    """

    def __init__(self, size=(320, 320), supersample=2):
        if supersample not in (1, 2, 3, 4):
            raise ConfigError(f"supersample must be 1..4, got {supersample!r}")
        self.size, self.supersample = (int(size[0]), int(size[1])), supersample
        Image, _ = _pil()
        big = (self.size[0] * supersample, self.size[1] * supersample)
        self._background = Image.new("RGB", big, BACKGROUND)     # the static layer
        self._last_key = None
        self.drawn = self.skipped = 0

    def reset(self):
        self._last_key = None

    def draw(self, joints: dict, force=False):
        g = face_geometry(joints, self.size)
        key = _key(g)
        if key == self._last_key and not force:
            self.skipped += 1
            return None
        self._last_key = key
        img = self._background.copy()
        draw_geometry(img, g, self.supersample)
        self.drawn += 1
        return img.reduce(self.supersample) if self.supersample > 1 else img


def draw_face(joints: dict, size=(320, 320), supersample=2):
    """An RGB PIL image of the face for joint values in degrees (eyelid 0..1); see
    :func:`face_geometry` for what each joint does.

    >>> draw_face({"head_roll": 10.0}, (120, 90)).size
    (120, 90)
    """
    return FaceRenderer(size, supersample).draw(joints)
