"""The eye-event settings a bundle stores under ``"eyes"``: the gaze-target grid and the physiology."""
import dataclasses
import math

from ..config_check import Fields
from ..errors import ConfigError

GAZE_STATES = ("fixation", "aversion", "return")
FIXATION, AVERSION, RETURN = range(3)


@dataclasses.dataclass(frozen=True)
class GazeGrid:
    """A grid of gaze-target cells over eye-in-head yaw x pitch (degrees), centred on straight ahead.

    Cell ``i`` is row ``i // n_yaw`` (pitch, from -pitch_deg up) and column ``i % n_yaw`` (yaw, from
    -yaw_deg up); the network's target logits come in that order.

    >>> g = GazeGrid()
    >>> g.n_cells, g.cell_of(0.0, 0.0), g.cell_centre(g.cell_of(0.0, 0.0))
    (35, 17, (0.0, 0.0))
    >>> g.cell_of(-25.0, 30.0)     # outside the grid: the nearest edge cell
    28
    """

    n_yaw: int = 7
    n_pitch: int = 5
    yaw_deg: float = 20.0      # the grid spans [-yaw_deg, +yaw_deg]
    pitch_deg: float = 12.0

    def __post_init__(self):
        if self.n_yaw < 1 or self.n_pitch < 1 or not (self.yaw_deg > 0 and self.pitch_deg > 0):
            raise ConfigError(f"invalid gaze grid {self}: need n_yaw, n_pitch >= 1 and yaw_deg, pitch_deg > 0")

    @property
    def n_cells(self) -> int:
        return self.n_yaw * self.n_pitch

    @property
    def cell_size(self):
        """(yaw, pitch) size of one cell in degrees."""
        return 2.0 * self.yaw_deg / self.n_yaw, 2.0 * self.pitch_deg / self.n_pitch

    def cell_of(self, yaw: float, pitch: float) -> int:
        wy, wp = self.cell_size
        iy = min(max(int(math.floor((yaw + self.yaw_deg) / wy)), 0), self.n_yaw - 1)
        ip = min(max(int(math.floor((pitch + self.pitch_deg) / wp)), 0), self.n_pitch - 1)
        return ip * self.n_yaw + iy

    def cell_lower(self, cell: int):
        """(yaw, pitch) of the cell's lower corner."""
        wy, wp = self.cell_size
        return -self.yaw_deg + (cell % self.n_yaw) * wy, -self.pitch_deg + (cell // self.n_yaw) * wp

    def cell_centre(self, cell: int):
        wy, wp = self.cell_size
        y0, p0 = self.cell_lower(cell)
        return round(y0 + wy / 2, 9) + 0.0, round(p0 + wp / 2, 9) + 0.0

    @property
    def centre_cell(self) -> int:
        """The cell that holds straight ahead (mutual gaze when the head faces the listener)."""
        return self.cell_of(0.0, 0.0)


@dataclasses.dataclass(frozen=True)
class EyeConfig:
    """Physiology of saccades, fixations and blinks, plus the target grid.

    Times in seconds, angles in degrees. ``from_dict`` validates a bundle's ``"eyes"`` table
    (unknown keys, types and ranges) and fills the defaults; ``to_dict`` writes it back.

    >>> cfg = EyeConfig()
    >>> round(cfg.saccade_duration(10.0), 4)     # the main sequence: 21 ms + 2.2 ms/deg
    0.043
    >>> EyeConfig.from_dict(cfg.to_dict()) == cfg
    True
    >>> EyeConfig.from_dict({"blink_close_s": 0.5})
    Traceback (most recent call last):
    ...
    sgt_lite.errors.ConfigError: bundle.json: eyes.blink_close_s: 0.5 is outside [0.03, 0.2]
    """

    grid: GazeGrid = GazeGrid()
    # saccades: duration = intercept + slope * amplitude, scattered by +-jitter (relative)
    saccade_intercept_s: float = 0.021
    saccade_slope_s_per_deg: float = 0.0022
    saccade_jitter: float = 0.1
    min_fixation_s: float = 0.1          # no new saccade sooner than this after one ends
    # fixations: slow drift (mean speed) pulled back to the fixation point, and microsaccades
    drift_deg_per_s: float = 0.3
    drift_return_per_s: float = 1.0
    microsaccade_per_s: float = 1.5
    microsaccade_min_deg: float = 0.15
    microsaccade_max_deg: float = 0.8
    # blinks: close, stay shut, reopen (open_ratio x slower than closing), durations scattered by jitter
    blink_close_s: float = 0.08
    blink_hold_s: float = 0.02
    blink_open_ratio: float = 2.0
    blink_jitter: float = 0.15
    blink_refractory_s: float = 0.2      # shortest open time between two blinks
    # saccades larger than this carry a blink with this probability (gaze-evoked blinks)
    blink_saccade_deg: float = 12.0
    blink_saccade_prob: float = 0.6
    # the centre zone (mutual gaze): target cells whose centre is within this of straight ahead
    mutual_deg: float = 3.0

    def __post_init__(self):
        if self.microsaccade_min_deg > self.microsaccade_max_deg:
            raise ConfigError("eyes: need microsaccade_min_deg <= microsaccade_max_deg")

    def saccade_duration(self, amplitude_deg: float) -> float:
        """Main-sequence duration (s) of a saccade of ``amplitude_deg``."""
        return self.saccade_intercept_s + self.saccade_slope_s_per_deg * amplitude_deg

    @property
    def blink_open_s(self) -> float:
        return self.blink_close_s * self.blink_open_ratio

    @property
    def blink_s(self) -> float:
        """Duration of a blink with no scatter, from the lid's first move to fully open."""
        return self.blink_close_s + self.blink_hold_s + self.blink_open_s

    def centre_cells(self):
        """Cells of the mutual-gaze zone (always at least the cell holding straight ahead)."""
        g = self.grid
        cells = [c for c in range(g.n_cells) if math.hypot(*g.cell_centre(c)) <= self.mutual_deg]
        return tuple(cells) if cells else (g.centre_cell,)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["grid"] = dataclasses.asdict(self.grid)
        return d

    @classmethod
    def from_dict(cls, d, source: str = "bundle.json") -> "EyeConfig":
        f = Fields(d, source, "eyes")
        gf = f.table_of("grid")
        grid = GazeGrid(n_yaw=gf.integer("n_yaw", 7, lo=1, hi=64), n_pitch=gf.integer("n_pitch", 5, lo=1, hi=64),
                        yaw_deg=gf.number("yaw_deg", 20.0, lo=1.0, hi=60.0),
                        pitch_deg=gf.number("pitch_deg", 12.0, lo=1.0, hi=45.0))
        gf.done()
        defaults = cls()
        ranges = {
            "saccade_intercept_s": (0.0, 0.1), "saccade_slope_s_per_deg": (0.0, 0.01), "saccade_jitter": (0.0, 0.5),
            "min_fixation_s": (0.0, 1.0), "drift_deg_per_s": (0.0, 5.0), "drift_return_per_s": (0.0, 20.0),
            "microsaccade_per_s": (0.0, 5.0), "microsaccade_min_deg": (0.0, 1.0),
            "microsaccade_max_deg": (0.0, 1.0), "blink_close_s": (0.03, 0.2), "blink_hold_s": (0.0, 0.2),
            "blink_open_ratio": (1.0, 5.0), "blink_jitter": (0.0, 0.5), "blink_refractory_s": (0.0, 2.0),
            "blink_saccade_deg": (0.0, 90.0), "blink_saccade_prob": (0.0, 1.0), "mutual_deg": (0.0, 30.0),
        }
        values = {k: f.number(k, getattr(defaults, k), lo=lo, hi=hi) for k, (lo, hi) in ranges.items()}
        f.done()
        return cls(grid=grid, **values)
