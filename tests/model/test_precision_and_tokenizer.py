"""bfloat16 compute against float32, rematerialisation, dropout, and the tokenizer path."""

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxstilts.model import load_pretrained, load_tokenizer
from jaxstilts.model.xlmr import position_ids

# bfloat16 keeps 8 bits of mantissa (relative step 2^-8 = 0.4%); after 3 layers the logits of
# this random model (magnitude ~1) stay within 0.05 and hidden states within 5% of their scale.
BF16_LOGIT_TOL = 5e-2
BF16_HIDDEN_REL_TOL = 5e-2


def test_bfloat16_compute_stays_close_to_float32(hf_checkpoint, text_batch):
    folder, _ = hf_checkpoint("classification")
    ids, mask = map(jnp.asarray, text_batch)
    f32 = load_pretrained(folder, "classification")
    bf16 = load_pretrained(folder, "classification", dtype="bfloat16")
    a, b = np.asarray(f32(ids, mask)), np.asarray(bf16(ids, mask))
    assert b.dtype == np.float32  # logits come back in float32
    assert np.abs(a - b).max() <= BF16_LOGIT_TOL
    h32 = np.asarray(f32.encoder(ids, mask).last_hidden_state)
    h16 = np.asarray(bf16.encoder(ids, mask).last_hidden_state, np.float32)
    assert bf16.encoder(ids, mask).last_hidden_state.dtype == jnp.bfloat16
    assert np.abs(h32 - h16).max() <= BF16_HIDDEN_REL_TOL * np.abs(h32).max()


def test_parameters_stay_float32_under_bfloat16_compute(hf_checkpoint):
    folder, _ = hf_checkpoint(None)
    model = load_pretrained(folder, dtype="bfloat16")
    dtypes = {v[...].dtype for _, v in nnx.to_flat_state(nnx.state(model, nnx.Param))}
    assert dtypes == {jnp.dtype(jnp.float32)}


def test_remat_changes_nothing_but_memory(hf_checkpoint, text_batch):
    folder, _ = hf_checkpoint("span")
    ids, mask = map(jnp.asarray, text_batch)
    plain = load_pretrained(folder, "span")
    remat = load_pretrained(folder, "span", remat="full")
    rngs = dict(deterministic=False)
    a = plain(ids, mask, rngs=nnx.Rngs(dropout=7), **rngs)
    b = remat(ids, mask, rngs=nnx.Rngs(dropout=7), **rngs)
    np.testing.assert_array_equal(np.asarray(a.start), np.asarray(b.start))


def test_dropout_is_active_only_in_training(hf_checkpoint, text_batch):
    folder, _ = hf_checkpoint("classification")
    ids, mask = map(jnp.asarray, text_batch)
    model = load_pretrained(folder, "classification")
    eval_a, eval_b = model(ids, mask), model(ids, mask)
    np.testing.assert_array_equal(np.asarray(eval_a), np.asarray(eval_b))
    train_a = model(ids, mask, deterministic=False, rngs=nnx.Rngs(dropout=1))
    train_b = model(ids, mask, deterministic=False, rngs=nnx.Rngs(dropout=2))
    assert np.abs(np.asarray(train_a) - np.asarray(train_b)).max() > 1e-4
    with pytest.raises(ValueError, match="needs `rngs`"):
        model(ids, mask, deterministic=False)


def test_positions_start_after_padding_index_and_padding_keeps_it():
    ids = jnp.array([[0, 10, 11, 2, 1, 1]])
    np.testing.assert_array_equal(np.asarray(position_ids(ids, 1)), [[2, 3, 4, 5, 1, 1]])


def test_test_tokenizer_loads_through_xlmr_path(tokenizer_dir, tokenizer):
    assert (tokenizer_dir / "sentencepiece.bpe.model").exists()
    assert type(tokenizer).__name__.startswith("XLMRobertaTokenizer")
    assert (tokenizer.cls_token_id, tokenizer.pad_token_id, tokenizer.sep_token_id) == (0, 1, 2)
    assert tokenizer.mask_token_id == len(tokenizer) - 1
    ids = tokenizer("Привет", "你好")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2 and ids.count(2) == 3  # <s> A </s></s> B </s>
    assert load_tokenizer(tokenizer_dir)("नमस्ते")["input_ids"] == tokenizer("नमस्ते")["input_ids"]


def test_tokenizer_folder_without_a_model_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no tokenizer here"):
        load_tokenizer(tmp_path)
