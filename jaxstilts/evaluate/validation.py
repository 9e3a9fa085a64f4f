"""Validation during training, as jiant does it: the first `n` examples of the English validation
split *in file order* (jiant's `eval_subset_num`, 500), predicted and decoded by the evaluator
and scored with the task's own metric; the figure is jiant's "major" one.

Why not batch accuracy on the loader's batches: the evaluation loader sorts by length (so a cap
would keep the shortest examples), and per-window start/end hits or token accuracy are not the
metric early stopping is meant to follow (EM/F1 after decoding, seqeval F1).

jiant's major figures (jiant/tasks/evaluate/core.py): accuracy for classification and multiple
choice, (EM + F1) / 2 for QA, seqeval F1 for UD-POS and PAN-X, token accuracy for CCG. Scores
are returned in 0..1 so that tasks average on one scale.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from jax.sharding import Mesh

from jaxstilts.evaluate.evaluator import evaluate_task

# task metric -> how jiant's major figure is read from the official scorer's output (percent)
MAJOR = {
    "accuracy": lambda s: s["accuracy"],
    "seqeval_f1": lambda s: s["f1"],
    "token_accuracy": lambda s: s["token_accuracy"],
    "squad": lambda s: (s["exact_match"] + s["f1"]) / 2,
    "squad_v2": lambda s: (s["exact_match"] + s["f1"]) / 2,
    "mlqa": lambda s: (s["exact_match"] + s["f1"]) / 2,
}


def first_examples(examples: Any, n: int) -> Any:
    """The first `n` rows of a loaded split in file order (jiant's validation subset)."""
    if n <= 0:
        raise ValueError(f"validation_examples must be >= 1, got {n}")
    if len(examples.rows) <= n:
        return examples
    rows = examples.rows.select(range(n))
    return dataclasses.replace(examples, rows=rows, fingerprint=f"{examples.fingerprint}-first{n}")


def major_score(metric: str, scores: dict[str, float]) -> float:
    """jiant's major figure for a task of `metric`, in 0..1."""
    if metric not in MAJOR:
        raise ValueError(f"no validation score for metric {metric!r} (known: {', '.join(MAJOR)})")
    return float(MAJOR[metric](scores)) / 100


@dataclass
class Validation:
    """Scores a head on fixed validation features with its task's metric (a `TaskFeed.scorer`).

    head: the head's name in the multi-task model; scorer: the official scorer
    (`evaluate.xtreme.scorer_of`); metric: the task's metric name (selects the major figure).
    """

    head: str
    features: Any
    scorer: str
    metric: str
    batch_size: int = 32

    def __call__(self, graphdef: Any, params: dict, mesh: Mesh) -> float:
        evaluation = evaluate_task((graphdef, params), self.scorer, self.features, mesh=mesh,
                                   head=self.head, batch_size=self.batch_size)
        if len(evaluation.scores) != 1:
            raise ValueError(f"validation of {self.head}: expected one language, got "
                             f"{sorted(evaluation.scores)}")
        (scores,) = evaluation.scores.values()
        return major_score(self.metric, scores)
