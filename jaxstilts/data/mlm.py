"""Masked-LM batches for continued multilingual MLM (the paper's first ablation).

BERT's recipe: 15% of real, non-special tokens are chosen; of those 80% become <mask>, 10% a
random token, 10% stay. Masks are a pure function of (seed, step), so resumes are exact.
"""

from __future__ import annotations

import numpy as np

from jaxstilts.kinds import IGNORE


def mask_tokens(
    input_ids: np.ndarray,
    attention_mask: np.ndarray,
    *,
    mask_id: int,
    vocab_size: int,
    special_ids: tuple[int, ...],
    seed: int,
    step: int,
    rate: float = 0.15,
) -> dict[str, np.ndarray]:
    """{'input_ids': corrupted ids, 'attention_mask', 'labels': original ids or IGNORE}."""
    rng = np.random.default_rng([seed, step, 7])
    candidates = (attention_mask == 1) & ~np.isin(input_ids, special_ids)
    chosen = candidates & (rng.random(input_ids.shape) < rate)
    action = rng.random(input_ids.shape)
    ids = input_ids.copy()
    ids[chosen & (action < 0.8)] = mask_id
    randomised = chosen & (action >= 0.8) & (action < 0.9)
    ids[randomised] = rng.integers(0, vocab_size, input_ids.shape)[randomised]
    labels = np.where(chosen, input_ids, IGNORE).astype(np.int32)
    return {
        "input_ids": ids.astype(np.int32),
        "attention_mask": attention_mask.astype(np.int32),
        "labels": labels,
    }


class MaskedSource:
    """Wraps a batch source of plain text batches; masks each batch afresh (continued MLM).

    The n-th batch drawn is masked with (seed, n), and n is part of the saved state, so a
    resumed run masks exactly as an uninterrupted one.
    """

    def __init__(self, source, *, mask_id: int, vocab_size: int, special_ids: tuple[int, ...],
                 seed: int = 0, rate: float = 0.15):
        self.source, self.seed, self.rate = source, seed, rate
        self.mask_id, self.vocab_size, self.special_ids = mask_id, vocab_size, special_ids
        self.drawn = 0

    def __iter__(self):
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        batch = next(self.source)
        out = mask_tokens(batch["input_ids"], batch["attention_mask"], mask_id=self.mask_id,
                          vocab_size=self.vocab_size, special_ids=self.special_ids,
                          seed=self.seed, step=self.drawn, rate=self.rate)
        self.drawn += 1
        return out

    def get_state(self) -> dict:
        return {"drawn": self.drawn, "source": self.source.get_state()}

    def set_state(self, state: dict) -> None:
        self.drawn = state["drawn"]
        self.source.set_state(state["source"])
