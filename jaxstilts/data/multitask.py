"""Which task each training step draws from: proportional, temperature or uniform sampling.

The choice at step t is a pure function of (seed, t), so a resumed run draws the same sequence
of tasks as an uninterrupted one without saving any sampler state.
"""

from __future__ import annotations

import numpy as np

from jaxstilts.config_schema import SAMPLING_MODES as MODES


def task_probabilities(
    sizes: dict[str, int],
    mode: str = "proportional",
    temperature: float = 2.0,
    cap: int | None = None,
) -> dict[str, float]:
    """p(task) ∝ min(size, cap) (proportional), its power 1/T (temperature) or 1 (uniform)."""
    if mode not in MODES:
        raise ValueError(f"multi-task sampling mode {mode!r}; expected one of {MODES}")
    if not sizes:
        raise ValueError("multi-task sampling needs at least one task")
    bad = {k: v for k, v in sizes.items() if v <= 0}
    if bad:
        raise ValueError(f"multi-task sampling: tasks with no examples: {bad}")
    n = np.array([min(s, cap) if cap else s for s in sizes.values()], np.float64)
    if mode == "uniform":
        w = np.ones_like(n)
    elif mode == "temperature":
        if temperature <= 0:
            raise ValueError(f"sampling temperature must be > 0, got {temperature}")
        w = n ** (1.0 / temperature)
    else:
        w = n
    return dict(zip(sizes, (w / w.sum()).tolist()))


class TaskSampler:
    """Task of each step; optionally the continued-MLM task at a fixed rate on top."""

    def __init__(
        self,
        probabilities: dict[str, float],
        seed: int = 0,
        mlm_task: str | None = None,
        mlm_rate: float = 0.0,
    ):
        if not 0 <= mlm_rate < 1:
            raise ValueError(f"mlm_rate must be in [0, 1), got {mlm_rate}")
        self.names = list(probabilities)
        self.cdf = np.cumsum(list(probabilities.values()))
        self.seed, self.mlm_task, self.mlm_rate = seed, mlm_task, mlm_rate

    def task_at(self, step: int) -> str:
        u_mlm, u_task = np.random.default_rng([self.seed, step]).random(2)
        if self.mlm_task and u_mlm < self.mlm_rate:
            return self.mlm_task
        return self.names[
            min(int(np.searchsorted(self.cdf, u_task * self.cdf[-1], "right")), len(self.names) - 1)
        ]
