"""The XLM-R encoder in Flax NNX: post-LN transformer layers on RoBERTa-style embeddings.

Parameters are float32 and carry logical axis names (metadata `logical_axes`) that
`partitioning.py` maps onto a device mesh; activations run in `config.dtype`. Module and parameter
names follow Hugging Face's `XLMRobertaModel` closely enough that `hf.py` is a rename table.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from flax import nnx

from jaxstilts.model.attention import (
    attention,
    check_right_padded,
    choose_implementation,
    key_lengths,
)
from jaxstilts.model.config import XLMRConfig


def param(rngs: nnx.Rngs, shape: tuple[int, ...], axes: tuple[str | None, ...],
          init: str = "normal", std: float = 0.02) -> nnx.Param:
    """A float32 parameter with logical axis names; `init` is normal(std), zeros or ones."""
    if init == "normal":
        value = std * jax.random.normal(rngs.params(), shape, jnp.float32)
    elif init == "zeros":
        value = jnp.zeros(shape, jnp.float32)
    else:
        value = jnp.ones(shape, jnp.float32)
    return nnx.Param(value, logical_axes=axes)


def matmul_precision(config: XLMRConfig) -> jax.lax.Precision | None:
    """The precision of every matrix product: `auto` is HIGHEST for float32 compute (true float32
    on every backend, as PyTorch computes; GPUs otherwise use TF32, TPUs one bfloat16 pass) and
    the backend's default for bfloat16 compute."""
    name = config.matmul_precision
    if name == "auto":
        name = "highest" if config.dtype == "float32" else "default"
    return None if name == "default" else jax.lax.Precision[name.upper()]


class Dense(nnx.Module):
    """y = x·W + b over named input and output axes (W may be 3-D, e.g. [embed, heads, kv])."""

    def __init__(self, in_shape: tuple[int, ...], out_shape: tuple[int, ...],
                 in_axes: tuple[str | None, ...], out_axes: tuple[str | None, ...],
                 config: XLMRConfig, rngs: nnx.Rngs):
        self.kernel = param(rngs, in_shape + out_shape, in_axes + out_axes,
                            std=config.initializer_range)
        self.bias = param(rngs, out_shape, out_axes, init="zeros")
        self.n_in = len(in_shape)
        self.dtype = jnp.dtype(config.dtype)
        self.precision = matmul_precision(config)

    def __call__(self, x: jax.Array) -> jax.Array:
        kernel = self.kernel[...].astype(self.dtype)
        y = jnp.tensordot(x.astype(self.dtype), kernel, axes=self.n_in, precision=self.precision)
        return y + self.bias[...].astype(self.dtype)


class LayerNorm(nnx.Module):
    """LayerNorm computed in float32 whatever the compute dtype, as mixed-precision PyTorch does."""

    def __init__(self, config: XLMRConfig, rngs: nnx.Rngs):
        self.scale = param(rngs, (config.hidden_size,), ("embed",), init="ones")
        self.bias = param(rngs, (config.hidden_size,), ("embed",), init="zeros")
        self.eps = config.layer_norm_eps
        self.dtype = jnp.dtype(config.dtype)

    @jax.named_scope("layer_norm")
    def __call__(self, x: jax.Array) -> jax.Array:
        x = x.astype(jnp.float32)
        mean = x.mean(-1, keepdims=True)
        var = jnp.square(x - mean).mean(-1, keepdims=True)
        y = (x - mean) * jax.lax.rsqrt(var + self.eps) * self.scale[...] + self.bias[...]
        return y.astype(self.dtype)


@jax.named_scope("dropout")  # named scopes label the ops in `jaxstilts bench --profile`
def dropout(x: jax.Array, rate: float, deterministic: bool, rngs: nnx.Rngs | None,
            rng_impl: str = "threefry") -> jax.Array:
    """Inverted dropout. `rng_impl="rbg"` draws the mask with XLA's RngBitGenerator (Philox on
    GPU) from a key derived from the threefry stream: cheaper bits, the same keep rate, masks
    that depend on the backend (threefry's are the same everywhere)."""
    if deterministic or rate == 0.0:
        return x
    if rngs is None:
        raise ValueError("training mode (deterministic=False) needs `rngs` with a 'dropout' stream")
    key = rngs.dropout()
    if rng_impl == "rbg":
        key = jax.random.wrap_key_data(jax.random.bits(key, (4,), jnp.uint32), impl="rbg")
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0).astype(x.dtype)


def position_ids(input_ids: jax.Array, pad_token_id: int) -> jax.Array:
    """RoBERTa positions: real tokens count from pad_token_id + 1, padding keeps pad_token_id."""
    real = (input_ids != pad_token_id).astype(jnp.int32)
    return jnp.cumsum(real, axis=-1) * real + pad_token_id


