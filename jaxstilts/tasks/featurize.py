"""Examples -> token ids, per kind, cached (a fingerprinted `datasets.map` of unpadded ids).

Batch keys, per kind (all int32; see `features.py` for the padded batch contract):

  pair classification: input_ids, attention_mask [N, L]; label [N] (IGNORE: no gold)
  multiple choice:     input_ids, attention_mask [N, C, L]; label [N]
  span extraction:     input_ids, attention_mask [N, L]; start_positions, end_positions [N]
                       (0 = <s> when the answer is not in this window or there is none)
  tagging:             input_ids, attention_mask, labels [N, L] (IGNORE = -100 where ignored)
  retrieval:           input_ids, attention_mask [N, L]
  retrieval pairs:     input_ids, attention_mask [N, 2, L] (query, its candidate)
  every kind:          example_index [N] (row of `Features.examples`), feature_index [N]

Pairs are encoded as XLM-R does: `<s> A </s></s> B </s>`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jaxstilts.kinds import IGNORE, Kind
from jaxstilts.tasks.features import Features, FeaturizeConfig
from jaxstilts.tasks.registry import get_task
from jaxstilts.tasks.sources import Examples, load_examples
from jaxstilts.tasks.spans import SpanEncoder
from jaxstilts.tasks.tagging import TaggingEncoder

log = logging.getLogger("jaxstilts.tasks")
FORMAT_VERSION = 2  # bump when the cached columns change


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
        Kind.RETRIEVAL: lambda: RetrievalEncoder(tokenizer, max_length, task.query_max_length),
        Kind.RETRIEVAL_PAIRS: lambda: PairsEncoder(tokenizer, max_length, task.query_max_length),
    }[task.kind]()
    key = _fingerprint(
        [
            FORMAT_VERSION,
            examples.fingerprint,
            tokenizer_fingerprint(tokenizer),
            dataclasses.astuple(config),
            max_length,
            task.query_max_length,
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


def features_of(
    data: Any,
    task_name: str,
    split: str,
    tokenizer: Any,
    language: str | Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    transform: Callable[[Examples], Examples] | None = None,
) -> Features:
    """One split of a task, read and featurized as the experiment config's `data` section says
    (source, data_dir, skip_invalid, max_length, cache_dir). A task with no source of the
    configured provider (a user task with local files only) is read from its local files.
    `transform` changes the examples before featurizing (character noise)."""
    task = get_task(task_name)
    source = data.source if task.sources.of(data.source) else "local"
    examples = load_examples(task, split, language, source=source,
                             data_dir=data.data_dir or None, skip_invalid=data.skip_invalid)
    if labels is None and task.labels is None and task.kind == Kind.TAGGING:
        labels = tag_inventory(task, data, examples)
    if transform is not None:
        examples = transform(examples)
    return featurize(examples, tokenizer, FeaturizeConfig(max_length=data.max_length or None),
                     labels=labels, cache_dir=data.cache_dir or None)


# jiant's ccg_to_num.py numbers the tags of train, then test, then dev, in first-seen order.
INVENTORY_SPLITS = ("train", "test", "validation")


def tag_inventory(task: Any, data: Any, loaded: Examples | None = None) -> tuple[str, ...]:
    """A fixed tag set for an open tag set (CCG), the same whichever split is featurized: every
    tag of the task's English splits in first-seen order over train, test, dev (jiant's).
    `loaded`: a split already read (the one being featurized), not read again."""
    seen: dict[str, None] = {}
    source = data.source if task.sources.of(data.source) else "local"
    for split in INVENTORY_SPLITS:
        if split not in task.splits:
            continue
        language = task.splits[split][0]
        if loaded is not None and (loaded.split, loaded.languages) == (split, (language,)):
            examples = loaded
        else:
            try:
                examples = load_examples(task, split, language, source=source,
                                         data_dir=data.data_dir or None,
                                         skip_invalid=data.skip_invalid)
            except FileNotFoundError as e:  # a tag only that split has is then an error later
                log.warning("%s: tag inventory without the %s split (%s)", task.name, split, e)
                continue
        for tags in examples.rows["tags"]:
            seen.update(dict.fromkeys(tags))
    return tuple(seen)


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
            # no label: a test split whose labels download_data.sh removed (predicted only)
            "label": [IGNORE if label is None else self.label_ids[label]
                      for label in batch["label"]],
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
    """Each query or candidate (with its context as a second segment, if any) -> ids; queries
    are cut at `query_max_length` tokens when it is given, candidates at `max_length`."""

    def __init__(self, tokenizer: Any, max_length: int, query_max_length: int | None = None):
        self.tokenizer, self.max_length = tokenizer, max_length
        self.query_max_length = query_max_length or max_length

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        ids: list[list[int] | None] = [None] * len(indices)
        for has_pair, side in itertools.product((False, True), ("query", "candidate")):
            rows = [i for i, (b, s) in enumerate(zip(batch["text_b"], batch["side"], strict=True))
                    if (b is not None) == has_pair and s == side]
            if not rows:
                continue
            encoded = self.tokenizer(
                [batch["text"][i] for i in rows],
                [batch["text_b"][i] for i in rows] if has_pair else None,
                truncation=True,
                max_length=self.query_max_length if side == "query" else self.max_length,
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
            # BUCC mining embeds each distinct text once and drops repeated ones (XTREME)
            "text": batch["text"],
        }


class PairsEncoder:
    """Each (query, candidate) pair -> `[query ids, candidate ids]`, two separate sequences (a
    dual encoder embeds each alone); queries cut at `query_max_length`, candidates at
    `max_length`, as XTREME-R's `encode_plus` calls do."""

    def __init__(self, tokenizer: Any, max_length: int, query_max_length: int | None = None):
        self.tokenizer, self.max_length = tokenizer, max_length
        self.query_max_length = query_max_length or max_length

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        def ids(texts, length):
            return self.tokenizer(texts, truncation=True, max_length=length,
                                  add_special_tokens=True)["input_ids"]

        queries = ids(batch["query"], self.query_max_length)
        candidates = ids(batch["candidate"], self.max_length)
        return {
            "input_ids": [list(pair) for pair in zip(queries, candidates, strict=True)],
            "example_index": list(indices),
            "language": batch["language"],
        }
