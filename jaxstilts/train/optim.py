"""jiant's optimizer: AdamW (no decay on biases and LayerNorm), clipping, warm-up then linear decay.

All of it configurable; gradient accumulation through `optax.MultiSteps`, so one call of the
train step is one micro-batch and the schedule counts real updates.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import optax

from jaxstilts.config_schema import check_fields


@dataclass(frozen=True)
class OptimConfig:
    lr: float = 1e-5
    eps: float = 1e-8
    b1: float = 0.9
    b2: float = 0.999
    weight_decay: float = 0.01
    clip_norm: float = 1.0  # 0 turns clipping off
    warmup_fraction: float = 0.1
    accumulation_steps: int = 1
    frozen_embeddings: bool = False  # keep the 250k-row word embedding out of the update

    def __post_init__(self):
        check_fields(self, "target.optim.")  # the experiment keys' rules


def schedule(cfg: OptimConfig, total_updates: int) -> optax.Schedule:
    """Linear warm-up over warmup_fraction of the updates, then linear decay to 0 (jiant's)."""
    warmup = int(cfg.warmup_fraction * total_updates)
    return optax.join_schedules(
        [optax.linear_schedule(0.0, cfg.lr, max(warmup, 1)),
         optax.linear_schedule(cfg.lr, 0.0, max(total_updates - warmup, 1))],
        boundaries=[warmup],
    )


def is_decayed(path: tuple) -> bool:
    """Weight decay applies to kernels and embeddings, not to biases or LayerNorm scales."""
    names = [str(getattr(p, "key", p)) for p in path]
    return not (names[-1] in ("bias", "scale") or any("norm" in n for n in names))


def is_word_embedding(path: tuple) -> bool:
    names = [str(getattr(p, "key", p)) for p in path]
    return names[-3:] == ["encoder", "embeddings", "word"] or names[-2:] == ["embeddings", "word"]


def make_optimizer(cfg: OptimConfig, total_updates: int) -> optax.GradientTransformation:
    decay_mask = lambda params: jax.tree_util.tree_map_with_path(lambda p, _: is_decayed(p), params)
    chain = []
    if cfg.clip_norm > 0:
        chain.append(optax.clip_by_global_norm(cfg.clip_norm))
    chain.append(optax.adamw(schedule(cfg, total_updates), b1=cfg.b1, b2=cfg.b2, eps=cfg.eps,
                             weight_decay=cfg.weight_decay, mask=decay_mask))
    tx = optax.chain(*chain)
    if cfg.frozen_embeddings:
        labels = lambda params: jax.tree_util.tree_map_with_path(
            lambda p, _: "frozen" if is_word_embedding(p) else "train", params)
        tx = optax.multi_transform({"train": tx, "frozen": optax.set_to_zero()}, labels)
    if cfg.accumulation_steps > 1:
        tx = optax.MultiSteps(tx, every_k_schedule=cfg.accumulation_steps)
    return tx
