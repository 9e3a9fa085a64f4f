"""Examples -> token ids, per kind, cached, and padded into the fixed-shape batch contract.

The cache (a fingerprinted `datasets.map`) stores unpadded token ids; `Features.collate` pads a
batch to any length from the bucket set, and `Features.arrays` gives the whole set at the task's
max length. Batch keys, per kind (all int32, no token_type_ids -- XLM-R has one token type):

  pair classification: input_ids, attention_mask [N, L]; label [N]
  multiple choice:     input_ids, attention_mask [N, C, L]; label [N]
  span extraction:     input_ids, attention_mask [N, L]; start_positions, end_positions [N]
                       (0 = <s> when the answer is not in this window or there is none)
  tagging:             input_ids, attention_mask, labels [N, L] (-100 where ignored)
  retrieval:           input_ids, attention_mask [N, L]
  every kind:          example_index [N] (row of `Features.examples`), feature_index [N]

Pairs are encoded as XLM-R does: `<s> A </s></s> B </s>`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa

from jaxstilts.tasks.base import Kind
from jaxstilts.tasks.sources import Examples

log = logging.getLogger("jaxstilts.tasks")
FORMAT_VERSION = 1  # bump when the cached columns change
IGNORE = -100


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
        nested = self.kind == Kind.MULTIPLE_CHOICE
        self._ids = Ragged.from_arrow(table.column("input_ids"), nested=nested)
        self._tags = (
            Ragged.from_arrow(table.column("labels")) if self.kind == Kind.TAGGING else None
        )
        scalar = {
            Kind.PAIR_CLASSIFICATION: ("label",),
            Kind.MULTIPLE_CHOICE: ("label",),
            Kind.SPAN_EXTRACTION: ("start_positions", "end_positions"),
        }.get(self.kind, ())
        self._scalars = {
            name: table.column(name).to_numpy().astype(np.int32)
            for name in scalar + ("example_index",)
        }
        self.num_choices = self.task.num_choices if nested else None

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

    def arrays(self, length: int | None = None) -> dict[str, np.ndarray]:
        """The whole set at `length` (default: the max length): the fixed-shape contract, plus
        `language` (strings) for multilingual sets."""
        batch = self.collate(np.arange(len(self)), length or self.max_length)
        batch["language"] = np.asarray(self.dataset["language"], dtype=str)
        return batch


def featurize(
    examples: Examples,
    tokenizer: Any,
    config: FeaturizeConfig | None = None,
    *,
    labels: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
    num_proc: int | None = None,
) -> Features:
    """Tokenize `examples` once (cached under `cache_dir` by a fingerprint of the inputs, the
    tokenizer and the settings; `num_proc` worker processes) into `Features`.

    labels: the label set for open tag sets (CCG); defaults to the task's, else inferred from
    these examples (with a warning: pass the training split's labels to evaluation sets).
    """
    # Imported here: these modules build on this one (FeaturizeConfig, Features, IGNORE).
    from jaxstilts.tasks.spans import SpanEncoder
    from jaxstilts.tasks.tagging import TaggingEncoder

    config = config or FeaturizeConfig()
    task = examples.task
    max_length = config.max_length or task.max_length
    labels = tuple(labels) if labels is not None else task.labels
    if labels is None and task.kind in (Kind.PAIR_CLASSIFICATION, Kind.TAGGING):
        labels = infer_labels(examples)
        log.warning(
            "%s: no label set given, inferred %d labels from %s",
            task.name,
            len(labels),
            examples.split,
        )
    align = config.align_answers
    if align is None:
        align = examples.split == "train"
    encoder = {
        Kind.PAIR_CLASSIFICATION: lambda: PairEncoder(tokenizer, max_length, labels),
        Kind.MULTIPLE_CHOICE: lambda: ChoiceEncoder(tokenizer, max_length),
        Kind.SPAN_EXTRACTION: lambda: SpanEncoder(tokenizer, max_length, config, align),
        Kind.TAGGING: lambda: TaggingEncoder(tokenizer, max_length, labels),
        Kind.RETRIEVAL: lambda: RetrievalEncoder(tokenizer, max_length),
    }[task.kind]()
    key = _fingerprint(
        [
            FORMAT_VERSION,
            examples.fingerprint,
            tokenizer_fingerprint(tokenizer),
            dataclasses.astuple(config),
            max_length,
            labels,
            align,
        ]
    )
    kwargs: dict[str, Any] = {}
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        name = f"{task.name}-{examples.split}-{key}.arrow"
        kwargs = {"cache_file_name": str(Path(cache_dir) / name), "load_from_cache_file": True}
    else:
        kwargs = {"keep_in_memory": True}
    dataset = examples.rows.map(
        encoder,
        batched=True,
        with_indices=True,
        remove_columns=examples.rows.column_names,
        new_fingerprint=key,
        num_proc=num_proc if num_proc and num_proc > 1 else None,
        desc=f"featurize {task.name} {examples.split}",
        **kwargs,
    )
    return Features(examples, dataset, max_length, tokenizer.pad_token_id, labels, config)


def infer_labels(examples: Examples) -> tuple[str, ...]:
    """Sorted label set seen in `examples` (tags for tagging, labels for classification)."""
    if examples.task.kind == Kind.TAGGING:
        return tuple(sorted({t for tags in examples.rows["tags"] for t in tags}))
    return tuple(sorted(set(examples.rows["label"])))


_FINGERPRINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """Hash of what the tokenizer does (its serialized model and special ids), not its path."""
    try:
        return _FINGERPRINTS[tokenizer]
    except (KeyError, TypeError):
        pass
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        data = backend.to_str()
    else:
        data = json.dumps(sorted(tokenizer.get_vocab().items()))
    digest = _fingerprint([type(tokenizer).__name__, data, tokenizer.all_special_ids])
    try:
        _FINGERPRINTS[tokenizer] = digest
    except TypeError:
        pass
    return digest


def _fingerprint(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:24]


class PairEncoder:
    """One sentence or a pair -> ids; label name -> index."""

    def __init__(self, tokenizer: Any, max_length: int, labels: tuple[str, ...]):
        self.tokenizer, self.max_length = tokenizer, max_length
        self.label_ids = {name: i for i, name in enumerate(labels)}

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        text_b = batch["text_b"]
        pairs = [b is not None for b in text_b]
        if any(pairs) and not all(pairs):
            raise ValueError("a batch mixes single sentences and pairs")
        encoded = self.tokenizer(
            batch["text_a"],
            text_b if all(pairs) else None,
            truncation=True,
            max_length=self.max_length,
            add_special_tokens=True,
        )
        return {
            "input_ids": encoded["input_ids"],
            "label": [self.label_ids[label] for label in batch["label"]],
            "example_index": list(indices),
            "language": batch["language"],
        }


class ChoiceEncoder:
    """Context paired with each choice -> [C] id lists."""

    def __init__(self, tokenizer: Any, max_length: int):
        self.tokenizer, self.max_length = tokenizer, max_length

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        firsts = [
            c
            for c, choices in zip(batch["context"], batch["choices"], strict=True)
            for _ in choices
        ]
        seconds = [choice for choices in batch["choices"] for choice in choices]
        encoded = self.tokenizer(
            firsts, seconds, truncation=True, max_length=self.max_length, add_special_tokens=True
        )["input_ids"]
        grouped, at = [], 0
        for choices in batch["choices"]:
            grouped.append(encoded[at : at + len(choices)])
            at += len(choices)
        return {
            "input_ids": grouped,
            "label": batch["label"],
            "example_index": list(indices),
            "language": batch["language"],
        }


class RetrievalEncoder:
    """Each query or candidate (with its context as a second segment, if any) -> ids."""

    def __init__(self, tokenizer: Any, max_length: int):
        self.tokenizer, self.max_length = tokenizer, max_length

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        ids: list[list[int] | None] = [None] * len(indices)
        for has_pair in (False, True):
            rows = [i for i, b in enumerate(batch["text_b"]) if (b is not None) == has_pair]
            if not rows:
                continue
            encoded = self.tokenizer(
                [batch["text"][i] for i in rows],
                [batch["text_b"][i] for i in rows] if has_pair else None,
                truncation=True,
                max_length=self.max_length,
                add_special_tokens=True,
            )["input_ids"]
            for i, row in zip(rows, encoded, strict=True):
                ids[i] = row
        return {
            "input_ids": ids,
            "example_index": list(indices),
            "language": batch["language"],
            "id": batch["id"],
            "side": batch["side"],
        }
