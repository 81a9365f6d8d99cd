"""Training for sgt-lite (behind the ``[train]`` extra: torch==2.13.0).

    python -m sgt_train --recipe sgt_train/recipes/default.json -o checkpoints/default

Never imported by the runtime.
"""