class Embeddings(nnx.Module):
    def __init__(self, config: XLMRConfig, rngs: nnx.Rngs):
        std = config.initializer_range
        self.word = param(rngs, (config.vocab_size, config.hidden_size), ("vocab", "embed"),
                          std=std)
        self.position = param(rngs, (config.max_position_embeddings, config.hidden_size),
                              (None, "embed"), std=std)
        self.token_type = param(rngs, (config.type_vocab_size, config.hidden_size),
                                (None, "embed"), std=std)
        self.norm = LayerNorm(config, rngs)
        self.config = config

    @jax.named_scope("embeddings")
    def __call__(self, input_ids: jax.Array, deterministic: bool, rngs: nnx.Rngs | None):
        cfg = self.config
        pos = position_ids(input_ids, cfg.pad_token_id)
        x = (jnp.take(self.word[...], input_ids, axis=0)
             + jnp.take(self.position[...], pos, axis=0)
             + self.token_type[0])
        return dropout(self.norm(x), cfg.hidden_dropout_prob, deterministic, rngs,
                       cfg.dropout_rng)


class Layer(nnx.Module):
    """One post-LN transformer layer: x + attention → LN → x + FFN(GELU) → LN."""

    def __init__(self, config: XLMRConfig, rngs: nnx.Rngs):
        d, n, h, f = (config.hidden_size, config.num_attention_heads, config.head_dim,
                      config.intermediate_size)
        self.query = Dense((d,), (n, h), ("embed",), ("heads", "kv"), config, rngs)
        self.key = Dense((d,), (n, h), ("embed",), ("heads", "kv"), config, rngs)
        self.value = Dense((d,), (n, h), ("embed",), ("heads", "kv"), config, rngs)
        self.attention_out = Dense((n, h), (d,), ("heads", "kv"), ("embed",), config, rngs)
        self.attention_norm = LayerNorm(config, rngs)
        self.mlp_in = Dense((d,), (f,), ("embed",), ("mlp",), config, rngs)
        self.mlp_out = Dense((f,), (d,), ("mlp",), ("embed",), config, rngs)
        self.mlp_norm = LayerNorm(config, rngs)
        self.config = config

    @jax.named_scope("attention")
    def attend(self, x, lengths, deterministic, rngs, index: int):
        cfg = self.config
        q, k, v = self.query(x), self.key(x), self.value(x)  # [batch, length, heads, kv]
        rate = 0.0 if deterministic else cfg.attention_probs_dropout_prob
        drop = lambda probs: dropout(probs, rate, False, rngs, cfg.dropout_rng)
        return attention(q, k, v, lengths, dropout_rate=rate, dropout=drop,
                         implementation=choose_implementation(cfg.attention_impl, cfg.dtype),
                         precision=matmul_precision(cfg), cudnn_seed=index)

    def __call__(self, x, lengths, deterministic: bool = True, rngs: nnx.Rngs | None = None,
                 index: int = 0):
        """`lengths`: real tokens per row (right padding); `index` seeds cuDNN's dropout."""
        cfg = self.config
        a = self.attention_out(self.attend(x, lengths, deterministic, rngs, index))
        rate, impl = cfg.hidden_dropout_prob, cfg.dropout_rng
        x = self.attention_norm(x + dropout(a, rate, deterministic, rngs, impl))
        h = self.mlp_in(x)
        with jax.named_scope("gelu"):
            h = jax.nn.gelu(h, approximate=False)
        h = self.mlp_out(h)
        return self.mlp_norm(x + dropout(h, rate, deterministic, rngs, impl))


REMAT_POLICY = {
    "full": None,
    "dots": jax.checkpoint_policies.checkpoint_dots_with_no_batch_dims,
}


class EncoderOutput(NamedTuple):
    last_hidden_state: jax.Array  # [batch, length, hidden]
    hidden_states: tuple[jax.Array, ...] | None  # embeddings then every layer, when asked for


def stack_layers(layers: list[Layer]) -> Layer:
    """One `Layer` whose parameters are the given layers' stacked on a leading `layers` axis."""
    graphdef, _ = nnx.split(layers[0])
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *[nnx.state(lyr) for lyr in layers])
    for _, var in nnx.to_flat_state(stacked):
        var.set_metadata(logical_axes=("layers", *var.get_metadata()["logical_axes"]))
    return nnx.merge(graphdef, stacked)


def unstack_layers(stacked: Layer) -> list[Layer]:
    """The inverse of `stack_layers`: one `Layer` per slice of the leading axis."""
    graphdef, state = nnx.split(stacked)
    n = next(iter(nnx.to_flat_state(state)))[1][...].shape[0]
    out = []
    for i in range(n):
        one = jax.tree.map(lambda a, i=i: a[i], state)
        for _, var in nnx.to_flat_state(one):
            var.set_metadata(logical_axes=var.get_metadata()["logical_axes"][1:])
        out.append(nnx.merge(graphdef, one))
    return out


LAYOUTS = ("scanned", "unrolled")


def layer_layout(encoder_params) -> str:
    """`scanned` or `unrolled`: the layer layout of an encoder's parameter tree (a pure dict,
    or a checkpoint's tree metadata), told by the keys under `layers` (0, 1, … when unrolled)."""
    layers = encoder_params["layers"]
    return "unrolled" if all(str(k).isdigit() for k in layers) else "scanned"


