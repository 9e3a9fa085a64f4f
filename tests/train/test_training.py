"""The train step and loop in-process: sharding, handoff, divergence, early stopping, fallback."""

import dataclasses
import io
import logging
import shutil

import jax
import numpy as np
import pytest
from flax import nnx

from jaxstilts.data.multitask import TaskSampler
from jaxstilts.model import XLMRConfig
from jaxstilts.model.modeling import MultiTaskModel
from jaxstilts.model.partitioning import make_mesh
from jaxstilts.train.loop import LoopConfig, TaskFeed, TrainingDiverged, put_batch, train
from jaxstilts.train.optim import OptimConfig, make_optimizer
from jaxstilts.train.state import create_train_state
from jaxstilts.train.step import Steps

from .tiny_run import ArraySource, synthetic

CFG = XLMRConfig.preset("tiny", num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                        intermediate_size=64)
HEADS = {"nli": ("classification", 2)}


def model(heads=HEADS, seed=0, cfg=CFG):
    return MultiTaskModel(cfg, heads, rngs=nnx.Rngs(seed))


def feeds(n=64, batch=8):
    return {"nli": TaskFeed("classification", ArraySource(synthetic("classification", n), batch),
                            [synthetic("classification", 16, seed=9)])}


ONLY_NLI = TaskSampler({"nli": 1.0})


def host(tree):
    return jax.tree.map(np.asarray, jax.device_get(tree))


def run_steps(mesh, n_steps=3, optim=None, batches=None, cfg=CFG, seed=0):
    optim = optim or OptimConfig(lr=1e-3)
    m = model(cfg=cfg)
    tx = make_optimizer(optim, 10)
    graphdef, state, shardings = create_train_state(m, tx, mesh)
    steps = Steps(graphdef, m.kinds, tx, shardings, mesh, dropout_seed=seed,
                  frozen_embeddings=optim.frozen_embeddings)
    source = ArraySource(synthetic("classification", 64), 8)
    for i in range(n_steps):
        batch = batches[i] if batches else next(source)
        state, _ = steps.train("nli", state, put_batch(batch, mesh))
    return host(state.params)


def max_diff(a, b):
    return max(jax.tree.leaves(jax.tree.map(lambda x, y: float(np.abs(x - y).max()), a, b)))


def test_sharded_step_matches_single_device():
    sharded = run_steps(make_mesh(2, 2, 2))
    single = run_steps(make_mesh(1, 1, 1, devices=jax.devices()[:1]))
    diff = max_diff(sharded, single)
    print(f"(data=2, fsdp=2, tensor=2) vs 1 device after 3 steps: max abs diff {diff:.2e}")
    assert diff <= 1e-6


def test_seeds_draw_their_own_dropout_from_one_compiled_program():
    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    m = model()
    tx = make_optimizer(OptimConfig(lr=1e-3), 10)
    graphdef, state, shardings = create_train_state(m, tx, mesh)
    batch = put_batch(next(ArraySource(synthetic("classification", 64), 8)), mesh)
    programs = set()
    for seed in (0, 7):
        steps = Steps(graphdef, m.kinds, tx, shardings, mesh, dropout_seed=seed)
        programs.add(steps.compile_train("nli", state, batch)[1])
    assert len(programs) == 1  # the seed is an argument: a sweep's seeds hit the compile cache
    assert max_diff(run_steps(mesh, seed=0), run_steps(mesh, seed=7)) > 1e-6  # own masks


def test_the_compilation_cache_folder_comes_from_the_environment_or_is_off(monkeypatch,
                                                                           tmp_path):
    from jaxstilts.compile_cache import ENV, enable_compilation_cache

    before = jax.config.jax_compilation_cache_dir  # the test session's own cache
    try:
        jax.config.update("jax_compilation_cache_dir", None)
        monkeypatch.setenv(ENV, "off")
        assert enable_compilation_cache() is None and not jax.config.jax_compilation_cache_dir
        monkeypatch.setenv(ENV, str(tmp_path / "xla"))
        assert enable_compilation_cache() == str(tmp_path / "xla")
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "xla")
        assert enable_compilation_cache() == str(tmp_path / "xla")  # a set folder is kept
    finally:
        jax.config.update("jax_compilation_cache_dir", before)
    # and JAX itself writes compiled programs there (a fresh process: the cache opens once)
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env[ENV] = str(tmp_path / "fresh")
    code = ("import jax, jax.numpy as jnp; from jaxstilts.compile_cache import "
            "enable_compilation_cache as on; on(); jax.jit(lambda x: x * 2 + 1)(jnp.ones(3))")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert any(p.name.startswith("jit_") for p in (tmp_path / "fresh").iterdir())


