"""Our XLM-R against transformers' PyTorch XLM-R: outputs, gradients, round trips, sizes."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
import transformers
from flax import nnx

from jaxstilts.model import load_pretrained, save_pretrained
from jaxstilts.model.hf import hf_name, per_layer, to_hf_layout

from .conftest import HF_CLASSES, build_hf_model, hf_config

HEADS = ["classification", "multiple_choice", "span", "tagging", "mlm"]
TOL = 1e-5
# The encoder's two layouts (config.scan_layers). Every test runs the default (scanned); the
# unrolled layout re-runs the tests that pin the per-layer mapping, on one head each.
UNROLLED = dict(scan_layers=False)
LAYOUTS = pytest.mark.parametrize("layout", [{}, UNROLLED], ids=["scanned", "unrolled"])


def torch_outputs(model, head, ids, mask):
    with torch.no_grad():
        out = model(input_ids=torch.tensor(ids, dtype=torch.long),
                    attention_mask=torch.tensor(mask, dtype=torch.long))
    if head == "span":
        return out.start_logits.numpy(), out.end_logits.numpy()
    return (out.logits.numpy(),)


def ours_outputs(model, head, ids, mask):
    out = model(jnp.asarray(ids), jnp.asarray(mask))
    if head == "span":
        return np.asarray(out.start), np.asarray(out.end)
    return (np.asarray(out),)


@LAYOUTS
def test_hidden_states_of_every_layer_match_transformers(layout, hf_checkpoint, text_batch):
    folder, hf = hf_checkpoint(None)
    ids, mask = text_batch
    with torch.no_grad():
        ref = hf(input_ids=torch.tensor(ids, dtype=torch.long),
                 attention_mask=torch.tensor(mask, dtype=torch.long), output_hidden_states=True)
    ours = load_pretrained(folder, **layout)
    out = ours.encoder(jnp.asarray(ids), jnp.asarray(mask), output_hidden_states=True)
    assert len(out.hidden_states) == len(ref.hidden_states) == 4
    for i, (a, b) in enumerate(zip(out.hidden_states, ref.hidden_states)):
        err = np.abs(np.asarray(a) - b.numpy()).max()
        assert err <= TOL, f"hidden state {i}: max abs diff {err:.2e}"
    np.testing.assert_allclose(np.asarray(out.last_hidden_state),
                               ref.last_hidden_state.numpy(), atol=TOL, rtol=0)


@pytest.mark.parametrize("head,layout", [(h, {}) for h in HEADS] + [("span", UNROLLED)],
                         ids=HEADS + ["span-unrolled"])
def test_head_logits_match_transformers(head, layout, hf_checkpoint, text_batch, choice_batch):
    folder, hf = hf_checkpoint(head)
    ids, mask = choice_batch if head == "multiple_choice" else text_batch
    ours, report = load_pretrained(folder, head, return_report=True, **layout)
    assert report.initialized == [], "every head weight is in the checkpoint"
    for a, b in zip(ours_outputs(ours, head, ids, mask), torch_outputs(hf, head, ids, mask)):
        assert a.shape == b.shape
        err = np.abs(a - b).max()
        assert err <= TOL, f"{head}: max abs diff {err:.2e}"


@LAYOUTS
def test_loss_gradients_match_transformers(layout, hf_checkpoint, text_batch):
    folder, hf = hf_checkpoint("classification")
    ids, mask = text_batch
    labels = np.array([0, 2, 1])
    hf.zero_grad()
    out = hf(input_ids=torch.tensor(ids, dtype=torch.long),
             attention_mask=torch.tensor(mask, dtype=torch.long),
             labels=torch.tensor(labels))
    out.loss.backward()
    ref = dict(hf.named_parameters())

    model = load_pretrained(folder, "classification", **layout)
    graph, params = nnx.split(model, nnx.Param)

    def loss_fn(p):
        logits = nnx.merge(graph, p)(jnp.asarray(ids), jnp.asarray(mask))
        return optax.softmax_cross_entropy_with_integer_labels(logits, jnp.asarray(labels)).mean()

    grads = jax.grad(loss_fn)(params)
    checked = 0
    for stacked_path, g in nnx.to_flat_state(grads):
        for path, layer in per_layer(stacked_path, g[...].shape):
            name = hf_name(path, "classification")
            want = ref[name].grad.numpy()
            got = np.asarray(g[...] if layer is None else g[...][layer])
            got = to_hf_layout(path, got)
            scale = np.abs(want).max()
            err = np.abs(got - want).max()
            # The key bias's gradient is zero in exact arithmetic (softmax ignores a shift shared
            # by all keys), so both sides hold rounding noise: hence the small absolute floor.
            assert err <= 1e-4 * scale + 1e-8, f"{name}: grad diff {err:.2e} vs scale {scale:.2e}"
            checked += 1
    assert checked == len(ref)


@pytest.mark.parametrize("head,layout", [(None, {}), ("classification", {}),
                                         ("multiple_choice", {}), ("mlm", {}),
                                         ("classification", UNROLLED)],
                         ids=["encoder", "classification", "multiple_choice", "mlm",
                              "classification-unrolled"])
def test_round_trip_through_our_format_loads_in_transformers(head, layout, hf_checkpoint,
                                                              text_batch, choice_batch, tmp_path):
    folder, hf = hf_checkpoint(head)
    ours = load_pretrained(folder, head, **layout)
    save_pretrained(ours, tmp_path)
    cls = getattr(transformers, HF_CLASSES[head])
    kwargs = {"add_pooling_layer": False} if head is None else {}
    back = cls.from_pretrained(tmp_path, **kwargs).eval()
    for name, p in hf.state_dict().items():
        assert torch.equal(back.state_dict()[name], p), name
    ids, mask = choice_batch if head == "multiple_choice" else text_batch
    t = dict(input_ids=torch.tensor(ids, dtype=torch.long),
             attention_mask=torch.tensor(mask, dtype=torch.long))
    with torch.no_grad():
        a, b = back(**t), hf(**t)
    key = "last_hidden_state" if head is None else "logits"
    assert torch.equal(a[key], b[key])


@pytest.mark.parametrize("head", [None, "classification", "multiple_choice", "span", "tagging",
                                  "mlm"])
def test_parameter_count_equals_transformers(head, tokenizer, hf_checkpoint):
    folder, hf = hf_checkpoint(head)
    ours = load_pretrained(folder, head)
    n_ours = sum(x.size for x in jax.tree.leaves(nnx.state(ours, nnx.Param)))
    n_hf = sum(p.numel() for p in hf.parameters())
    assert n_ours == n_hf


def test_a_fresh_head_is_reported_and_the_encoder_is_kept(hf_checkpoint, text_batch):
    folder, hf = hf_checkpoint("mlm")  # a pretraining checkpoint, as on the hub
    model, report = load_pretrained(folder, "classification", num_labels=4, return_report=True)
    assert sorted(report.initialized) == ["head.dense.bias", "head.dense.kernel",
                                          "head.out_proj.bias", "head.out_proj.kernel"]
    assert "lm_head.dense.weight" in report.unused
    assert model(*map(jnp.asarray, text_batch)).shape == (3, 4)
    # A classifier with another label count is not forced into the new head.
    folder3, _ = hf_checkpoint("classification")
    _, report = load_pretrained(folder3, "classification", num_labels=7, return_report=True)
    assert "head.out_proj.kernel" in report.initialized
    assert "head.dense.kernel" not in report.initialized


def test_pytorch_bin_checkpoint_loads_like_safetensors(tokenizer, tmp_path, text_batch):
    hf = build_hf_model(tokenizer, "span", seed=3)
    hf.config.save_pretrained(tmp_path)
    torch.save(hf.state_dict(), tmp_path / "pytorch_model.bin")
    ours = load_pretrained(tmp_path, "span")
    ids, mask = text_batch
    a = ours_outputs(ours, "span", ids, mask)
    b = torch_outputs(hf, "span", ids, mask)
    assert max(np.abs(x - y).max() for x, y in zip(a, b)) <= TOL


@LAYOUTS
def test_retrieval_vectors_are_mean_pooled_layer_k(layout, hf_checkpoint, text_batch):
    folder, hf = hf_checkpoint(None)
    ids, mask = text_batch
    with torch.no_grad():
        ref = hf(input_ids=torch.tensor(ids, dtype=torch.long),
                 attention_mask=torch.tensor(mask, dtype=torch.long), output_hidden_states=True)
    model = load_pretrained(folder, "retrieval", retrieval_layer=2, **layout)
    m = mask[..., None].astype(np.float32)
    want = (ref.hidden_states[2].numpy() * m).sum(1) / m.sum(1)
    np.testing.assert_allclose(np.asarray(model(jnp.asarray(ids), jnp.asarray(mask))), want,
                               atol=TOL, rtol=0)
    layer1 = (ref.hidden_states[1].numpy() * m).sum(1) / m.sum(1)
    np.testing.assert_allclose(np.asarray(model.encode(jnp.asarray(ids), jnp.asarray(mask),
                                                       layer=1)), layer1, atol=TOL, rtol=0)


def test_dual_encoder_vectors_are_xtreme_rs_normalized_pooler_output(tokenizer, tmp_path,
                                                                      text_batch):
    """XTREME-R embeds Mewsli-X and LAReQA with `normalize(pooler_output)` of its fine-tuned
    XLM-R; a checkpoint with a pooler loads into our dual encoder and gives the same vectors,
    and writes back to a folder transformers reads."""
    torch.manual_seed(5)
    hf = transformers.XLMRobertaModel(hf_config(tokenizer)).eval()
    hf.save_pretrained(tmp_path / "hf")
    ours = load_pretrained(tmp_path / "hf", "dual_encoder")
    ids, mask = text_batch
    with torch.no_grad():
        pooled = hf(input_ids=torch.tensor(ids, dtype=torch.long),
                    attention_mask=torch.tensor(mask, dtype=torch.long)).pooler_output
    expected = torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()
    np.testing.assert_allclose(np.asarray(ours(ids, mask)), expected, atol=TOL)
    save_pretrained(ours, tmp_path / "back")
    back = transformers.XLMRobertaModel.from_pretrained(tmp_path / "back").eval()
    for name in ("pooler.dense.weight", "pooler.dense.bias"):
        assert torch.equal(back.state_dict()[name], hf.state_dict()[name]), name


def test_scanned_and_unrolled_layouts_hold_the_same_layers(hf_checkpoint, text_batch):
    """Stacking is lossless both ways: the scanned model's layer i is the unrolled model's layer
    i, its parameters carry the unsharded `layers` axis, and both compute the same logits."""
    from jaxstilts.model.partitioning import RULES
    from jaxstilts.model.xlmr import stack_layers, unstack_layers

    folder, _ = hf_checkpoint("classification")
    scanned = load_pretrained(folder, "classification")
    unrolled = load_pretrained(folder, "classification", **UNROLLED)
    kernel = scanned.encoder.layers.mlp_in.kernel
    assert kernel.get_metadata()["logical_axes"] == ("layers", "embed", "mlp")
    assert dict(RULES)["layers"] is None
    restacked = stack_layers(list(unrolled.encoder.layers))
    for (path, a), (_, b) in zip(nnx.to_flat_state(nnx.state(scanned.encoder.layers)),
                                 nnx.to_flat_state(nnx.state(restacked))):
        np.testing.assert_array_equal(np.asarray(a[...]), np.asarray(b[...]), err_msg=str(path))
    for i, layer in enumerate(unstack_layers(scanned.encoder.layers)):
        np.testing.assert_array_equal(np.asarray(layer.query.kernel[...]),
                                      np.asarray(unrolled.encoder.layers[i].query.kernel[...]))
        assert layer.query.kernel.get_metadata()["logical_axes"] == ("embed", "heads", "kv")
    ids, mask = map(jnp.asarray, text_batch)
    np.testing.assert_allclose(np.asarray(scanned(ids, mask)), np.asarray(unrolled(ids, mask)),
                               atol=1e-6, rtol=0)
