"""Tagging features: words -> sub-words with the tag on each word's first sub-word.

A sentence longer than the window is cut between words into consecutive windows (never
truncated); `word_ids` records which word each labelled position belongs to, so
`merge_word_predictions` puts the windows' predictions back together, one per original word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxstilts.tasks.featurize import IGNORE, Features


class TaggingEncoder:
    def __init__(self, tokenizer: Any, max_length: int, labels: Sequence[str]):
        self.tokenizer, self.max_length = tokenizer, max_length
        self.label_ids = {name: i for i, name in enumerate(labels)}

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        tok = self.tokenizer
        words = [w for tokens in batch["tokens"] for w in tokens]
        pieces = tok(words, add_special_tokens=False)["input_ids"] if words else []
        capacity = self.max_length - 2
        out: dict[str, list] = {
            k: [] for k in ("input_ids", "labels", "word_ids", "example_index", "language")
        }
        at = 0
        for i, (tokens, tags) in enumerate(zip(batch["tokens"], batch["tags"], strict=True)):
            word_pieces = [
                p[:capacity] or [tok.unk_token_id] for p in pieces[at : at + len(tokens)]
            ]
            at += len(tokens)
            windows, current = [], []
            used = 0
            for w, wp in enumerate(word_pieces):
                if current and used + len(wp) > capacity:
                    windows.append(current)
                    current, used = [], 0
                current.append(w)
                used += len(wp)
            windows.append(current)
            for window in windows:
                ids, labels, word_ids = [tok.cls_token_id], [IGNORE], [-1]
                for w in window:
                    wp = word_pieces[w]
                    ids += wp
                    labels += [self.label_ids[tags[w]]] + [IGNORE] * (len(wp) - 1)
                    word_ids += [w] + [-1] * (len(wp) - 1)
                ids.append(tok.sep_token_id)
                labels.append(IGNORE)
                word_ids.append(-1)
                out["input_ids"].append(ids)
                out["labels"].append(labels)
                out["word_ids"].append(word_ids)
                out["example_index"].append(indices[i])
                out["language"].append(batch["language"][i])
        return out


def merge_word_predictions(
    features: Features, predictions: Sequence[np.ndarray] | np.ndarray
) -> list[list[int]]:
    """One predicted label id per original word, per example (in example order).

    `predictions[i]` are label ids per position of feature row i (argmax of the logits); rows may
    be shorter than the feature as long as every word's first sub-word is inside.
    """
    if len(predictions) != len(features):
        raise ValueError(f"{len(predictions)} prediction rows for {len(features)} features")
    examples = features.examples.rows
    merged = [[-1] * len(tokens) for tokens in examples["tokens"]]
    columns = features.dataset.select_columns(["example_index", "word_ids"])
    for i, (example_index, word_ids) in enumerate(
        zip(columns["example_index"], columns["word_ids"], strict=True)
    ):
        row = np.asarray(predictions[i])
        for position, word in enumerate(word_ids):
            if word < 0:
                continue
            if position >= len(row):
                raise ValueError(f"feature {i}: no prediction at position {position} (word {word})")
            merged[example_index][word] = int(row[position])
    missing = [(e, w) for e, words in enumerate(merged) for w, p in enumerate(words) if p < 0]
    if missing:
        raise ValueError(f"no prediction for (example, word) {missing[:5]}")
    return merged