def test_gradient_accumulation_equals_the_full_batch():
    no_dropout = CFG.replace(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    full = synthetic("classification", 8)
    halves = [{k: v[:4] for k, v in full.items()}, {k: v[4:] for k, v in full.items()}]
    once = run_steps(mesh, 1, OptimConfig(lr=1e-3), [full], cfg=no_dropout)
    accumulated = run_steps(mesh, 2, OptimConfig(lr=1e-3, accumulation_steps=2), halves,
                            cfg=no_dropout)
    assert max_diff(once, accumulated) <= 1e-6


def test_weight_decay_spares_biases_and_layernorm():
    from jaxstilts.train.optim import is_decayed

    state = nnx.to_pure_dict(nnx.state(model(), nnx.Param))
    decayed = jax.tree_util.tree_map_with_path(lambda p, _: is_decayed(p), state)
    layer = decayed["encoder"]["layers"]  # scanned: one stacked layer
    assert layer["query"]["kernel"] and layer["mlp_in"]["kernel"]
    assert not layer["query"]["bias"] and not layer["mlp_norm"]["scale"]
    assert not layer["attention_norm"]["bias"] and decayed["encoder"]["embeddings"]["word"]
    assert not decayed["encoder"]["embeddings"]["norm"]["scale"]


def test_encoder_handoff_onto_another_mesh_with_a_fresh_head(tmp_path):
    eight = make_mesh(2, 2, 2)
    loop = LoopConfig(total_steps=4, checkpoint_every=2, validate_every=4, patience=0)
    first = train(model(), feeds(), ONLY_NLI, OptimConfig(lr=1e-3), loop, tmp_path / "inter",
                  eight)
    assert first.best_step == 4  # the one validation: the best checkpoint is the final state
    best = host(first.params)["encoder"]

    one = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    target_heads = {"pos": ("tagging", 3)}
    fresh = host(nnx.to_pure_dict(nnx.state(model(target_heads, seed=5), nnx.Param)))
    tfeeds = {"pos": TaskFeed("tagging", ArraySource(synthetic("tagging", 64), 8),
                              [synthetic("tagging", 16)])}
    loop0 = LoopConfig(total_steps=1, checkpoint_every=1, validate_every=100)

    # Check what the target phase starts from: restore, then take zero optimizer steps.
    from jaxstilts.train.checkpoint import restore_encoder

    m = model(target_heads, seed=5)
    _, state, _ = create_train_state(m, make_optimizer(OptimConfig(), 1), one)
    encoder = host(restore_encoder(tmp_path / "inter", state.params["encoder"]))
    assert max_diff(encoder, best) == 0
    assert max_diff(encoder, fresh["encoder"]) > 1e-3  # not the fresh encoder
    second = train(model(target_heads, seed=5), tfeeds, TaskSampler({"pos": 1.0}), OptimConfig(),
                   loop0, tmp_path / "target", one, init_encoder_from=tmp_path / "inter")
    assert second.final_step == 1
    # The reverse: restore onto 8 devices the encoder trained and saved on 1.
    back = make_mesh(2, 2, 2)
    m8 = model(target_heads, seed=5)
    _, s8, _ = create_train_state(m8, make_optimizer(OptimConfig(), 1), back)
    enc8 = restore_encoder(tmp_path / "target", s8.params["encoder"])
    assert enc8["layers"]["mlp_in"]["kernel"].sharding.mesh.devices.size == 8
    assert max_diff(host(enc8), host(second.params["encoder"])) == 0


def test_a_diverging_run_stops_naming_the_rule_and_the_last_sane_checkpoint(tmp_path):
    from jaxstilts.train.checkpoint import Checkpointer, NoRestorableCheckpoint
    from jaxstilts.train.loop import _param_norm
    from jaxstilts.train.state import abstract_like

    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    loop = LoopConfig(total_steps=2, log_every=1, checkpoint_every=1, validate_every=100, keep=5)
    train(model(), feeds(), ONLY_NLI, OptimConfig(lr=1e-3), loop, tmp_path, mesh)
    # The same run continued with lr=1e6: parameters blow up (finite at first, then not).
    exploding = OptimConfig(lr=1e6)
    with pytest.raises(TrainingDiverged) as info:
        train(model(), feeds(), ONLY_NLI, exploding, dataclasses.replace(loop, total_steps=20),
              tmp_path, mesh)
    message = str(info.value)
    assert message.startswith("parameter norm ") or message.startswith("loss became "), message
    assert message.endswith(
        "the last good checkpoint (every loss and gradient norm up to it finite, and the global "
        "parameter norm finite and at most 10x the norm at the start of the phase) is step 2 in "
        f"{tmp_path}/checkpoints"), message
    saved = sorted(int(p.name) for p in (tmp_path / "checkpoints").iterdir() if p.name.isdigit())
    assert saved == [1, 2]
    _, state, shardings = create_train_state(model(), make_optimizer(exploding, 20), mesh)
    ckpt = Checkpointer(tmp_path)
    restored, _, meta = ckpt.restore_latest(abstract_like(state, shardings))
    ckpt.close()
    assert float(_param_norm(restored.params)) <= 10 * meta["start_param_norm"]
    # Another optimizer (no clipping: another state tree) fits no checkpoint: an error, and
    # nothing is moved aside as if it were corrupt.
    other = OptimConfig(lr=1e-3, clip_norm=0)
    _, state, shardings = create_train_state(model(), make_optimizer(other, 20), mesh)
    with pytest.raises(NoRestorableCheckpoint, match="no checkpoint restores onto this model"):
        Checkpointer(tmp_path).restore_latest(abstract_like(state, shardings))
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["1", "2"]


def test_early_stopping_after_patience_validations_without_gain(tmp_path):
    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    loop = LoopConfig(total_steps=50, validate_every=1, patience=2)
    result = train(model(), feeds(), ONLY_NLI, OptimConfig(lr=1e-12), loop, tmp_path, mesh)
    assert result.stopped_early
    scores = [h["score"] for h in result.history]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    assert len(scores) == best + 3  # two validations after the best one
    assert result.best_step == result.history[best]["step"]
    assert sorted(p.name for p in (tmp_path / "best").iterdir() if p.name.isdigit()) == [
        str(result.best_step)]


def _restorable(workdir, step, mesh) -> bool:
    from jaxstilts.train.checkpoint import Checkpointer
    from jaxstilts.train.state import abstract_like

    _, state, shardings = create_train_state(model(), make_optimizer(OptimConfig(lr=1e-3), 4),
                                             mesh)
    ckpt = Checkpointer(workdir)
    try:
        import orbax.checkpoint as ocp

        from jaxstilts.train.checkpoint import _as_tree

        ckpt.latest.restore(step, args=ocp.args.Composite(
            state=ocp.args.StandardRestore(_as_tree(abstract_like(state, shardings)))))
        return True
    except Exception:
        return False
    finally:
        ckpt.close()


def test_a_corrupt_checkpoint_is_moved_aside_replaced_and_never_outlives_the_good_one(
        tmp_path, capfd):
    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    loop = LoopConfig(total_steps=4, checkpoint_every=2, validate_every=100, keep=2)
    train(model(), feeds(), ONLY_NLI, OptimConfig(lr=1e-3), loop, tmp_path, mesh)
    for f in (tmp_path / "checkpoints" / "4" / "state").rglob("*"):
        if f.is_file() and f.stat().st_size > 0 and "zarr" not in f.name:
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])  # truncated
    shutil.rmtree(tmp_path / "best")
    capfd.readouterr()
    shown = io.StringIO()  # what the command shows without -v: the root logger at WARNING
    handler, root = logging.StreamHandler(shown), logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.WARNING
    try:
        result = train(model(), feeds(), ONLY_NLI, OptimConfig(lr=1e-3),
                       LoopConfig(total_steps=6, checkpoint_every=2, validate_every=100, keep=2),
                       tmp_path, mesh)
    finally:
        root.removeHandler(handler)
        root.level = level
    assert result.resumed_from == 2
    text = shown.getvalue()
    assert "checkpoints/4 does not restore (" in text and "moved to 4.corrupt" in text, text
    assert f"resuming from step 2 ({tmp_path}/checkpoints/2)" in text, text
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["4", "4.corrupt", "6"], names
    assert _restorable(tmp_path, 4, mesh) and _restorable(tmp_path, 6, mesh)
    assert "Event loop is closed" not in capfd.readouterr().err + text


