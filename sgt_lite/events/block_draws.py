"""Random rows drawn a block at a time, the same numbers as one draw per frame."""
import numpy as np

from ..errors import ConfigError


class BlockDraws:
    """Rows of ``width`` random numbers from ``source()`` (a numpy Generator, looked up on each
    refill so a reseeded one is picked up), drawn ``block`` rows at a time.

    numpy's generators fill an array in order, so the rows are the ones that one call per
    frame would give, whatever ``n`` each :meth:`take` asks for; a frame costs a slice instead
    of a generator call. :meth:`reset` forgets the rows drawn ahead (call it after reseeding).

    >>> g = np.random.default_rng(1)
    >>> d = BlockDraws(lambda: g, 3, "normal", block=4)
    >>> rows = np.concatenate([d.take(1), d.take(5), d.take(2)])
    >>> bool((rows == np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32)).all())
    True
    """

    def __init__(self, source, width: int, kind: str, block: int = 64):
        if kind not in ("normal", "uniform"):
            raise ConfigError(f"kind must be 'normal' or 'uniform', got {kind!r}")
        self._source, self.width, self.kind, self.block = source, int(width), kind, int(block)
        self.reset()

    def reset(self):
        self._rows = np.zeros((0, self.width), np.float32 if self.kind == "normal" else np.float64)
        self._pos = 0

    def _draw(self, n):
        g = self._source()
        if self.kind == "normal":
            return g.standard_normal((n, self.width)).astype(np.float32)
        return g.random((n, self.width))

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` rows (a view: valid until the next call)."""
        pos = self._pos
        if pos + n > len(self._rows):
            rest = self._rows[pos:]
            fresh = self._draw(max(self.block, n - len(rest)))
            self._rows = np.concatenate([rest, fresh]) if len(rest) else fresh
            pos = 0
        self._pos = pos + n
        return self._rows[pos:pos + n]
