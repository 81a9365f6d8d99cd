"""What each of the generator's raw outputs means (one place for training, export and run time).

Per frame the network gives, in this order: the 3 normalised head angles (yaw, pitch, roll),
the saccade hazard logit, the blink hazard logit, 3 gaze-state logits (fixation, aversion,
return) and one logit per gaze-target cell (:class:`~sgt_lite.events.config.GazeGrid`).

>>> lay = OutputLayout(n_cells=35)
>>> lay.size, lay.head, lay.saccade, lay.blink, lay.state, lay.target
(43, slice(0, 3, None), 3, 4, slice(5, 8, None), slice(8, 43, None))
"""
import dataclasses

N_HEAD = 3
N_STATES = 3


@dataclasses.dataclass(frozen=True)
class OutputLayout:
    n_cells: int

    head = slice(0, N_HEAD)
    saccade = N_HEAD
    blink = N_HEAD + 1

    @property
    def state(self) -> slice:
        return slice(N_HEAD + 2, N_HEAD + 2 + N_STATES)

    @property
    def target(self) -> slice:
        return slice(self.state.stop, self.state.stop + self.n_cells)

    @property
    def size(self) -> int:
        return self.target.stop

    def names(self) -> list:
        return (["head_yaw", "head_pitch", "head_roll", "saccade_hazard", "blink_hazard",
                 "state_fixation", "state_aversion", "state_return"]
                + [f"target_{i}" for i in range(self.n_cells)])


# Physiological clamps of every output frame (degrees; blink 0..1): head yaw, pitch, roll, gaze yaw, pitch, blink.
OUTPUT_RANGES = [[-45.0, 45.0], [-30.0, 30.0], [-25.0, 25.0], [-35.0, 35.0], [-25.0, 25.0], [0.0, 1.0]]