def test_config_errors_name_the_field():
    with pytest.raises(ValueError, match="LoopConfig.total_steps must be >= 1"):
        LoopConfig(total_steps=0)
    with pytest.raises(ValueError, match="accumulation_steps must be >= 1"):
        OptimConfig(accumulation_steps=0)


def test_continued_mlm_trains_beside_a_task(tmp_path):
    from jaxstilts.data.mlm import MaskedSource

    heads = {"nli": ("classification", 2), "mlm": ("mlm", None)}
    text = synthetic("classification", 64, seed=4)
    mlm = MaskedSource(ArraySource({k: text[k] for k in ("input_ids", "attention_mask")}, 8),
                       mask_id=CFG.vocab_size - 1, vocab_size=CFG.vocab_size,
                       special_ids=(0, 1, 2), seed=0)
    task_feeds = {**feeds(), "mlm": TaskFeed("mlm", mlm)}
    sampler = TaskSampler({"nli": 1.0}, seed=0, mlm_task="mlm", mlm_rate=0.5)
    drawn = [sampler.task_at(s) for s in range(6)]
    assert "mlm" in drawn and "nli" in drawn
    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    logs = []
    result = train(model(heads), task_feeds, sampler, OptimConfig(lr=1e-3),
                   LoopConfig(total_steps=6, log_every=1, validate_every=100), tmp_path, mesh,
                   on_log=lambda step, m: logs.append(m["train/loss"]))
    assert result.final_step == 6 and len(logs) == 6
    assert mlm.drawn == drawn.count("mlm")
    # The MLM loss starts near log(vocab): a real prediction over the whole vocabulary.
    first_mlm = logs[drawn.index("mlm")]
    assert abs(first_mlm - np.log(CFG.vocab_size)) < 1.0