def convert_layer_layout(encoder_params: dict, to: str) -> dict:
    """An encoder's pure-dict parameters in layout `to` (layers stacked or unstacked)."""
    if to not in LAYOUTS:
        raise ValueError(f"layer layout {to!r}; expected one of {LAYOUTS}")
    out = dict(encoder_params)
    if layer_layout(encoder_params) == to:
        return out
    layers = encoder_params["layers"]
    if to == "scanned":
        ordered = [layers[k] for k in sorted(layers, key=int)]
        out["layers"] = jax.tree.map(lambda *xs: jnp.stack(xs), *ordered)
    else:
        n = jax.tree.leaves(layers)[0].shape[0]
        out["layers"] = {i: jax.tree.map(lambda a, i=i: a[i], layers) for i in range(n)}
    return out


class XLMREncoder(nnx.Module):
    """Embeddings then `num_hidden_layers` layers, scanned or unrolled (`config.scan_layers`).

    Scanned, `layers` is one `Layer` whose parameters carry a leading `layers` axis and the
    forward pass is one `nnx.scan`: XLA compiles the layer once instead of 24 times. Unrolled,
    `layers` is a list of `Layer`s. Hugging Face names are per layer either way (`hf.py`).
    """

    def __init__(self, config: XLMRConfig, rngs: nnx.Rngs):
        self.config = config
        self.embeddings = Embeddings(config, rngs)
        layers = [Layer(config, rngs) for _ in range(config.num_hidden_layers)]
        self.layers = stack_layers(layers) if config.scan_layers else nnx.List(layers)

    def _run_layer(self, layer: Layer, x, lengths, deterministic, rngs, index: int):
        if self.config.remat == "none":
            return layer(x, lengths, deterministic, rngs, index)
        policy = REMAT_POLICY[self.config.remat]
        call = nnx.remat(lambda lyr, x, n, r: lyr(x, n, deterministic, r, index), policy=policy)
        return call(layer, x, lengths, rngs)

    def _scan(self, x, lengths, deterministic, rngs, num_layers: int, keep_states: bool):
        """The first `num_layers` stacked layers over `x` in one `nnx.scan`; each layer draws
        its dropout from its own key (split from one draw of `rngs`). cuDNN's in-kernel dropout
        gets one seed for the scanned body and relies on its Philox counter advancing between
        executions for per-layer masks (not yet checked on a GPU)."""
        graphdef, state = nnx.split(self.layers)
        if num_layers < self.config.num_hidden_layers:  # stop at layer k (retrieval)
            state = jax.tree.map(lambda a: a[:num_layers], state)
        training = not deterministic and rngs is not None
        keys = (jax.random.split(rngs.dropout(), num_layers) if training
                else jnp.zeros((num_layers,), jnp.uint32))

        def body(x, layer_state, key):
            layer = nnx.merge(graphdef, layer_state)
            layer_rngs = nnx.Rngs(dropout=key) if training else rngs
            y = self._run_layer(layer, x, lengths, deterministic, layer_rngs, 0)
            return y, (y if keep_states else None)

        scan = nnx.scan(body, in_axes=(nnx.Carry, 0, 0), out_axes=(nnx.Carry, 0))
        return scan(x, state, keys)

    def __call__(self, input_ids: jax.Array, attention_mask: jax.Array, *,
                 deterministic: bool = True, rngs: nnx.Rngs | None = None,
                 output_hidden_states: bool = False,
                 num_layers: int | None = None) -> EncoderOutput:
        """Run the first `num_layers` layers (all by default) over [batch, length] token ids.

        `attention_mask` must be right-padded (checked here when it is a concrete array).
        """
        try:  # a concrete mask (an eager call) is checked; a traced one comes from the data
            if getattr(attention_mask, "is_fully_addressable", True):
                check_right_padded(attention_mask)
        except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
            pass
        lengths = key_lengths(attention_mask)
        x = self.embeddings(input_ids, deterministic, rngs)
        n = self.config.num_hidden_layers if num_layers is None else num_layers
        if n == 0:
            return EncoderOutput(x, (x,) if output_hidden_states else None)
        if self.config.scan_layers:
            last, stacked = self._scan(x, lengths, deterministic, rngs, n, output_hidden_states)
            states = (x, *stacked) if output_hidden_states else None
            return EncoderOutput(last, states)
        states = [x]
        for index, layer in enumerate(list(self.layers)[:n]):
            x = self._run_layer(layer, x, lengths, deterministic, rngs, index)
            states.append(x)
        return EncoderOutput(x, tuple(states) if output_hidden_states else None)


def mean_pool(hidden: jax.Array, attention_mask: jax.Array) -> jax.Array:
    """Average of the hidden states of non-padding tokens, in float32."""
    m = attention_mask.astype(jnp.float32)[..., None]
    total = (hidden.astype(jnp.float32) * m).sum(-2)
    return total / jnp.maximum(m.sum(-2), 1.0)
