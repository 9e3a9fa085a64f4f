"""Task heads on the encoder's hidden states, after jiant's (and Hugging Face's) XLM-R heads.

Every head takes the encoder output and the batch's attention mask and returns its logits:

| kind                  | input shape            | output                                   |
|-----------------------|------------------------|------------------------------------------|
| classification        | [batch, length]        | logits [batch, num_labels]               |
| multiple_choice       | [batch, choices, len]  | logits [batch, choices]                  |
| span                  | [batch, length]        | SpanLogits(start, end), each [batch, len]|
| tagging               | [batch, length]        | logits [batch, length, num_labels]       |
| mlm                   | [batch, length]        | logits [batch, length, vocab]            |
| retrieval             | [batch, length]        | mean-pooled layer-k vectors [batch, dim] |
| dual_encoder          | [batch, length]        | unit vectors [batch, dim]                |
|                       | [batch, 2, length]     | logits [batch, batch] (query, candidate) |
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from flax import nnx

from jaxstilts.model.config import XLMRConfig
from jaxstilts.model.xlmr import Dense, LayerNorm, dropout, matmul_precision, mean_pool, param

HEAD_KINDS = ("classification", "multiple_choice", "span", "tagging", "mlm", "retrieval",
              "dual_encoder")


class SpanLogits(NamedTuple):
    start: jax.Array
    end: jax.Array


class ClassificationHead(nnx.Module):
    """`<s>` → dropout → dense → tanh → dropout → projection (jiant's ClassificationHead).

    With num_labels=1 and one row per choice it is also the multiple-choice scorer; there its
    dense layer corresponds to HF's pooler and the projection to HF's `classifier`.
    """

    def __init__(self, config: XLMRConfig, num_labels: int, rngs: nnx.Rngs):
        d = config.hidden_size
        self.dense = Dense((d,), (d,), ("embed",), ("mlp",), config, rngs)
        self.out_proj = Dense((d,), (num_labels,), ("mlp",), (None,), config, rngs)
        self.rate, self.rng_impl = config.hidden_dropout_prob, config.dropout_rng

    def __call__(self, hidden, mask, deterministic=True, rngs=None):
        x = dropout(hidden[:, 0], self.rate, deterministic, rngs, self.rng_impl)
        x = jnp.tanh(self.dense(x))
        x = dropout(x, self.rate, deterministic, rngs, self.rng_impl)
        return self.out_proj(x).astype(jnp.float32)


class MultipleChoiceHead(ClassificationHead):
    """One score per choice; the encoder sees [batch × choices, length]."""

    def __init__(self, config: XLMRConfig, rngs: nnx.Rngs):
        super().__init__(config, 1, rngs)

    def __call__(self, hidden, mask, deterministic=True, rngs=None):
        return super().__call__(hidden, mask, deterministic, rngs)[:, 0]


class SpanHead(nnx.Module):
    """Start and end logits per token (a linear map to 2, as jiant and HF do)."""

    def __init__(self, config: XLMRConfig, rngs: nnx.Rngs):
        d = config.hidden_size
        self.qa_outputs = Dense((d,), (2,), ("embed",), (None,), config, rngs)

    def __call__(self, hidden, mask, deterministic=True, rngs=None):
        logits = self.qa_outputs(hidden).astype(jnp.float32)
        return SpanLogits(logits[..., 0], logits[..., 1])


class TaggingHead(nnx.Module):
    """dropout → linear per token."""

    def __init__(self, config: XLMRConfig, num_labels: int, rngs: nnx.Rngs):
        d = config.hidden_size
        self.classifier = Dense((d,), (num_labels,), ("embed",), (None,), config, rngs)
        self.rate, self.rng_impl = config.hidden_dropout_prob, config.dropout_rng

    def __call__(self, hidden, mask, deterministic=True, rngs=None):
        x = dropout(hidden, self.rate, deterministic, rngs, self.rng_impl)
        return self.classifier(x).astype(jnp.float32)


class MLMHead(nnx.Module):
    """dense → GELU → LayerNorm → the word embeddings, transposed (tied) + bias."""

    def __init__(self, config: XLMRConfig, rngs: nnx.Rngs):
        d = config.hidden_size
        self.dense = Dense((d,), (d,), ("embed",), ("mlp",), config, rngs)
        self.norm = LayerNorm(config, rngs)
        self.bias = param(rngs, (config.vocab_size,), ("vocab",), init="zeros")
        self.precision = matmul_precision(config)

    def __call__(self, hidden, mask, deterministic=True, rngs=None, *, word_embeddings):
        x = self.norm(jax.nn.gelu(self.dense(hidden), approximate=False))
        logits = jnp.einsum("btd,vd->btv", x, word_embeddings.astype(x.dtype),
                            precision=self.precision)
        return (logits + self.bias[...].astype(x.dtype)).astype(jnp.float32)


class DualEncoderHead(nnx.Module):
    """XTREME-R's retrieval dual encoder (third_party/bert.py `BertForRetrieval`): both towers
    share the encoder; a text's vector is its pooled `<s>` (dense → tanh, HF's pooler, fresh as
    XLM-R ships none), L2-normalized. Pair logits are cosines times a learned scale (initially
    100), each query scored against every candidate of the batch (XTREME-R's per-GPU batch; its
    gradient accumulation is `optim.accumulation_steps`)."""

    def __init__(self, config: XLMRConfig, rngs: nnx.Rngs):
        d = config.hidden_size
        self.dense = Dense((d,), (d,), ("embed",), ("mlp",), config, rngs)
        self.logit_scale = nnx.Param(jnp.full((1,), 100.0, jnp.float32), logical_axes=(None,))

    def __call__(self, hidden, mask, deterministic=True, rngs=None):
        x = jnp.tanh(self.dense(hidden[:, 0])).astype(jnp.float32)
        return x / jnp.maximum(jnp.linalg.norm(x, axis=-1, keepdims=True), 1e-12)

    def logits(self, vectors: jax.Array) -> jax.Array:
        """[batch, 2, dim] (query, candidate) -> [batch, batch]: query i against candidate j."""
        scores = jnp.einsum("qd,cd->qc", vectors[:, 0], vectors[:, 1],
                            precision=jax.lax.Precision.HIGHEST)
        return scores * self.logit_scale[...]


def make_head(kind: str, config: XLMRConfig, rngs: nnx.Rngs, num_labels: int | None = None):
    """Build the head of `kind`; classification and tagging need `num_labels`."""
    if kind in ("classification", "tagging"):
        if not num_labels or num_labels < 1:
            raise ValueError(f"head {kind!r} needs num_labels >= 1, got {num_labels!r}")
        cls = ClassificationHead if kind == "classification" else TaggingHead
        return cls(config, num_labels, rngs)
    if kind == "multiple_choice":
        return MultipleChoiceHead(config, rngs)
    if kind == "span":
        return SpanHead(config, rngs)
    if kind == "mlm":
        return MLMHead(config, rngs)
    if kind == "dual_encoder":
        return DualEncoderHead(config, rngs)
    if kind == "retrieval":
        return None  # no parameters: mean pooling of a chosen layer
    raise ValueError(f"unknown head kind {kind!r}; expected one of {HEAD_KINDS}")


def default_retrieval_layer(config: XLMRConfig) -> int:
    """Layer 14 of 24 for Large (the paper's choice), the same depth fraction otherwise."""
    return max(1, round(config.num_hidden_layers * 14 / 24))


__all__ = ["HEAD_KINDS", "SpanLogits", "make_head", "default_retrieval_layer", "mean_pool"]
