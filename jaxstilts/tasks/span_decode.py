"""Start/end logits of every window -> one answer text per question.

The n-best start and end positions of each window (context tokens only) are paired, spans longer
than `max_answer_length` tokens dropped, and the best span over all windows of a question wins;
its text is `context[offset_start:offset_end]`. With `version_2` (SQuAD v2.0) the answer is empty
when the null score (`<s>` start and end, lowest over windows) beats the best span by more than
`null_threshold`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jaxstilts.tasks.featurize import Features


@dataclass(frozen=True)
class Prediction:
    text: str
    score: float
    null_score: float


def decode_spans(
    features: Features,
    start_logits: Sequence[np.ndarray] | np.ndarray,
    end_logits: Sequence[np.ndarray] | np.ndarray,
    *,
    n_best: int = 20,
    max_answer_length: int = 30,
    version_2: bool | None = None,
    null_threshold: float = 0.0,
) -> dict[str, str]:
    """Example id -> answer text. Logits are per feature row (row i of `features`); a row may be
    shorter than the feature (padded bucket widths are fine: positions past it are ignored)."""
    predictions = decode_span_predictions(
        features,
        start_logits,
        end_logits,
        n_best=n_best,
        max_answer_length=max_answer_length,
        version_2=version_2,
        null_threshold=null_threshold,
    )
    return {example_id: p.text for example_id, p in predictions.items()}


def decode_span_predictions(
    features: Features,
    start_logits,
    end_logits,
    *,
    n_best: int = 20,
    max_answer_length: int = 30,
    version_2: bool | None = None,
    null_threshold: float = 0.0,
) -> dict[str, Prediction]:
    """Like `decode_spans`, with the winning score and the null score of each example."""
    if len(start_logits) != len(features) or len(end_logits) != len(features):
        raise ValueError(f"{len(start_logits)} logit rows for {len(features)} features")
    version_2 = features.task.unanswerable if version_2 is None else version_2
    rows = features.dataset.select_columns(["example_index", "offset_mapping", "context_mask"])
    by_example: dict[int, list[int]] = defaultdict(list)
    for i, example_index in enumerate(rows["example_index"]):
        by_example[example_index].append(i)
    examples = features.examples.rows
    out = {}
    for example_index, feature_rows in by_example.items():
        context = examples[example_index]["context"]
        best, best_score, null_score = "", -np.inf, np.inf
        for i in feature_rows:
            row = rows[i]
            start, end = np.asarray(start_logits[i]), np.asarray(end_logits[i])
            width = min(len(start), len(end), len(row["context_mask"]))
            mask = np.asarray(row["context_mask"][:width], dtype=bool)
            null_score = min(null_score, float(start[0] + end[0]))
            candidates = np.flatnonzero(mask)
            if not len(candidates):
                continue
            top_start = candidates[np.argsort(-start[candidates], kind="stable")[:n_best]]
            top_end = candidates[np.argsort(-end[candidates], kind="stable")[:n_best]]
            for s in top_start:
                for e in top_end:
                    if e < s or e - s + 1 > max_answer_length:
                        continue
                    score = float(start[s] + end[e])
                    if score > best_score:
                        offsets = row["offset_mapping"]
                        best, best_score = context[offsets[s][0] : offsets[e][1]], score
        if version_2 and null_score - best_score > null_threshold:
            best = ""
        example_id = examples[example_index]["id"]
        out[example_id] = Prediction(best, best_score, null_score)
    return out
