"""What a training phase reads: its tasks' training feeds, validation and the MLM feed."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import jax
import ml_collections
import numpy as np

from jaxstilts.config import ConfigError
from jaxstilts.data.arrays import ArraySource
from jaxstilts.data.mlm import MaskedSource
from jaxstilts.data.pipeline import BatchLoader, LoaderConfig
from jaxstilts.evaluate.validation import Validation, first_examples
from jaxstilts.evaluate.xtreme import scorer_of
from jaxstilts.tasks import demo_mlm_files, features_of, get_task
from jaxstilts.train.loop import TaskFeed

log = logging.getLogger(__name__)


def head_of(task_name: str, features) -> tuple[str, int | None]:
    """(head kind, labels) of the head that learns `task_name` (labels: classification and
    tagging only)."""
    kind = get_task(task_name).kind.head
    n = len(features.labels) if kind in ("classification", "tagging") else None
    return kind, n


def training_task(task_name: str) -> str:
    """The task whose English data trains a target (XNLI is trained on MNLI)."""
    return get_task(task_name).train_task or task_name


def validates(config: ml_collections.ConfigDict, phase: str, train_name: str) -> bool:
    """Whether `phase` validates while it trains on `train_name` (it has English validation)."""
    return bool(config[phase].validate_every) and (
        "en" in get_task(train_name).splits.get("validation", ()))


def _feed(config, features, phase, seed: int, validation=None) -> TaskFeed:
    shard = dict(shard_index=jax.process_index(), shard_count=jax.process_count())
    p = config[phase]
    if len(features) < p.batch_size:  # training drops the last partial batch: none would be left
        raise ConfigError(f"{phase}.batch_size={p.batch_size}: task {features.task.name} has "
                          f"only {len(features)} training rows; lower "
                          f"--config.{phase}.batch_size or give the task more data")
    loader = BatchLoader(features, LoaderConfig(batch_size=p.batch_size, train=True, seed=seed,
                                                num_epochs=None, **shard))
    return TaskFeed(features.task.kind.head, iter(loader), scorer=validation)


def _validation(config, phase: str, head: str, train_name: str, tokenizer, labels):
    """jiant's validation: the first `validation_examples` English validation examples in file
    order, scored with the task's metric (see `evaluate/validation.py`)."""
    p, task = config[phase], get_task(train_name)
    n = p.validation_examples
    features = features_of(_phase_data(config, phase), train_name, "validation", tokenizer,
                           "en", labels, transform=lambda examples: first_examples(examples, n))
    scorer = scorer_of(train_name, task.kind, task.metric)
    return Validation(head, features, scorer, task.metric, p.batch_size)


def _mlm_feed(config, tokenizer, seed: int) -> TaskFeed:
    """Continued multilingual MLM over plain-text files (one sentence per line)."""
    files = ({Path(f).stem: Path(f) for f in config.intermediate.mlm_files}
             or demo_mlm_files())
    lines = [ln.strip() for f in files.values() for ln in f.read_text("utf-8").splitlines()
             if ln.strip()]
    enc = tokenizer(lines, truncation=True, max_length=config.data.mlm_max_length,
                    padding="max_length", return_tensors="np")
    arrays = {"input_ids": enc["input_ids"].astype(np.int32),
              "attention_mask": enc["attention_mask"].astype(np.int32)}
    shard = (jax.process_index(), jax.process_count())
    source = ArraySource(arrays, config.intermediate.batch_size, seed, shard=shard)
    masked = MaskedSource(source, mask_id=tokenizer.mask_token_id, vocab_size=len(tokenizer),
                          special_ids=tuple(tokenizer.all_special_ids), seed=seed)
    return TaskFeed("mlm", masked)


def _phase_data(config, phase: str) -> ml_collections.ConfigDict:
    """The `data` section a phase reads its training data with: `<phase>.max_length` (when set)
    in place of `data.max_length`, so that one phase's length can vary alone."""
    if not config[phase].max_length:
        return config.data
    data = ml_collections.ConfigDict(config.data.to_dict())
    data.max_length = config[phase].max_length
    return data


def _phase_steps(p, sizes: dict[str, int], epochs: float | None = None) -> int:
    """`epochs` (a preparatory stage's length) in place of the phase's steps/epochs."""
    if p.steps and epochs is None:
        return p.steps
    epochs = p.epochs if epochs is None else epochs
    return max(1, math.ceil(epochs * sum(sizes.values()) / p.batch_size))
