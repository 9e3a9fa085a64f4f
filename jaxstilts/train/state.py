"""The train state as a plain pytree, and where each of its arrays lives on the mesh.

The NNX model is split once: its graph definition stays on the host, its parameters (a pure dict
of float32 arrays) travel with the optimizer state through the jitted step and into checkpoints.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxstilts.model.partitioning import RULES, param_shardings, place_params


class TrainState(NamedTuple):
    step: jax.Array  # micro-steps taken (int32 scalar); dropout keys are folded from it
    params: dict
    opt_state: Any


def split_model(model: nnx.Module) -> tuple[nnx.GraphDef, nnx.State]:
    """Graph definition and parameter state; a model with non-parameter state is refused."""
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    if jax.tree.leaves(rest):
        raise ValueError("the model holds non-parameter state; the functional step expects none")
    return graphdef, params


def _keys(path) -> tuple:
    return tuple(getattr(k, "key", getattr(k, "name", getattr(k, "idx", k))) for k in path)


def train_state_shardings(tx: optax.GradientTransformation, params: dict, p_shardings: dict,
                          mesh: Mesh) -> TrainState:
    """Optimizer moments follow their parameters; counters are replicated.

    A moment is matched to the parameter whose path ends its own path (optax nests moments
    under its state tuples), so masked and partitioned optimizers work alike.
    """
    replicated = NamedSharding(mesh, PartitionSpec())
    by_path = {_keys(path): (s, tuple(np.shape(v))) for (path, s), (_, v) in zip(
        jax.tree_util.tree_flatten_with_path(p_shardings)[0],
        jax.tree_util.tree_flatten_with_path(params)[0])}

    def sharding_of(path, leaf):
        keys = _keys(path)
        for i in range(len(keys)):
            hit = by_path.get(keys[i:])
            if hit and hit[1] == tuple(leaf.shape):
                return hit[0]
        return replicated

    abstract_opt = jax.eval_shape(tx.init, params)
    opt = jax.tree_util.tree_map_with_path(sharding_of, abstract_opt)
    return TrainState(replicated, p_shardings, opt)


def create_train_state(model: nnx.Module, tx: optax.GradientTransformation, mesh: Mesh,
                       rules=RULES) -> tuple[nnx.GraphDef, TrainState, TrainState]:
    """(graphdef, state placed on the mesh, the state's shardings)."""
    graphdef, params_state = split_model(model)
    p_shard = param_shardings(params_state, mesh, rules)
    params = place_params(params_state, mesh, rules)
    shardings = train_state_shardings(tx, params, p_shard, mesh)
    opt_state = jax.jit(tx.init, out_shardings=shardings.opt_state)(params)
    step = jax.device_put(jnp.zeros((), jnp.int32), shardings.step)
    return graphdef, TrainState(step, params, opt_state), shardings


def abstract_like(state: TrainState, shardings: TrainState) -> TrainState:
    """Shape, dtype and sharding of every array: the target for a checkpoint restore."""
    return jax.tree.map(lambda x, s: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=s),
                        state, shardings)