def test_frozen_embeddings_stay_put_while_the_rest_trains():
    mesh = make_mesh(2, 2, 2)
    before = host(nnx.to_pure_dict(nnx.state(model(), nnx.Param)))
    after = run_steps(mesh, 2, OptimConfig(lr=1e-3, frozen_embeddings=True))
    word = ("encoder", "embeddings", "word")
    np.testing.assert_array_equal(after["encoder"]["embeddings"]["word"],
                                  before["encoder"]["embeddings"]["word"], err_msg=str(word))
    assert np.abs(after["encoder"]["layers"]["mlp_in"]["kernel"]
                  - before["encoder"]["layers"]["mlp_in"]["kernel"]).max() > 0


def test_a_task_scorer_decides_the_best_checkpoint_and_early_stopping(tmp_path):
    """The pipeline's validation (`evaluate/validation.py`) scores with the task's metric: the
    loop keeps what the scorer says is best, not batch accuracy."""
    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    figures = iter([0.2, 0.6, 0.5, 0.4, 0.9])
    calls = []

    def scorer(graphdef, params, mesh_):
        calls.append(mesh_)
        return next(figures)

    feed = {"nli": TaskFeed("classification", ArraySource(synthetic("classification", 64), 8),
                            scorer=scorer)}
    loop = LoopConfig(total_steps=10, validate_every=2, patience=2)
    result = train(model(), feed, ONLY_NLI, OptimConfig(lr=1e-3), loop, tmp_path, mesh)
    assert [h["score"] for h in result.history] == [0.2, 0.6, 0.5, 0.4]
    assert result.stopped_early and result.best_step == 4 and calls == [mesh] * 4
