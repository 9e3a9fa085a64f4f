"""Grain input pipeline over featurized tasks: seeded shuffling, length buckets, per-host shards,
and an iterator state that restores exactly.

The batch plan (`buckets.py`) is a deterministic function of the seed and the epoch, so the
iterator state is just "how many batches were handed out" (plus a description of the loader, to
refuse restoring into a different one). Grain reads and collates batches in threads; the state
it reports counts consumed batches, not prefetched ones.

Training only: rows are shuffled and the incomplete last batch is dropped (the next epoch
reshuffles, so every row is seen). Evaluation plans its batches with the same planner
(`buckets.evaluation_plan`) and collates them in `evaluate.predict`.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from typing import Any

import grain
import numpy as np

from jaxstilts.data.buckets import (
    Batch,
    PlanSettings,
    default_buckets,
    epoch_plan,
    padding_fraction,
)
from jaxstilts.tasks.features import Features

log = logging.getLogger("jaxstilts.data")
STATE_VERSION = 1


@dataclass(frozen=True)
class LoaderConfig:
    """batch_size is global (all hosts); each shard yields `batch_size // shard_count` rows.

    num_epochs: None repeats forever (training by steps). buckets: None picks
    `default_buckets(max_length)`. shard_index/shard_count: this process's slice
    (`jax.process_index()`, `jax.process_count()`).
    """

    batch_size: int
    seed: int = 0
    num_epochs: int | None = 1
    buckets: tuple[int, ...] | None = None
    shard_index: int = 0
    shard_count: int = 1
    pool_batches: int = 32
    num_threads: int = 2
    prefetch: int = 4

    def __post_init__(self):
        if self.batch_size % self.shard_count:
            raise ValueError(
                f"batch_size {self.batch_size} not divisible by {self.shard_count} shards"
            )
        if not 0 <= self.shard_index < self.shard_count:
            raise ValueError(f"shard_index {self.shard_index} not in [0, {self.shard_count})")


class _Plan:
    """The batch plan as a random-access sequence for `grain.MapDataset.source`."""

    def __init__(self, lengths: np.ndarray, settings: PlanSettings, num_epochs: int | None):
        self.lengths, self.settings, self.num_epochs = lengths, settings, num_epochs
        self._lock = threading.Lock()
        self._cache: dict[int, list[Batch]] = {}
        self.per_epoch = len(self.epoch(0))

    def epoch(self, epoch: int) -> list[Batch]:
        with self._lock:
            if epoch not in self._cache:
                if len(self._cache) >= 2:
                    self._cache.pop(min(self._cache))
                self._cache[epoch] = epoch_plan(self.lengths, self.settings, epoch)
            return self._cache[epoch]

    def __len__(self) -> int:
        if self.num_epochs is None:
            return sys.maxsize
        return self.per_epoch * self.num_epochs

    def __getitem__(self, index: int) -> tuple[int, Batch]:
        if self.per_epoch == 0:
            raise IndexError("no batches: fewer rows than one batch")
        epoch, step = divmod(index, self.per_epoch)
        return epoch, self.epoch(epoch)[step]


class BatchLoader:
    """Fixed-shape numpy training batches of one featurized split.

    Keys: the contract's for the task kind (see `jaxstilts.tasks.featurize`) plus
    `example_index`, `feature_index` and `valid` (bool; all True: training batches are full).
    """

    def __init__(self, features: Features, config: LoaderConfig):
        self.features, self.config = features, config
        buckets = config.buckets or default_buckets(features.max_length)
        if max(buckets) < int(features.lengths().max(initial=0)):
            raise ValueError(f"buckets {buckets} are shorter than the longest row")
        self.settings = PlanSettings(
            batch_size=config.batch_size,
            buckets=tuple(sorted(buckets)),
            seed=config.seed,
            pool_batches=config.pool_batches,
        )
        self.plan = _Plan(features.lengths(), self.settings, config.num_epochs)
        if self.plan.per_epoch == 0:
            raise ValueError(
                f"{features.task.name} {features.examples.split}: {len(features)} rows make no "
                f"full batch of {config.batch_size}"
            )
        self.rows_per_shard = config.batch_size // config.shard_count
        self.dataset = grain.MapDataset.source(self.plan).map(self._collate)

    @property
    def batches_per_epoch(self) -> int:
        return self.plan.per_epoch

    def __len__(self) -> int:
        if self.config.num_epochs is None:
            raise TypeError("an endless loader (num_epochs=None) has no length")
        return len(self.plan)

    def padding_fraction(self, epoch: int = 0) -> float:
        """Share of the batch grid of one epoch that is padding (logged on first iteration)."""
        width = self.features.num_choices or 1
        return padding_fraction(self.features.token_counts(), self.plan.epoch(epoch), width)

    def description(self) -> dict[str, Any]:
        """What a saved state is only valid for."""
        s = self.settings
        return {
            "rows": len(self.features),
            "task": self.features.task.name,
            "split": self.features.examples.split,
            # as written when the loader also served evaluation (shuffle and drop_remainder were
            # settings then), so that saved states restore and checkpoints stay byte-identical
            "settings": {"batch_size": s.batch_size, "buckets": list(s.buckets), "shuffle": True,
                         "seed": s.seed, "drop_remainder": True, "pool_batches": s.pool_batches},
            "num_epochs": self.config.num_epochs,
            "shard": [self.config.shard_index, self.config.shard_count],
        }

    def __iter__(self) -> BatchIterator:
        log.info(
            "%s %s: %d batches/epoch of %d, buckets %s, padding %.1f%%",
            self.features.task.name,
            self.features.examples.split,
            self.batches_per_epoch,
            self.config.batch_size,
            self.settings.buckets,
            100 * self.padding_fraction(),
        )
        options = grain.ReadOptions(
            num_threads=self.config.num_threads, prefetch_buffer_size=self.config.prefetch
        )
        return BatchIterator(self, iter(self.dataset.to_iter_dataset(options)))

    def _collate(self, item: tuple[int, Batch]) -> dict[str, np.ndarray]:
        _, batch = item
        k = self.config.shard_index
        rows = batch.rows[k * self.rows_per_shard : (k + 1) * self.rows_per_shard]
        out = self.features.collate(rows, batch.length)
        out["valid"] = np.ones(len(rows), bool)
        return out


class BatchIterator:
    """Iterator over a `BatchLoader`; `get_state`/`set_state` are JSON-serialisable and exact."""

    def __init__(self, loader: BatchLoader, iterator: Any):
        self.loader, self._iterator = loader, iterator

    def __iter__(self) -> BatchIterator:
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        return next(self._iterator)

    def get_state(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "grain": self._iterator.get_state(),
            "loader": self.loader.description(),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        if state.get("version") != STATE_VERSION:
            raise ValueError(
                f"iterator state version {state.get('version')}, expected {STATE_VERSION}"
            )
        mine = self.loader.description()
        if state["loader"] != mine:
            diff = {
                k: (state["loader"].get(k), v)
                for k, v in mine.items()
                if state["loader"].get(k) != v
            }
            raise ValueError(f"iterator state is for another loader (saved, this): {diff}")
        self._iterator.set_state(state["grain"])
