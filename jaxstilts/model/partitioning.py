"""Logical axis names -> device mesh: one rule table, as MaxText does it.

Every parameter carries `logical_axes` metadata (`vocab`, `embed`, `heads`, `kv`, `mlp`, and
`layers` for the scanned encoder's stacked parameters);
activations use `batch` and `length`. The rules map each logical name onto mesh axes
(`data`, `fsdp`, `tensor`). A dimension that a mesh axis does not divide stays replicated, so
odd test sizes and XLM-R's 250,002-row vocabulary work on any mesh.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import numpy as np
from flax import nnx
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec

MESH_AXES = ("data", "fsdp", "tensor")

RULES: tuple[tuple[str, str | tuple[str, ...] | None], ...] = (
    ("batch", ("data", "fsdp")),
    ("length", None),
    ("vocab", "tensor"),
    ("embed", "fsdp"),
    ("heads", "tensor"),
    ("kv", None),
    ("mlp", "tensor"),
    ("layers", None),  # the stacked layers of the scanned encoder: every device holds them all
)


def make_mesh(data: int = -1, fsdp: int = 1, tensor: int = 1,
              devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A (data, fsdp, tensor) mesh; one size may be -1 for "all the remaining devices"."""
    devices = list(devices if devices is not None else jax.devices())
    sizes = [data, fsdp, tensor]
    if sizes.count(-1) > 1:
        raise ValueError(f"mesh sizes {dict(zip(MESH_AXES, sizes))}: at most one may be -1")
    known = math.prod(s for s in sizes if s != -1)
    if -1 in sizes:
        if len(devices) % known:
            raise ValueError(f"mesh sizes {dict(zip(MESH_AXES, sizes))} do not divide "
                             f"{len(devices)} devices")
        sizes[sizes.index(-1)] = len(devices) // known
    if math.prod(sizes) > len(devices):
        raise ValueError(f"mesh sizes {dict(zip(MESH_AXES, sizes))} need {math.prod(sizes)} "
                         f"devices, {len(devices)} available")
    devices = devices[:math.prod(sizes)]  # explicit sizes may use fewer devices than exist
    return jax.make_mesh(tuple(sizes), MESH_AXES, axis_types=(AxisType.Auto,) * 3,
                         devices=devices)


def logical_to_spec(axes: Sequence[str | None], shape: Sequence[int], mesh: Mesh,
                    rules=RULES) -> PartitionSpec:
    """PartitionSpec for an array of `shape` whose dimensions have logical names `axes`."""
    table = dict(rules)
    used: set[str] = set()
    spec = []
    for name, size in zip(axes, shape):
        target = table.get(name) if name else None
        names = (target,) if isinstance(target, str) else tuple(target or ())
        names = tuple(n for n in names if n not in used and mesh.shape[n] > 1)
        if names and size % math.prod(mesh.shape[n] for n in names) == 0:
            used.update(names)
            spec.append(names[0] if len(names) == 1 else names)
        else:
            spec.append(None)
    return PartitionSpec(*spec)


def state_shardings(state: nnx.State, mesh: Mesh, rules=RULES):
    """NamedSharding for every array in an NNX state, from its `logical_axes` metadata."""

    def one(var):
        value = var.get_value() if isinstance(var, nnx.Variable) else var  # or abstract
        axes = var.get_metadata().get("logical_axes") if isinstance(var, nnx.Variable) else None
        shape = np.shape(value)
        axes = axes if axes is not None else (None,) * len(shape)
        return NamedSharding(mesh, logical_to_spec(axes, shape, mesh, rules))

    return jax.tree.map(one, state, is_leaf=lambda x: isinstance(x, nnx.Variable))


def param_shardings(params: nnx.State, mesh: Mesh, rules=RULES) -> dict:
    """Pure-dict shardings of an NNX parameter state, from its logical axis names."""
    return nnx.to_pure_dict(state_shardings(params, mesh, rules))


def place_params(params: nnx.State, mesh: Mesh, rules=RULES) -> dict:
    """Parameters as global arrays laid out on `mesh` by their logical axes: the one way the
    trainer, the pipeline's evaluation and the predictor place them (here, beside the rules, so
    evaluation places parameters without reaching up into training). Every process passes the same
    host values (a seeded init or loaded weights), so this works across hosts too; the arrays are
    new buffers (the training step may donate them without touching the caller's model)."""
    shardings = param_shardings(params, mesh, rules)
    values = jax.tree.map(np.asarray, nnx.to_pure_dict(params))
    return jax.tree.map(lambda v, s: jax.make_array_from_callback(v.shape, s, lambda i: v[i]),
                        values, shardings)


def batch_sharding(mesh: Mesh, ndim: int, rules=RULES) -> NamedSharding:
    """Batch arrays: the leading dimension split over the data-parallel axes."""
    lead = dict(rules)["batch"]
    lead = tuple(n for n in ((lead,) if isinstance(lead, str) else lead) if mesh.shape[n] > 1)
    return NamedSharding(mesh, PartitionSpec(lead or None, *([None] * (ndim - 1))))
