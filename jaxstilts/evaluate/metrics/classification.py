"""Accuracy for the sentence-level tasks (XNLI, PAWS-X, XCOPA) and Tatoeba, as XTREME computes it.

XTREME compares each prediction with its label as written (strings from the TSV files, JSON values
for XCOPA) and reports the percentage that are equal.
"""

from __future__ import annotations

from collections.abc import Sequence

from jaxstilts.evaluate.metrics.errors import ScoringError


def check_same_length(predictions: Sequence, labels: Sequence, what: str = "examples") -> None:
    """Raise ScoringError unless there is exactly one prediction per label."""
    if len(predictions) != len(labels):
        raise ScoringError(f"{len(predictions)} predicted {what} but {len(labels)} gold {what}")


def accuracy(predictions: Sequence, labels: Sequence) -> dict[str, float]:
    """Percentage of predictions equal to their label: `{"accuracy": 0..100}`."""
    check_same_length(predictions, labels)
    if not labels:
        raise ScoringError("no examples to score")
    correct = sum(int(p == g) for p, g in zip(predictions, labels, strict=True))
    return {"accuracy": correct / len(predictions) * 100}
