"""Display eyes: a pygame window showing the face (pupils follow gaze, lids follow
blink, the face tilts with head roll). Headless tests use ``SDL_VIDEODRIVER=dummy``."""
from ..errors import ConfigError
from .base import HeadDriver
from .face import FaceRenderer


class DisplayEyes(HeadDriver):
    """A window of ``size`` pixels. The face is drawn at the window's size and only when it
    moved by a pixel or more (``redraws`` counts the drawn frames); ``frame()`` returns the
    screen's pixels, ``last`` the last drawn image (PIL). ``supersample=2`` smooths the
    edges; 1 is cheapest."""

    def __init__(self, profile="display_eyes", size=(480, 480), title="sgt-lite", supersample=2):
        self.size, self.title = tuple(size), title
        self.renderer = FaceRenderer(self.size, supersample)
        super().__init__(profile)

    @property
    def redraws(self) -> int:
        return self.renderer.drawn

    def _open(self):
        try:
            import pygame
        except ImportError as exc:
            raise ConfigError("the display head needs pygame: pip install 'sgt-lite[display]'") from exc
        self.pg = pygame
        pygame.display.init()
        self.screen = pygame.display.set_mode(self.size)
        pygame.display.set_caption(self.title)
        self.last = None

    def _send(self, joints):
        for event in self.pg.event.get():
            if event.type == self.pg.QUIT:
                raise KeyboardInterrupt("display window closed")
        img = self.renderer.draw(joints)
        if img is None:              # nothing moved by a pixel: the screen already shows it
            return
        self.last = img
        surface = self.pg.image.frombuffer(img.tobytes(), img.size, "RGB")
        self.screen.blit(surface, (0, 0))
        self.pg.display.flip()

    def frame(self):
        """The screen's pixels as an (h, w, 3) uint8 array."""
        import numpy as np

        return np.transpose(self.pg.surfarray.array3d(self.screen), (1, 0, 2)).copy()

    def _close(self):
        if hasattr(self, "pg"):
            self.pg.display.quit()
