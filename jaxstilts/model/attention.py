"""Scaled dot-product attention over right-padded batches, one entry point for every backend.

Padding reaches the fused kernels as key sequence lengths (the number of real tokens per row),
the form both XLA's and cuDNN's `jax.nn.dot_product_attention` accept: cuDNN rejects a
[batch, 1, 1, length] key mask. Query rows are not cut: padded positions attend to the real keys
exactly as in transformers (their hidden states enter the span loss's softmax there and here).

Lengths describe a mask only when it is right-padded (ones, then zeros). `check_right_padded`
says so, with a clear error, wherever a mask is concrete (host batches, eager calls); inside a
compiled step the batches come from the data pipeline, which pads on the right.

| implementation | where                                   | attention-probability dropout      |
|----------------|-----------------------------------------|------------------------------------|
| cudnn          | GPU, bfloat16 (cuDNN's supported case)  | fused in the kernel (cuDNN's RNG)  |
| xla            | CPU, TPU, GPU float32                   | spelled-out softmax, then dropout  |
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from jaxstilts.model.config import ATTENTION_IMPLS


def choose_implementation(requested: str, dtype: str, backend: str | None = None) -> str:
    """`auto` resolves to cuDNN's fused kernel on GPU in bfloat16, XLA elsewhere (TPU, CPU, and
    float32 on GPU, which cuDNN's flash attention does not take)."""
    if requested != "auto":
        return requested
    backend = backend or jax.default_backend()
    return "cudnn" if backend == "gpu" and dtype == "bfloat16" else "xla"


def check_right_padded(mask, where: str = "attention_mask") -> None:
    """Raise ValueError unless every row of `mask` [..., length] is ones then zeros."""
    m = np.asarray(mask) != 0
    starts_again = m[..., 1:] & ~m[..., :-1]  # a real token right after padding
    if starts_again.any():
        row = np.unravel_index(int(np.argmax(starts_again.any(-1))), starts_again.shape[:-1])
        raise ValueError(
            f"{where}: row {tuple(int(i) for i in row)} is not right-padded (a real token "
            f"follows padding); attention takes padding as per-row lengths, so pad on the right")


def key_lengths(mask: jax.Array) -> jax.Array:
    """Real tokens per row, int32 [batch], at least 1 (an all-padding row attends to its first
    position instead of dividing by zero; such rows carry no loss or prediction)."""
    return jnp.maximum(jnp.sum(mask != 0, axis=-1, dtype=jnp.int32), 1)


def attention(q: jax.Array, k: jax.Array, v: jax.Array, lengths: jax.Array, *,
              implementation: str, dropout_rate: float = 0.0,
              dropout: Callable[[jax.Array], jax.Array] | None = None,
              precision: jax.lax.Precision | None = None, cudnn_seed: int = 0) -> jax.Array:
    """softmax(q·kᵀ/√d over the first `lengths[b]` keys)·v for q, k, v [batch, length, heads, d].

    With `dropout_rate` > 0 (training), cuDNN drops attention probabilities inside its kernel
    (masks from its own Philox counter, seeded by `cudnn_seed`, advancing every execution);
    XLA spells the softmax out and applies `dropout` to the probabilities.
    """
    if implementation not in ATTENTION_IMPLS[1:]:
        raise ValueError(f"attention implementation {implementation!r}; expected one of "
                         f"{ATTENTION_IMPLS[1:]}")
    if implementation == "cudnn" and dropout_rate > 0.0:
        # jax.nn's entry point takes no dropout rate; its cuDNN module (private) does.
        from jax._src.cudnn.fused_attention_stablehlo import MaskType
        from jax._src.cudnn.fused_attention_stablehlo import dot_product_attention as cudnn

        full = jnp.full(lengths.shape, q.shape[1], jnp.int32)
        return cudnn(q, k, v, q_seqlen=full, kv_seqlen=lengths, scale=1.0 / np.sqrt(q.shape[-1]),
                     mask_type=MaskType.PADDING, seed=cudnn_seed, dropout_rate=dropout_rate)
    if implementation == "cudnn" or dropout_rate == 0.0:
        # XLA's attention takes no precision argument: its products follow the context.
        within = (contextlib.nullcontext() if precision is None or implementation == "cudnn"
                  else jax.default_matmul_precision(precision.name.lower()))
        with within:
            return jax.nn.dot_product_attention(q, k, v, key_value_seq_lengths=lengths,
                                                implementation=implementation)
    return spelled_out(q, k, v, lengths, dropout=dropout, precision=precision)


def spelled_out(q: jax.Array, k: jax.Array, v: jax.Array, lengths: jax.Array, *,
                dropout: Callable[[jax.Array], jax.Array] | None = None,
                precision: jax.lax.Precision | None = None) -> jax.Array:
    """The reference computation: float32 logits and softmax, keys past `lengths` masked."""
    scale = 1.0 / np.sqrt(q.shape[-1])
    logits = jnp.einsum("btnh,bsnh->bnts", q, k, precision=precision,
                        preferred_element_type=jnp.float32) * scale
    real = jnp.arange(k.shape[1])[None, :] < lengths[:, None]  # [batch, keys]
    logits = jnp.where(real[:, None, None, :], logits, jnp.finfo(jnp.float32).min)
    probs = jax.nn.softmax(logits, axis=-1)
    if dropout is not None:
        probs = dropout(probs)
    return jnp.einsum("bnts,bsnh->btnh", probs.astype(v.dtype), v, precision=precision)
