"""Before any compute: a config's names and values checked; JAX's multi-host runtime started."""

from __future__ import annotations

import logging

import jax
import ml_collections

from jaxstilts.config_schema import check_values
from jaxstilts.kinds import Kind
from jaxstilts.model.partitioning import make_mesh
from jaxstilts.tasks import get_task, target_recipe, task_from_config

log = logging.getLogger(__name__)


def validate_config(config: ml_collections.ConfigDict) -> None:
    """Check names and values before any compute: the schema's value checks, unknown tasks,
    impossible settings."""
    check_values(config)
    for spec in config.user_tasks:
        task_from_config(spec, register_task=True)
    for name in config.intermediate.tasks:
        task = get_task(name)
        if task.kind == Kind.RETRIEVAL:
            raise ValueError(f"intermediate.tasks: {name} is a retrieval task (no training data)")
    if config.target.task:
        target_recipe(config.target.task)  # the target and every task of its recipe exist


def setup_distributed(config: ml_collections.ConfigDict) -> None:
    """`jax.distributed.initialize` when configured; must run before JAX touches a device."""
    d = config.distributed
    if d.coordinator:
        jax.distributed.initialize(d.coordinator, d.num_processes,
                                   d.process_id if d.process_id >= 0 else None)
    elif d.auto:
        jax.distributed.initialize()


def mesh_of(config: ml_collections.ConfigDict):
    """The (data, fsdp, tensor) device mesh `config.mesh` asks for."""
    return make_mesh(config.mesh.data, config.mesh.fsdp, config.mesh.tensor)
