"""Before any compute: a config's names and values checked; JAX's multi-host runtime started."""

from __future__ import annotations

import logging

import jax
import ml_collections

from jaxstilts.kinds import Kind
from jaxstilts.tasks import get_task, target_recipe, task_from_config

log = logging.getLogger(__name__)


def validate_config(config: ml_collections.ConfigDict) -> None:
    """Check names and values before any compute: unknown tasks, impossible settings."""
    for spec in config.user_tasks:
        task_from_config(spec, register_task=True)
    for name in config.intermediate.tasks:
        task = get_task(name)
        if task.kind == Kind.RETRIEVAL:
            raise ValueError(f"intermediate.tasks: {name} is a retrieval task (no training data)")
    if config.target.task:
        target_recipe(config.target.task)  # the target and every task of its recipe exist
    if config.target.prepare_epochs < 0:
        raise ValueError(f"target.prepare_epochs must be >= 0 (0: no preparatory stage), got "
                         f"{config.target.prepare_epochs}")
    if config.intermediate.mlm_rate and not config.intermediate.tasks:
        raise ValueError("intermediate.mlm_rate needs intermediate.tasks")
    for phase in ("intermediate", "target"):
        p = config[phase]
        if p.batch_size < 1:
            raise ValueError(f"{phase}.batch_size must be >= 1, got {p.batch_size}")
        if p.max_length < 0:
            raise ValueError(f"{phase}.max_length must be >= 0 (0: data.max_length), "
                             f"got {p.max_length}")
        if p.steps < 0 or p.epochs < 0 or (p.steps == 0 and p.epochs == 0):
            raise ValueError(f"{phase}: set steps > 0 or epochs > 0")
        for key in ("log_every", "checkpoint_every"):
            if p[key] < 1:
                raise ValueError(f"{phase}.{key} must be >= 1, got {p[key]}")
        if p.validate_every < 0:
            raise ValueError(f"{phase}.validate_every must be >= 0 (0: no validation), "
                             f"got {p.validate_every}")
        if p.train_examples < 0:
            raise ValueError(f"{phase}.train_examples must be >= 0 (0: all), "
                             f"got {p.train_examples}")
    if not config.model.pretrained and not config.model.preset:
        raise ValueError("model: set model.pretrained (HF folder or hub id) or model.preset")


def setup_distributed(config: ml_collections.ConfigDict) -> None:
    """`jax.distributed.initialize` when configured; must run before JAX touches a device."""
    d = config.distributed
    if d.coordinator:
        jax.distributed.initialize(d.coordinator, d.num_processes,
                                   d.process_id if d.process_id >= 0 else None)
    elif d.auto:
        jax.distributed.initialize()
