"""XLM-R with one task head: what `load_pretrained` returns and what a single-task phase trains."""

from __future__ import annotations

import jax
from flax import nnx

from jaxstilts.model.config import XLMRConfig
from jaxstilts.model.heads import default_retrieval_layer, make_head
from jaxstilts.model.xlmr import XLMREncoder, mean_pool


class XLMRModel(nnx.Module):
    """The encoder plus an optional head (`None` returns the last hidden states).

    `head` is one of heads.HEAD_KINDS. Multiple-choice inputs are [batch, choices, length].
    """

    def __init__(self, config: XLMRConfig, head: str | None = None, *,
                 num_labels: int | None = None, retrieval_layer: int | None = None,
                 rngs: nnx.Rngs):
        self.config = config
        self.head_kind = head
        self.num_labels = num_labels
        self.retrieval_layer = retrieval_layer or default_retrieval_layer(config)
        if not 1 <= self.retrieval_layer <= config.num_hidden_layers:
            raise ValueError(f"retrieval_layer {self.retrieval_layer} is outside 1.."
                             f"{config.num_hidden_layers}")
        self.encoder = XLMREncoder(config, rngs)
        self.head = make_head(head, config, rngs, num_labels) if head else None

    def __call__(self, input_ids: jax.Array, attention_mask: jax.Array,
                 deterministic: bool = True, rngs: nnx.Rngs | None = None):
        if self.head_kind == "retrieval":
            return self.encode(input_ids, attention_mask)
        return apply_head(self.encoder, self.head, self.head_kind, input_ids, attention_mask,
                          deterministic, rngs)

    def encode(self, input_ids: jax.Array, attention_mask: jax.Array,
               layer: int | None = None) -> jax.Array:
        """Mean over real tokens of layer `layer`'s hidden states (default: the retrieval layer).

        Layer 0 is the embedding output, layer k the output of the k-th transformer layer.
        """
        layer = self.retrieval_layer if layer is None else layer
        if not 0 <= layer <= self.config.num_hidden_layers:
            raise ValueError(f"layer {layer} is outside 0..{self.config.num_hidden_layers}")
        out = self.encoder(input_ids, attention_mask, num_layers=layer)
        return mean_pool(out.last_hidden_state, attention_mask)


def apply_head(encoder: XLMREncoder, head, kind: str | None, input_ids, attention_mask,
               deterministic: bool = True, rngs: nnx.Rngs | None = None):
    """Encoder then head; shared by the single-task model and the multi-task one."""
    pairs = kind == "dual_encoder" and input_ids.ndim == 3  # training: (query, candidate) rows
    if kind == "multiple_choice" or pairs:
        batch, choices, length = input_ids.shape
        input_ids = input_ids.reshape(batch * choices, length)
        attention_mask = attention_mask.reshape(batch * choices, length)
    hidden = encoder(input_ids, attention_mask, deterministic=deterministic,
                     rngs=rngs).last_hidden_state
    if head is None:
        return hidden
    if kind == "mlm":
        return head(hidden, attention_mask, deterministic, rngs,
                    word_embeddings=encoder.embeddings.word[...])
    out = head(hidden, attention_mask, deterministic, rngs)
    if kind == "multiple_choice":
        out = out.reshape(batch, choices)
    if pairs:
        out = head.logits(out.reshape(batch, choices, -1))
    return out


class MultiTaskModel(nnx.Module):
    """One shared encoder, one head per task: `heads` maps task name -> (kind, num_labels).

    Tasks that share a head (ANLI+'s five NLI datasets) share one name here. Retrieval tasks
    need no head and are served by `encode`.
    """

    def __init__(self, config: XLMRConfig, heads: dict[str, tuple[str, int | None]], *,
                 rngs: nnx.Rngs):
        self.config = config
        self.head_kinds = tuple(sorted((name, kind) for name, (kind, _) in heads.items()))
        self.encoder = XLMREncoder(config, rngs)
        self.heads = nnx.Dict({name: make_head(kind, config, rngs, n)
                               for name, (kind, n) in heads.items() if kind != "retrieval"})

    @property
    def kinds(self) -> dict[str, str]:
        """Task name -> head kind (stored as a tuple so the graph definition stays hashable)."""
        return dict(self.head_kinds)

    def __call__(self, task: str, input_ids: jax.Array, attention_mask: jax.Array,
                 deterministic: bool = True, rngs: nnx.Rngs | None = None):
        if task not in self.kinds:
            raise KeyError(f"no head for task {task!r}; heads: {sorted(self.kinds)}")
        return apply_head(self.encoder, self.heads[task], self.kinds[task], input_ids,
                          attention_mask, deterministic, rngs)

    def encode(self, input_ids: jax.Array, attention_mask: jax.Array, layer: int) -> jax.Array:
        out = self.encoder(input_ids, attention_mask, num_layers=layer)
        return mean_pool(out.last_hidden_state, attention_mask)
