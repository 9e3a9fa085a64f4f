"""Validation during training, as jiant does it: the first `n` examples of the English validation
split *in file order* (jiant's `eval_subset_num`, 500), predicted and decoded by the evaluator
and scored with the task's own metric; the figure is jiant's "major" one (the metric's
early-stopping figure, `scoring.METRICS`).

Why not batch accuracy on the loader's batches: the evaluation loader sorts by length (so a cap
would keep the shortest examples), and per-window start/end hits or token accuracy are not the
metric early stopping is meant to follow (EM/F1 after decoding, seqeval F1).

jiant's major figures (jiant/tasks/evaluate/core.py): accuracy for classification and multiple
choice, (EM + F1) / 2 for QA, seqeval F1 for UD-POS and PAN-X, token accuracy for CCG; each
metric's headline number. Scores are returned in 0..1 so that tasks average on one scale.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from jax.sharding import Mesh

from jaxstilts.evaluate.evaluator import evaluate_task
from jaxstilts.evaluate.scoring import Scorer


def first_examples(examples: Any, n: int) -> Any:
    """The first `n` rows of a loaded split in file order (jiant's validation subset)."""
    if n <= 0:
        raise ValueError(f"validation_examples must be >= 1, got {n}")
    if len(examples.rows) <= n:
        return examples
    rows = examples.rows.select(range(n))
    return dataclasses.replace(examples, rows=rows, fingerprint=f"{examples.fingerprint}-first{n}")


@dataclass
class Validation:
    """Scores a head on fixed validation features with its task's metric (a `TaskFeed.scorer`).

    head: the head's name in the multi-task model; scorer: the task's (`xtreme.scorer_of`),
    whose metric gives the figure.
    """

    head: str
    features: Any
    scorer: Scorer
    batch_size: int = 32

    def __call__(self, graphdef: Any, params: dict, mesh: Mesh) -> float:
        evaluation = evaluate_task((graphdef, params), self.scorer, self.features, mesh=mesh,
                                   head=self.head, batch_size=self.batch_size)
        if len(evaluation.scores) != 1:
            raise ValueError(f"validation of {self.head}: expected one language, got "
                             f"{sorted(evaluation.scores)}")
        (scores,) = evaluation.scores.values()
        return self.scorer.metric.early_stopping(scores)
