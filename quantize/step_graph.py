"""The single-step generator as a torch module: (x_t, style, h, c) -> (raw_t, h', c')."""
import torch
from torch import nn

from sgt_train.nets import Generator, StyleEncoder


class GeneratorStep(nn.Module):
    """One frame of the generator; ``x`` is the normalised stacked features then the noise.

    The cell state is clamped to ``cell_clip`` on its way out (the numpy step does the
    same), so a long stream cannot drift the state beyond what training produced.
    """

    def __init__(self, gen: Generator, cell_clip: float):
        super().__init__()
        self.inp, self.lstm, self.out = gen.inp, gen.lstm, gen.out
        self.cell_clip = float(cell_clip)

    def forward(self, x, style, h, c):
        z = torch.tanh(self.inp(torch.cat([x, style], dim=1)))
        y, (h2, c2) = self.lstm(z[:, None, :], (h, c))
        return self.out(y[:, 0]), h2, torch.clamp(c2, -self.cell_clip, self.cell_clip)


def load_torch(ck):
    """Generator and style encoder from a :class:`sgt_lite.model.checkpoint.Checkpoint`."""
    m = ck.model
    gen = Generator(m["feature_dim"], m["noise_dim"], m["style_dim"], m["hidden"], m["layers"],
                    len(m["outputs"]))
    gen.load_state_dict({k: torch.tensor(v) for k, v in ck.generator_weights().items()})
    enc = StyleEncoder(m["style_dim"])
    enc.load_state_dict({k[len("encoder."):]: torch.tensor(v) for k, v in ck.weights.items()
                         if k.startswith("encoder.")})
    return gen.eval(), enc.eval()


def example_inputs(ck, batch=1):
    m = ck.model
    return (torch.zeros(batch, m["feature_dim"] + m["noise_dim"]), torch.zeros(batch, m["style_dim"]),
            torch.zeros(m["layers"], batch, m["hidden"]), torch.zeros(m["layers"], batch, m["hidden"]))
