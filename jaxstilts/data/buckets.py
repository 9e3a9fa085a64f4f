"""Batch plans: which rows form each batch, and at which of a few fixed lengths it is padded.

The one planner of training and evaluation (both hand out the same `Batch`). A plan is a pure
function of the row lengths and settings (and, training, the seed and epoch), so it can be
recomputed on restore instead of stored, and every host computes the same global plan and takes
its slice of each batch -- all hosts agree on the length of every step.

Training (`epoch_plan`): rows are shuffled, grouped into pools of `pool_batches` batches,
sorted by bucket inside a pool (so a batch holds rows padded to the same length), cut into
batches, and the batch order is shuffled again. Training sorts by bucket, not by exact length:
the padding is the same (a batch is padded to its bucket anyway), and rows of one bucket stay in
random order. Sorting by exact length made batches of one length, and where length goes with the
label (the demo's neutral pairs have odd lengths) batches of one label, which kept a tiny model
from learning at all.
The incomplete last batch is dropped (the next epoch reshuffles, so every row is seen).

Evaluation (`evaluation_plan`): every row exactly once, in order of length, longest first; each
row is padded to the smallest of `EVAL_BUCKETS` that fits, trimmed to the longest row of its
bucket rounded up to `LENGTH_MULTIPLE` (a few compiled shapes, little padding), and the last
batch of each length is filled with padding rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EVAL_BUCKETS = (32, 64, 128, 256, 512)
LENGTH_MULTIPLE = 8


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
    """A training plan's settings (rows are always shuffled, the short last batch dropped)."""

    batch_size: int  # global: rows per step over all hosts
    buckets: tuple[int, ...]
    seed: int
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
    """The training batches of one epoch, deterministic in (settings.seed, epoch)."""
    n, size = len(lengths), settings.batch_size
    rng = np.random.default_rng([settings.seed, epoch])
    order = rng.permutation(n)
    pool = size * settings.pool_batches
    key = np.searchsorted(settings.buckets, lengths)  # the bucket of each row
    batches = []
    for start in range(0, n, pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(key[chunk], kind="stable")]  # shuffled order kept in a bucket
        for b in range(0, len(chunk), size):
            batches.append(chunk[b : b + size])
    batches = _carry_remainders(batches, size)
    if batches and len(batches[-1]) < size:
        batches.pop()
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


def evaluation_lengths(lengths: np.ndarray, buckets: Sequence[int] = EVAL_BUCKETS,
                       multiple: int = LENGTH_MULTIPLE, limit: int | None = None) -> np.ndarray:
    """Each row's padded length: the smallest bucket that fits, trimmed to the longest row of
    that bucket rounded up to `multiple`, and never beyond `limit` (the features' width)."""
    lengths = np.maximum(np.asarray(lengths, np.int64), 1)
    edges = np.asarray(sorted(buckets), np.int64)
    slot = np.searchsorted(edges, lengths)  # beyond the last bucket: the "max" bucket
    out = np.empty_like(lengths)
    for s in np.unique(slot):
        members = slot == s
        longest = int(lengths[members].max())
        padded = -(-longest // multiple) * multiple
        if s < len(edges):
            padded = min(padded, int(edges[s]))
        out[members] = padded if limit is None else min(padded, max(limit, longest))
    return out


def evaluation_plan(lengths: np.ndarray, batch_size: int, buckets: Sequence[int] = EVAL_BUCKETS,
                    multiple: int = LENGTH_MULTIPLE, limit: int | None = None) -> list[Batch]:
    """Fixed-size batches covering every row once, grouped by padded length, longest first;
    the last batch of a length is padded with -1 rows."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    padded = evaluation_lengths(lengths, buckets, multiple, limit)
    batches = []
    for length in sorted(np.unique(padded).tolist(), reverse=True):
        members = np.flatnonzero(padded == length)
        members = members[np.argsort(-np.asarray(lengths)[members], kind="stable")]
        for start in range(0, len(members), batch_size):
            rows = members[start:start + batch_size]
            rows = np.concatenate([rows, np.full(batch_size - len(rows), -1)])
            batches.append(Batch(rows, int(length)))
    return batches
