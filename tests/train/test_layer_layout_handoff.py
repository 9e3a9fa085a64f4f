"""Checkpoints hold one layer layout (scanned or unrolled); the phase handoff converts."""

import logging

import jax
import numpy as np
import orbax.checkpoint as ocp
import pytest
from flax import nnx

from jaxstilts.model.config import XLMRConfig
from jaxstilts.model.modeling import XLMRModel
from jaxstilts.model.partitioning import make_mesh, place_params
from jaxstilts.model.xlmr import convert_layer_layout, layer_layout
from jaxstilts.train.checkpoint import restore_encoder, saved_encoder_tree
from jaxstilts.train.state import split_model

CFG = XLMRConfig.preset("tiny", num_hidden_layers=2, hidden_size=32, num_attention_heads=2,
                        intermediate_size=48, vocab_size=60)


def encoder_params(scan: bool, seed: int) -> dict:
    model = XLMRModel(CFG.replace(scan_layers=scan), rngs=nnx.Rngs(seed))
    return nnx.to_pure_dict(nnx.state(model.encoder, nnx.Param))


def save_phase(folder, encoder: dict) -> None:
    """A phase folder as the trainer leaves it: checkpoints/<step>/state = step, params."""
    mngr = ocp.CheckpointManager(folder / "checkpoints")
    state = {"step": np.zeros((), np.int32), "params": {"encoder": encoder}}
    mngr.save(3, args=ocp.args.Composite(state=ocp.args.StandardSave(state)))
    mngr.wait_until_finished()
    mngr.close()


def placed_target(scan: bool, mesh) -> dict:
    _, params = split_model(XLMRModel(CFG.replace(scan_layers=scan), rngs=nnx.Rngs(9)).encoder)
    return place_params(params, mesh)


@pytest.mark.parametrize("saved,wanted", [(False, True), (True, False)],
                         ids=["unrolled-to-scanned", "scanned-to-unrolled"])
def test_an_encoder_saved_in_one_layout_restores_into_the_other(saved, wanted, tmp_path, caplog):
    params = encoder_params(saved, seed=1)
    save_phase(tmp_path, params)
    with caplog.at_level(logging.WARNING, logger="absl"):
        assert layer_layout(saved_encoder_tree(tmp_path)) == ("scanned" if saved else "unrolled")
    # Reading the layout warns of nothing (Orbax's metadata note is dropped).
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    mesh = make_mesh(2, 2, 2)
    target = placed_target(wanted, mesh)
    got = restore_encoder(tmp_path, target)
    want = convert_layer_layout(params, "scanned" if wanted else "unrolled")
    assert jax.tree.structure(got) == jax.tree.structure(want)
    for (path, a), b in zip(jax.tree_util.tree_flatten_with_path(got)[0], jax.tree.leaves(want)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=str(path))
    assert all(a.sharding == t.sharding for a, t in zip(jax.tree.leaves(got),
                                                        jax.tree.leaves(target)))


def test_layouts_convert_both_ways_without_loss():
    unrolled = encoder_params(False, seed=2)
    scanned = convert_layer_layout(unrolled, "scanned")
    assert layer_layout(scanned) == "scanned"
    assert scanned["layers"]["mlp_in"]["kernel"].shape == (2, 32, 48)
    back = convert_layer_layout(scanned, "unrolled")
    for a, b in zip(jax.tree.leaves(back), jax.tree.leaves(unrolled)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(ValueError, match="layer layout 'stacked'"):
        convert_layer_layout(unrolled, "stacked")
