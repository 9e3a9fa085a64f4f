"""Vectorized prediction: every language of an eval set in one pass, one compiled function per kind.

Why this shape: evaluating language by language at a fixed padded length wastes most of the
compute on padding and pays Python overhead per language. Here the examples of all languages are
pooled and batched by the data package's one planner (`data.buckets.evaluation_plan`: a few fixed
lengths, fixed-size batches of the training loader's `Batch`, the last of a length padded with
-1 rows, collated as copies of a real row and masked out by `valid`), sharded over the mesh's
data-parallel axes, and the outputs scattered back to the original row order. A bucket count of
compiled shapes per head kind, whatever the number of languages.

The input is featurized examples, the tasks package's `Features` (the one container evaluation
reads: its `lengths()` plan the batches, its `collate` pads them, right-padded, into the batch
contract). Outputs are numpy arrays with one row per feature row, in row order:

| kind            | keys                                                                  |
|-----------------|-----------------------------------------------------------------------|
| classification  | label [N]; logits [N, K] if `return_logits`                          |
| multiple_choice | label [N]; logits [N, C] if `return_logits`                          |
| span            | start_logits, end_logits [N, W] float32, -inf where attention_mask=0 |
| tagging         | token_label [N, W] int32, -1 where attention_mask=0; logits (0 there)|
| retrieval       | vectors [N, D] float32: mean-pooled layer-`layer` hidden states, or   |
|                 | with `task` the unit vectors of that task's dual-encoder head         |

W is `Features.max_length`, so positions line up with the featurizer's offset mappings and label
arrays (`Features.column`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxstilts.data.buckets import EVAL_BUCKETS, Batch, evaluation_plan
from jaxstilts.kinds import head_kind
from jaxstilts.model.heads import default_retrieval_layer
from jaxstilts.model.partitioning import batch_sharding, place_params

if TYPE_CHECKING:  # the evaluator loads `datasets` only with the features it is given
    from jaxstilts.tasks.features import Features

__all__ = ["Predictor", "head_kind", "predict"]


# ----------------------------------------------------------------------------------- device side


def _run(model: nnx.Module, kind: str, task: str | None, layer: int, with_logits: bool,
         input_ids: jax.Array, attention_mask: jax.Array) -> dict[str, jax.Array]:
    """One batch through the model, reduced on the device to what the host needs."""
    if kind == "retrieval":  # a named head is a trained dual encoder's; else a mean-pooled layer
        vectors = (model(task, input_ids, attention_mask) if task
                   else model.encode(input_ids, attention_mask, layer))
        return {"vectors": vectors.astype(jnp.float32)}
    out = model(task, input_ids, attention_mask) if task else model(input_ids, attention_mask)
    if kind == "span":
        real = attention_mask != 0
        return {"start_logits": jnp.where(real, out.start, -jnp.inf),
                "end_logits": jnp.where(real, out.end, -jnp.inf)}
    result = {}
    if kind == "tagging":
        result["token_label"] = jnp.where(attention_mask != 0, out.argmax(-1), -1).astype(jnp.int32)
    else:
        result["label"] = out.argmax(-1).astype(jnp.int32)
    if with_logits:
        logits = out.astype(jnp.float32)
        if kind == "tagging":
            logits = jnp.where(attention_mask[..., None] != 0, logits, 0.0)
        result["logits"] = logits
    return result


_COMPILED: dict[tuple, Any] = {}


def _compiled(graphdef: nnx.GraphDef, kind: str, task: str | None, layer: int, with_logits: bool,
              mesh: Mesh | None):
    def forward(params, input_ids, attention_mask):
        model = nnx.merge(graphdef, params)
        return _run(model, kind, task, layer, with_logits, input_ids, attention_mask)

    out = NamedSharding(mesh, PartitionSpec()) if mesh is not None else None
    key = (graphdef, kind, task, layer, with_logits, mesh)
    try:
        hash(key)
    except TypeError:  # a graphdef with unhashable static attributes: compile per Predictor
        return jax.jit(forward, out_shardings=out)
    if key not in _COMPILED:
        _COMPILED[key] = jax.jit(forward, out_shardings=out)
    return _COMPILED[key]


def _mesh_of(params: Any) -> Mesh | None:
    """The mesh the parameters already live on, if they are sharded over several devices."""
    for leaf in jax.tree.leaves(params):
        sharding = getattr(leaf, "sharding", None)
        if isinstance(sharding, NamedSharding) and sharding.mesh.size > 1:
            return sharding.mesh
    return None


def _placed(params: Any, mesh: Mesh | None) -> bool:
    """Whether `params` is a pure dict already laid out on `mesh` (the pipeline and the trainer
    place parameters once, with `model.partitioning.place_params`)."""
    if mesh is None or not isinstance(params, dict):
        return False
    leaves = jax.tree.leaves(params)
    return bool(leaves) and all(
        isinstance(getattr(x, "sharding", None), NamedSharding) and x.sharding.mesh == mesh
        for x in leaves)


def data_parallel_size(mesh: Mesh | None) -> int:
    """How many ways a batch is split: the product of the mesh axes the batch rule uses."""
    if mesh is None:
        return 1
    axes = batch_sharding(mesh, 1).spec[0] or ()
    axes = (axes,) if isinstance(axes, str) else axes
    return math.prod(mesh.shape[a] for a in axes)


class Predictor:
    """A model ready to predict: parameters placed once, compiled functions reused per kind.

    `model` is an NNX module or `(graphdef, params)` (params an `nnx.State` or a pure dict, as the
    trainer holds them). `task` names the head of a `MultiTaskModel`; leave it None for a
    single-head `XLMRModel`. With `mesh` None, parameters already sharded over a mesh keep it.
    """

    def __init__(self, model: nnx.Module | tuple[nnx.GraphDef, Any], mesh: Mesh | None = None,
                 *, task: str | None = None):
        graphdef, params = model if isinstance(model, tuple) else nnx.split(model)
        self.task = task
        self.mesh = mesh if mesh is not None else _mesh_of(params)
        if not _placed(params, self.mesh):  # host values or an NNX state: place them here
            model = nnx.merge(graphdef, params)
            graphdef, state = nnx.split(model)
            params = (place_params(state, self.mesh) if self.mesh is not None
                      else nnx.to_pure_dict(state))
        self.graphdef, self.params = graphdef, params
        self._default_layer: int | None = None

    @property
    def default_layer(self) -> int:
        """The model's retrieval layer (its own setting, else the config's default)."""
        if self._default_layer is None:
            model = nnx.merge(self.graphdef, self.params)
            self._default_layer = (getattr(model, "retrieval_layer", None)
                                   or default_retrieval_layer(model.config))
        return self._default_layer

    def _put(self, array: np.ndarray) -> jax.Array:
        if self.mesh is None:
            return jnp.asarray(array)
        sharding = batch_sharding(self.mesh, array.ndim)
        return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])

    def __call__(self, features: Features, kind: str, batch_size: int = 32, *,
                 layer: int | None = None, return_logits: bool = False,
                 buckets: Sequence[int] = EVAL_BUCKETS, progress: bool = False
                 ) -> dict[str, np.ndarray]:
        """Outputs for every row of `features`, in row order (see the module docstring).

        `batch_size` is rounded up to a multiple of the mesh's data-parallel size; `progress`
        shows a bar with ETA over the batches.
        """
        kind = head_kind(kind)
        n, width = len(features), int(features.max_length)
        shards = data_parallel_size(self.mesh)
        batch_size = -(-batch_size // shards) * shards  # every shard gets the same rows
        layer = self.default_layer if layer is None else layer
        fn = _compiled(self.graphdef, kind, self.task, layer, return_logits, self.mesh)
        plan = evaluation_plan(features.lengths(), batch_size, buckets, limit=width)
        outputs: dict[str, np.ndarray] = {}
        pending: list[tuple[Batch, Any]] = []

        def drain(keep: int) -> None:
            while len(pending) > keep:
                batch, result = pending.pop(0)
                _scatter(outputs, jax.device_get(result), batch, n, width)

        if progress and jax.process_index() == 0:
            from tqdm.auto import tqdm

            plan = tqdm(plan, desc=f"predict ({kind})", unit="batch")
        for batch in plan:  # dispatch is asynchronous: collate the next batch while this one runs
            arrays = features.collate(batch.filled, batch.length)
            ids = self._put(np.asarray(arrays["input_ids"], np.int32))
            mask = self._put(np.asarray(arrays["attention_mask"], np.int32))
            pending.append((batch, fn(self.params, ids, mask)))
            drain(keep=2)
        drain(keep=0)
        if not outputs:  # an empty set: shapes from an abstract evaluation of one row
            outputs = _empty_outputs(fn, self.params, features, width)
        return outputs


_FILL = {"start_logits": -np.inf, "end_logits": -np.inf, "token_label": -1}
_PER_TOKEN = {"start_logits", "end_logits", "token_label"}


def _scatter(outputs: dict[str, np.ndarray], result: Mapping[str, np.ndarray], batch: Batch,
             n: int, width: int) -> None:
    valid = batch.valid
    rows = batch.rows[valid]
    for key, value in result.items():
        value = np.asarray(value)[valid]
        per_token = key in _PER_TOKEN or (key == "logits" and "token_label" in result)
        if key not in outputs:
            shape = (n, width) + value.shape[2:] if per_token else (n,) + value.shape[1:]
            outputs[key] = np.full(shape, _FILL.get(key, 0), value.dtype)
        if per_token:
            outputs[key][rows, :value.shape[1]] = value[:, :width]
        else:
            outputs[key][rows] = value


def _empty_outputs(fn, params, features: Features, width: int) -> dict[str, np.ndarray]:
    probe = features.collate(np.zeros(0, np.int64), width)
    spec = jax.ShapeDtypeStruct((1,) + tuple(np.shape(probe["input_ids"])[1:]), jnp.int32)
    abstract = jax.eval_shape(fn, params, spec, spec)
    return {k: np.zeros((0,) + v.shape[1:], v.dtype) for k, v in abstract.items()}


def predict(model: nnx.Module | tuple[nnx.GraphDef, Any], features: Features, kind: str,
            batch_size: int = 32, mesh: Mesh | None = None, *, task: str | None = None,
            layer: int | None = None, return_logits: bool = False,
            buckets: Sequence[int] = EVAL_BUCKETS, progress: bool = False) -> dict[str, np.ndarray]:
    """Predict every row of `features` with `model` (see `Predictor` and the module docstring)."""
    return Predictor(model, mesh, task=task)(features, kind, batch_size, layer=layer,
                                             return_logits=return_logits, buckets=buckets,
                                             progress=progress)


def split_by_language(outputs: Mapping[str, np.ndarray], languages: Sequence[str]
                      ) -> dict[str, dict[str, np.ndarray]]:
    """Outputs per language (languages in order of first appearance, rows in input order)."""
    languages = np.asarray(languages)
    order = dict.fromkeys(languages.tolist())
    return {lang: {k: np.asarray(v)[languages == lang] for k, v in outputs.items()}
            for lang in order}
