"""Batch plans: which rows form each batch, and at which of a few fixed lengths it is padded.

A plan is a pure function of (row lengths, seed, epoch, settings), so it can be recomputed on
restore instead of stored, and every host computes the same global plan and takes its slice of
each batch -- all hosts agree on the bucket length of every step.

Rows are shuffled, grouped into pools of `pool_batches` batches, sorted by bucket inside a pool
(so a batch holds rows padded to the same length), cut into batches, and the batch order is
shuffled again. Training sorts by bucket, not by exact length: the padding is the same (a batch
is padded to its bucket anyway), and rows of one bucket stay in random order. Sorting by exact
length made batches of one length, and where length goes with the label (the demo's neutral
pairs have odd lengths) batches of one label, which kept a tiny model from learning at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def default_buckets(max_length: int, count: int = 4, smallest: int = 16) -> tuple[int, ...]:
    """`count` lengths up to `max_length`, halving each time (e.g. 256 -> 32, 64, 128, 256)."""
    buckets = {max_length}
    length = max_length
    for _ in range(count - 1):
        length //= 2
        if length < smallest:
            break
        buckets.add(length)
    return tuple(sorted(buckets))


def bucket_of(length: int, buckets: tuple[int, ...]) -> int:
    for bucket in buckets:
        if length <= bucket:
            return bucket
    raise ValueError(f"a row of {length} tokens is longer than the largest bucket {buckets[-1]}")


@dataclass(frozen=True)
class PlanSettings:
    batch_size: int  # global: rows per step over all hosts
    buckets: tuple[int, ...]
    shuffle: bool
    seed: int
    drop_remainder: bool
    pool_batches: int = 32


@dataclass(frozen=True)
class Batch:
    """Rows of one global batch (-1 = padding row) and the length they are padded to.

    The one batch contract of training and evaluation: a batch always has its full size (one
    compiled shape per length); padding rows are collated as a copy of the first row (`filled`)
    and masked out by `valid` (no loss, no prediction).
    """

    rows: np.ndarray
    length: int

    @property
    def valid(self) -> np.ndarray:
        """[batch_size] bool: False on padding rows."""
        return self.rows >= 0

    @property
    def filled(self) -> np.ndarray:
        """The rows to collate: padding rows replaced by the batch's first real row."""
        return np.where(self.valid, self.rows, self.rows[self.valid][0])


def epoch_plan(lengths: np.ndarray, settings: PlanSettings, epoch: int) -> list[Batch]:
    """The batches of one epoch, deterministic in (settings.seed, epoch)."""
    n, size = len(lengths), settings.batch_size
    rng = np.random.default_rng([settings.seed, epoch])
    order = rng.permutation(n) if settings.shuffle else np.arange(n)
    pool = size * settings.pool_batches if settings.shuffle else max(n, 1)
    # training: the bucket of each row (stable sort keeps the shuffled order inside a bucket)
    key = np.searchsorted(settings.buckets, lengths) if settings.shuffle else lengths
    batches = []
    for start in range(0, n, pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(key[chunk], kind="stable")]
        for b in range(0, len(chunk), size):
            batches.append(chunk[b : b + size])
    batches = _carry_remainders(batches, size)
    if batches and len(batches[-1]) < size:
        if settings.drop_remainder:
            batches.pop()
        else:
            batches[-1] = np.concatenate([batches[-1], np.full(size - len(batches[-1]), -1)])
    if settings.shuffle:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return [
        Batch(rows, bucket_of(int(lengths[rows[rows >= 0]].max()), settings.buckets))
        for rows in batches
    ]


def _carry_remainders(batches: list[np.ndarray], size: int) -> list[np.ndarray]:
    """Only the last batch of the epoch may be short: merge the short tail of each pool."""
    full = [b for b in batches if len(b) == size]
    tail = [b for b in batches if len(b) < size]
    if not tail:
        return full
    rest = np.concatenate(tail)
    return full + [rest[i : i + size] for i in range(0, len(rest), size)]


def padding_fraction(tokens: np.ndarray, plan: list[Batch], width: int = 1) -> float:
    """Share of the padded token grid (rows x width x bucket length, over the plan) that is
    padding. `tokens`: real tokens per row; `width`: sequences per row (choices)."""
    real = sum(int(tokens[b.rows[b.rows >= 0]].sum()) for b in plan)
    total = sum(len(b.rows) * b.length for b in plan) * width
    return 1.0 - real / total if total else 0.0
