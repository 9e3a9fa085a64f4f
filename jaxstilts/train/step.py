"""Pure train and eval steps: `train_step(state, batch) -> (state, metrics)` under `jax.jit`.

One compiled step per task (the head is static); the state is donated; dropout keys are folded
from the step counter, so a resumed run draws the same masks as an uninterrupted one. The
dropout seed is an argument, not a constant, so runs that differ only in their seed compile to
the same program (and hit the persistent compilation cache).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxstilts.kinds import IGNORE
from jaxstilts.model.partitioning import batch_sharding
from jaxstilts.train.state import TrainState


def _weighted_mean(values: jax.Array, weights: jax.Array) -> jax.Array:
    return (values * weights).sum() / jnp.maximum(weights.sum(), 1.0)


def _row_weights(batch: dict, n: int) -> jax.Array:
    return batch["valid"].astype(jnp.float32) if "valid" in batch else jnp.ones((n,), jnp.float32)


def loss_and_metrics(kind: str, out, batch: dict) -> tuple[jax.Array, dict]:
    """Cross-entropy for each head kind, and an accuracy computed on the device.

    classification and multiple choice: `label` [batch]; span: `start_positions` and
    `end_positions` [batch] (accuracy = both ends right); tagging and MLM: `labels`
    [batch, length] with IGNORE where no label applies; dual encoder: logits [batch, batch] of
    the queries against the batch's candidates, the gold of row i being candidate i (XTREME-R's
    in-batch softmax; padding rows are no one's negatives).
    """
    ce = optax.softmax_cross_entropy_with_integer_labels
    if kind in ("classification", "multiple_choice"):
        w = _row_weights(batch, out.shape[0])
        loss = _weighted_mean(ce(out, batch["label"]), w)
        acc = _weighted_mean((out.argmax(-1) == batch["label"]).astype(jnp.float32), w)
        return loss, {"loss": loss, "accuracy": acc, "count": w.sum()}
    if kind == "span":
        s, e = batch["start_positions"], batch["end_positions"]
        w = _row_weights(batch, s.shape[0])
        loss = _weighted_mean((ce(out.start, s) + ce(out.end, e)) / 2, w)
        hit = (out.start.argmax(-1) == s) & (out.end.argmax(-1) == e)
        return loss, {"loss": loss, "accuracy": _weighted_mean(hit.astype(jnp.float32), w),
                      "count": w.sum()}
    if kind in ("tagging", "mlm"):
        labels = batch["labels"]
        w = (labels != IGNORE).astype(jnp.float32)
        if "valid" in batch:
            w = w * batch["valid"].astype(jnp.float32)[:, None]
        safe = jnp.where(labels == IGNORE, 0, labels)
        loss = _weighted_mean(ce(out, safe), w)
        acc = _weighted_mean((out.argmax(-1) == safe).astype(jnp.float32), w)
        return loss, {"loss": loss, "accuracy": acc, "count": w.sum()}
    if kind == "dual_encoder":
        w = _row_weights(batch, out.shape[0])
        logits = jnp.where(w[None, :] > 0, out, -1e9)
        gold = jnp.arange(out.shape[0])
        loss = _weighted_mean(ce(logits, gold), w)
        acc = _weighted_mean((logits.argmax(-1) == gold).astype(jnp.float32), w)
        return loss, {"loss": loss, "accuracy": acc, "count": w.sum()}
    raise ValueError(f"no training loss for head kind {kind!r}")


WORD = ("encoder", "embeddings", "word")


def with_leaf(tree: dict, path: tuple[str, ...], value):
    """A copy of nested dicts `tree` with `path` set to `value` (None removes it from autodiff)."""
    if len(path) == 1:
        return {**tree, path[0]: value}
    return {**tree, path[0]: with_leaf(tree[path[0]], path[1:], value)}


class Steps:
    """Compiled train and eval steps for each task of a model, over one mesh.

    With `frozen_embeddings` the word embedding is left out of differentiation altogether (its
    250k-row gradient is never formed) and passed through the update unchanged.
    """

    def __init__(self, graphdef: nnx.GraphDef, kinds: dict[str, str],
                 tx: optax.GradientTransformation, shardings: TrainState, mesh: Mesh,
                 dropout_seed: int = 0, frozen_embeddings: bool = False):
        self.graphdef, self.kinds, self.tx = graphdef, kinds, tx
        self.shardings, self.mesh = shardings, mesh
        self.frozen = frozen_embeddings
        # 32 bits, as `jax.random.key` folds a Python int without x64 (only its low bits vary)
        self._seed = np.uint32(dropout_seed % 2**32)
        self._train: dict[str, Callable] = {}
        self._eval: dict[str, Callable] = {}

    def _batch_shardings(self, batch: dict):
        return {k: batch_sharding(self.mesh, jnp.ndim(v)) for k, v in batch.items()}

    def train(self, task: str, state: TrainState, batch: dict) -> tuple[TrainState, dict]:
        if task not in self._train:
            self._train[task] = self._compile_train(task, batch)
        return self._train[task](state, batch, self._seed)

    def compile_train(self, task: str, state: TrainState, batch: dict
                      ) -> tuple[Callable[[TrainState, dict], tuple[TrainState, dict]], str]:
        """The train step compiled ahead of time, as `step(state, batch)`, and its HLO text:
        benchmarks time the compile alone and name profile ops from the HLO."""
        compiled = self.lower_train(task, state, batch).compile()
        seed = self._seed
        return (lambda state, batch: compiled(state, batch, seed)), compiled.as_text()

    def lower_train(self, task: str, state: TrainState, batch: dict) -> jax.stages.Lowered:
        """The train step lowered for `state` and `batch`, which may be abstract
        (ShapeDtypeStructs with shardings): `jaxstilts bench --aot` compiles it without
        materialising a parameter."""
        return self._compile_train(task, batch).lower(state, batch, self._seed)

    def evaluate(self, task: str, params: dict, batch: dict) -> dict:
        if task not in self._eval:
            self._eval[task] = jax.jit(self._eval_fn(task))
        return self._eval[task](params, batch)

    def _compile_train(self, task: str, batch: dict) -> Callable:
        graphdef, kind, tx = self.graphdef, self.kinds[task], self.tx
        frozen = self.frozen

        def train_step(state: TrainState, batch: dict, seed: jax.Array):
            key = jax.random.fold_in(jax.random.key(seed), state.step)
            word = state.params["encoder"]["embeddings"]["word"]

            def loss_fn(params):
                if frozen:
                    params = with_leaf(params, WORD, word)
                model = nnx.merge(graphdef, params)
                out = model(task, batch["input_ids"], batch["attention_mask"],
                            deterministic=False, rngs=nnx.Rngs(dropout=key))
                return loss_and_metrics(kind, out, batch)

            trainable = with_leaf(state.params, WORD, None) if frozen else state.params
            (_, metrics), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable)
            if frozen:  # the optimizer zeroes this update; XLA drops the zeros
                grads = with_leaf(grads, WORD, jnp.zeros_like(word))
            updates, opt_state = tx.update(grads, state.opt_state, state.params)
            params = optax.apply_updates(state.params, updates)
            if frozen:
                params = with_leaf(params, WORD, word)
            metrics["grad_norm"] = optax.global_norm(grads)
            return TrainState(state.step + 1, params, opt_state), metrics

        return jax.jit(train_step,
                       in_shardings=(self.shardings, self._batch_shardings(batch),
                                     NamedSharding(self.mesh, PartitionSpec())),
                       out_shardings=(self.shardings, None), donate_argnums=0)

    def _eval_fn(self, task: str) -> Callable:
        graphdef, kind = self.graphdef, self.kinds[task]

        def eval_step(params: dict, batch: dict) -> dict:
            model = nnx.merge(graphdef, params)
            out = model(task, batch["input_ids"], batch["attention_mask"])
            return loss_and_metrics(kind, out, batch)[1]

        return eval_step
