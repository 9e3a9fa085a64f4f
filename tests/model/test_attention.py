"""Attention over right-padded batches (sequence lengths), its implementation choice, the
right-padding contract, matmul precision, and the dropout mask generators."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxstilts.model import XLMRConfig, XLMRModel, load_pretrained
from jaxstilts.model.attention import (
    attention,
    check_right_padded,
    choose_implementation,
    key_lengths,
    spelled_out,
)
from jaxstilts.model.xlmr import dropout

SMALL = XLMRConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                   intermediate_size=32, max_position_embeddings=20)
MASK = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]], np.int32)


def qkv(seed=0, batch=3, length=6, heads=2, dim=8):
    keys = jax.random.split(jax.random.key(seed), 3)
    return [jax.random.normal(k, (batch, length, heads, dim)) for k in keys]


def masked_softmax_attention(q, k, v, mask):
    """numpy, written out: logits over real keys only, float64."""
    q, k, v = (np.asarray(t, np.float64) for t in (q, k, v))
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    logits = np.where(mask[:, None, None, :] != 0, logits, -np.inf)
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", probs, v)


def test_lengths_count_real_tokens_and_an_empty_row_keeps_one():
    mask = np.concatenate([MASK, np.zeros((1, 6), np.int32)])
    np.testing.assert_array_equal(np.asarray(key_lengths(jnp.asarray(mask))), [6, 3, 1, 1])


def test_xla_attention_with_sequence_lengths_equals_masked_softmax():
    q, k, v = qkv()
    want = masked_softmax_attention(q, k, v, MASK)
    lengths = key_lengths(jnp.asarray(MASK))
    fused = attention(q, k, v, lengths, implementation="xla")
    written = spelled_out(q, k, v, lengths)
    # Padded query rows are computed too (they attend to the real keys), as in transformers.
    np.testing.assert_allclose(np.asarray(fused), want, atol=1e-5, rtol=0)
    np.testing.assert_allclose(np.asarray(written), want, atol=1e-5, rtol=0)


def test_gradients_of_fused_and_spelled_out_attention_agree():
    q, k, v = qkv(1)
    lengths = key_lengths(jnp.asarray(MASK))
    loss = lambda f: lambda *t: (f(*t, lengths) ** 2).sum()
    fused = jax.grad(loss(lambda *a: attention(*a, implementation="xla")), (0, 1, 2))(q, k, v)
    written = jax.grad(loss(spelled_out), (0, 1, 2))(q, k, v)
    for a, b in zip(fused, written):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5, rtol=0)


def test_attention_dropout_drops_probabilities_and_rescales_the_rest():
    q, k, v = qkv(2, batch=1, length=6)
    v = jnp.ones_like(v)  # every output is then the sum of the kept, rescaled probabilities
    lengths = jnp.array([6], jnp.int32)
    rngs = nnx.Rngs(dropout=3)
    drop = lambda p: dropout(p, 0.5, False, rngs)
    out = np.asarray(attention(q, k, v, lengths, implementation="xla", dropout_rate=0.5,
                               dropout=drop))
    assert not np.allclose(out, 1.0)  # some probabilities dropped, others doubled
    assert 0.5 < out.mean() < 1.5  # unbiased on average


def test_auto_picks_cudnn_only_on_gpu_in_bfloat16():
    assert choose_implementation("auto", "bfloat16", "gpu") == "cudnn"
    assert choose_implementation("auto", "float32", "gpu") == "xla"
    assert choose_implementation("auto", "bfloat16", "tpu") == "xla"
    assert choose_implementation("auto", "bfloat16", "cpu") == "xla"
    assert choose_implementation("xla", "bfloat16", "gpu") == "xla"
    with pytest.raises(ValueError, match="attention implementation 'flash'"):
        attention(*qkv(), key_lengths(jnp.asarray(MASK)), implementation="flash")


@pytest.mark.parametrize("bad", [[[0, 0, 1, 1]], [[1, 0, 1, 0]]], ids=["left", "mid"])
def test_masks_that_are_not_right_padded_are_rejected(bad):
    with pytest.raises(ValueError, match=r"row \(0,\) is not right-padded"):
        check_right_padded(np.array(bad))
    model = XLMRModel(SMALL, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="not right-padded"):
        model(jnp.ones((1, 4), jnp.int32), jnp.asarray(bad))


def test_a_batch_with_an_all_padding_row_stays_finite(hf_checkpoint, text_batch):
    folder, _ = hf_checkpoint("classification")
    ids, mask = text_batch
    ids = np.concatenate([ids, np.ones_like(ids[:1])])
    mask = np.concatenate([mask, np.zeros_like(mask[:1])])
    model = load_pretrained(folder, "classification")
    out = np.asarray(model(jnp.asarray(ids), jnp.asarray(mask)))
    assert np.isfinite(out).all()


def dot_lines(config, train):
    """The StableHLO dot_general lines of a jitted MLM gradient (lowered, not compiled)."""
    model = XLMRModel(config, "mlm", rngs=nnx.Rngs(0))
    graph, params = nnx.split(model, nnx.Param)
    ids = jnp.ones((3, 6), jnp.int32)

    def loss(p):
        rngs = nnx.Rngs(dropout=0) if train else None
        return nnx.merge(graph, p)(ids, jnp.asarray(MASK), deterministic=not train,
                                   rngs=rngs).sum()

    text = jax.jit(jax.grad(loss)).lower(params).as_text()
    return [line for line in text.splitlines() if "dot_general" in line]


@pytest.mark.parametrize("train", [False, True], ids=["fused-attention", "dropout-attention"])
def test_float32_matmuls_carry_highest_precision(train):
    lines = dot_lines(SMALL, train)
    assert len(lines) > 20  # the layer's, attention's and the MLM head's, forward and backward
    assert all("precision = [HIGHEST, HIGHEST]" in line for line in lines), lines


def test_bfloat16_and_explicit_default_leave_the_backend_default():
    for config in (SMALL.replace(dtype="bfloat16"), SMALL.replace(matmul_precision="default")):
        lines = dot_lines(config, train=False)
        assert lines and not any("HIGHEST" in line for line in lines)
    with pytest.raises(ValueError, match="matmul_precision='fp64'"):
        SMALL.replace(matmul_precision="fp64")


def test_rbg_dropout_keeps_the_rate_and_follows_its_key():
    x = jnp.ones((200, 500))
    draw = lambda seed: np.asarray(dropout(x, 0.1, False, nnx.Rngs(dropout=seed), "rbg"))
    a, b, c = draw(0), draw(0), draw(1)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    kept = (a != 0).mean()
    assert abs(kept - 0.9) < 0.005  # 100k draws: 5 standard deviations
    np.testing.assert_allclose(a[a != 0], 1 / 0.9, rtol=1e-6)


def test_the_experiment_config_sets_the_matmul_precision():
    from jaxstilts.config import experiment_defaults
    from jaxstilts.experiment.model import model_config

    c = experiment_defaults()
    c.model.preset = "tiny"
    assert model_config(c).matmul_precision == "auto"
    c.model.matmul_precision = "default"
    assert model_config(c).matmul_precision == "default"


def test_left_padded_batches_stop_training_and_evaluation_with_the_row_named():
    from jaxstilts.evaluate.predict import predict
    from jaxstilts.model.partitioning import make_mesh
    from jaxstilts.train.loop import put_batch

    mask = np.array([[1, 1, 1, 0], [0, 1, 1, 1]], np.int32)
    ids = np.where(mask == 1, 5, 1).astype(np.int32)
    with pytest.raises(ValueError, match=r"training batch attention_mask: row \(1,\)"):
        put_batch({"input_ids": ids, "attention_mask": mask}, make_mesh(1, 1, 1))
    model = XLMRModel(SMALL, "classification", num_labels=2, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="evaluation batch attention_mask: .* not right-padded"):
        predict(model, {"input_ids": ids, "attention_mask": mask}, "classification")
