"""Motion generators: the baselines (static, sway, procedural) behind one interface."""
from .base import MotionGenerator
from .baselines import StaticGenerator, SwayGenerator
from .procedural import PRESETS, ProceduralGenerator, ProceduralStyle

BASELINES = {"static": StaticGenerator, "sway": SwayGenerator, "procedural": ProceduralGenerator}


def make_generator(name: str, fps: float = 30.0, checkpoint=None) -> MotionGenerator:
    """A baseline by name, or ``"model"`` for a trained checkpoint (folder path)."""
    if name == "model":
        from .model import ModelGenerator

        return ModelGenerator(checkpoint or "checkpoints/default")
    if name not in BASELINES:
        from ..errors import ConfigError

        raise ConfigError(f"unknown generator {name!r}; available: {sorted(BASELINES) + ['model']}")
    return BASELINES[name](fps=fps)


__all__ = ["BASELINES", "MotionGenerator", "PRESETS", "ProceduralGenerator", "ProceduralStyle",
           "StaticGenerator", "SwayGenerator", "make_generator"]
