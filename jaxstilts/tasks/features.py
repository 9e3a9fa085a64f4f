"""Featurized sets: cached unpadded ids, padded on demand into the fixed-shape batch contract.

`Features.collate` pads a batch to any length from the bucket set, `Features.arrays` gives the
whole set at the task's max length. Batch keys: `input_ids`, `attention_mask` ([N, L], or
[N, C, L] for multiple choice, [N, 2, L] for retrieval pairs; all int32, no token_type_ids --
XLM-R has one token type), the
kind's gold columns (`Kind.targets`), `example_index` (row of `Features.examples`) and
`feature_index`. The featurizers that build them are in `featurize.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import datasets
import numpy as np
import pyarrow as pa

from jaxstilts.kinds import IGNORE, Kind
from jaxstilts.tasks.base import Task
from jaxstilts.tasks.problems import LoadReport
from jaxstilts.tasks.sources import Examples


@dataclass(frozen=True)
class FeaturizeConfig:
    """Featurizer settings. `max_length` None: the task's (256 / 384 QA / 512 retrieval).

    align_answers (span extraction): split a token that straddles a gold answer boundary so the
    gold span is exactly the answer text (matters for CJK/Thai, where tokens cross word edges).
    None: on for the train split only, so evaluation inputs never depend on the gold answers.
    """

    max_length: int | None = None
    doc_stride: int = 128
    max_query_length: int = 64
    align_answers: bool | None = None


class Ragged:
    """Variable-length int rows stored flat (values + offsets), read straight from Arrow."""

    def __init__(self, values: np.ndarray, offsets: np.ndarray):
        self.values, self.offsets = values, offsets

    @classmethod
    def from_arrow(cls, column: pa.ChunkedArray | pa.Array, nested: bool = False) -> Ragged:
        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if nested:  # list<list<int>>: flatten the outer level (rows x choices)
            outer = array.offsets.to_numpy()
            array = array.values.slice(outer[0], outer[-1] - outer[0])
        offsets = array.offsets.to_numpy()
        values = array.values.to_numpy(zero_copy_only=False)
        return cls(values, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]


class Features:
    """A featurized split: cached unpadded ids (`dataset`), host metadata, and the examples.

    Columns of `dataset`: the contract's ids/labels unpadded, `example_index`, `language`, and per
    kind: span extraction `example_id`, `offset_mapping` ([start, end] per input position, -1 off
    the context) and `context_mask`; tagging `word_ids` (word index at each word's first
    sub-word, -1 elsewhere); retrieval `id` and `side`.
    """

    def __init__(
        self,
        examples: Examples,
        dataset: datasets.Dataset,
        max_length: int,
        pad_id: int,
        labels: tuple[str, ...] | None,
        config: FeaturizeConfig,
    ):
        self.examples, self.dataset = examples, dataset
        self.task, self.kind = examples.task, examples.task.kind
        self.max_length, self.pad_id, self.labels, self.config = max_length, pad_id, labels, config
        table = dataset.flatten_indices().data if dataset._indices is not None else dataset.data
        nested = self.kind in (Kind.MULTIPLE_CHOICE, Kind.RETRIEVAL_PAIRS)
        self._ids = Ragged.from_arrow(table.column("input_ids"), nested=nested)
        self._tags = (
            Ragged.from_arrow(table.column("labels")) if self.kind == Kind.TAGGING else None
        )
        scalar = tuple(t for t in self.kind.targets if t != "labels")  # labels: per token
        self._scalars = {
            name: table.column(name).to_numpy().astype(np.int32)
            for name in scalar + ("example_index",)
        }
        self.num_choices = {Kind.MULTIPLE_CHOICE: self.task.num_choices,
                            Kind.RETRIEVAL_PAIRS: 2}.get(self.kind)  # query, candidate

    def __len__(self) -> int:
        return len(self.dataset)

    def lengths(self) -> np.ndarray:
        """Tokens per row (for multiple choice, the longest choice)."""
        lengths = self._ids.lengths()
        if self.num_choices:
            lengths = lengths.reshape(-1, self.num_choices).max(axis=1)
        return lengths

    def token_counts(self) -> np.ndarray:
        """Real tokens per row (for multiple choice, summed over the choices)."""
        lengths = self._ids.lengths()
        if self.num_choices:
            lengths = lengths.reshape(-1, self.num_choices).sum(axis=1)
        return lengths

    def collate(self, indices: Sequence[int] | np.ndarray, length: int) -> dict[str, np.ndarray]:
        """Rows `indices` padded to `length` tokens: the batch contract plus index columns."""
        indices = np.asarray(indices, dtype=np.int64)
        n = len(indices)
        if self.num_choices:
            rows = (indices[:, None] * self.num_choices + np.arange(self.num_choices)).reshape(-1)
        else:
            rows = indices
        ids = np.full((len(rows), length), self.pad_id, dtype=np.int32)
        mask = np.zeros((len(rows), length), dtype=np.int32)
        tags = np.full((len(rows), length), IGNORE, dtype=np.int32) if self._tags else None
        for i, r in enumerate(rows):
            row = self._ids.row(r)
            if len(row) > length:
                raise ValueError(f"row {r} has {len(row)} tokens, more than the length {length}")
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
            if tags is not None:
                tags[i, : len(row)] = self._tags.row(r)
        if self.num_choices:
            ids = ids.reshape(n, self.num_choices, length)
            mask = mask.reshape(n, self.num_choices, length)
        batch = {"input_ids": ids, "attention_mask": mask}
        if tags is not None:
            batch["labels"] = tags
        for name, column in self._scalars.items():
            batch[name] = column[indices]
        batch["feature_index"] = indices.astype(np.int32)
        return batch

    def column(self, key: str) -> np.ndarray | list | None:
        """A host column of `dataset` (`language`, `label`, `offset_mapping`, `id`, ...), None
        if absent: per-token columns padded to `max_length` (the width of the evaluator's
        outputs), `language`/`label`/`example_index` as arrays, the rest as stored."""
        if key not in self.dataset.column_names:
            return None
        values = self.dataset[key]
        if key in _PER_TOKEN_FILL:
            return _pad_rows(values, self.max_length, _PER_TOKEN_FILL[key])
        return np.asarray(values) if key in ("language", "label", "example_index") else values

    def arrays(self, length: int | None = None) -> dict[str, np.ndarray]:
        """The whole set at `length` (default: the max length): the fixed-shape contract, plus
        `language` (strings) for multilingual sets."""
        batch = self.collate(np.arange(len(self)), length or self.max_length)
        batch["language"] = np.asarray(self.dataset["language"], dtype=str)
        return batch


_PER_TOKEN_FILL = {"labels": IGNORE, "word_ids": -1, "offset_mapping": -1, "context_mask": 0}


def _pad_rows(rows: Sequence, width: int, fill: int) -> np.ndarray:
    rows = [np.asarray(r) for r in rows]
    tail = rows[0].shape[1:] if rows else ()
    out = np.full((len(rows), width) + tail, fill, np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def features_from_ids(
    task: Task,
    columns: dict[str, list],
    max_length: int,
    *,
    examples: dict[str, list] | None = None,
    labels: tuple[str, ...] | None = None,
    pad_id: int = 1,
    split: str = "test",
) -> Features:
    """`Features` of `task` from token ids already made (`columns`: unpadded `input_ids`, per
    choice for multiple choice, plus the kind's columns and `language`), with `examples` as the
    example rows (default: one per feature row): synthetic sets for the throughput benchmark and
    the evaluator's tests, in the featurizers' own container."""
    n = len(columns["input_ids"])
    columns = {"example_index": list(range(n)), **columns}
    for name in task.kind.targets:  # gold the set does not have: 0 (never read by evaluation)
        if name not in columns:
            columns[name] = [0] * n
    rows = examples if examples is not None else {"language": list(columns["language"])}
    languages = tuple(dict.fromkeys(rows["language"]))
    digest = f"synthetic-{task.name}-{n}"
    loaded = Examples(task, split, languages, datasets.Dataset.from_dict(rows),
                      LoadReport(read=len(rows["language"]), kept=len(rows["language"])),
                      "synthetic", digest)
    dataset = datasets.Dataset.from_dict(columns)
    return Features(loaded, dataset, max_length, pad_id, labels, FeaturizeConfig(max_length))
