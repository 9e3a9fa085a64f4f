"""Endless shuffled batches over in-memory arrays, with a position that saves and restores.

For data that is already fixed-shape arrays (continued-MLM text, synthetic test data); the
Grain loader in `data/pipeline.py` serves featurized task data.
"""

from __future__ import annotations

import numpy as np


class ArraySource:
    """Epoch-shuffled batches of `batch_size` rows; the state is (epoch, index).

    `shard` = (this process, process count): each process keeps its slice of every global
    batch, as the multi-host trainer expects.
    """

    def __init__(self, arrays: dict[str, np.ndarray], batch_size: int, seed: int = 0,
                 shard: tuple[int, int] = (0, 1)):
        self.arrays, self.batch_size, self.seed, self.shard = arrays, batch_size, seed, shard
        self.n = len(next(iter(arrays.values())))
        if self.n < batch_size:
            raise ValueError(f"{self.n} rows make no batch of {batch_size}")
        self.epoch, self.index = 0, 0

    def __iter__(self):
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        if self.index + self.batch_size > self.n:
            self.epoch, self.index = self.epoch + 1, 0
        order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
        rows = order[self.index:self.index + self.batch_size]
        self.index += self.batch_size
        i, k = self.shard
        rows = np.array_split(rows, k)[i]
        return {name: a[rows] for name, a in self.arrays.items()}

    def get_state(self) -> dict:
        return {"epoch": self.epoch, "index": self.index}

    def set_state(self, state: dict) -> None:
        self.epoch, self.index = state["epoch"], state["index"]
