"""The metric registry: one entry per metric, and what scores a task.

A task names its metric (`Task.metric`); its entry here says how a language is scored, the one
headline number of those scores (percent, averaged over languages for the task's figure), the
figure early stopping follows (0..1, jiant's "major" figure), and the file format its
predictions are written in. A new metric is a function in `evaluate/metrics/` and one entry in
`METRICS`. XTREME's own task names (its official scorers) live only in `evaluate/xtreme.py`.

A `Scorer` is what evaluating a task needs: the folder its predictions are filed under, the kind
that predicts them and the metric. A task is scored under its own name by its own metric, or,
when its catalog entry says `scored_as`, exactly as that XTREME task (`xtreme.scorer_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jaxstilts.evaluate.metrics import bucc, classification, mlqa, retrieval, squad, tagging
from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.evaluate.submission import Format
from jaxstilts.kinds import Kind

Scores = dict[str, float]


def _qa(scores: Mapping[str, float]) -> float:
    return (scores["exact_match"] + scores["f1"]) / 2


def _key(name: str) -> Callable[[Mapping[str, float]], float]:
    return lambda scores: scores[name]


@dataclass(frozen=True)
class Metric:
    """One metric. `score(predictions, gold, language)` gives a language's scores in percent, in
    the forms the submission readers give; `headline` the one number of such scores (a
    language's or their average); `stopping` the early-stopping figure in 0..1 (None: headline
    / 100); `submission` the prediction file format; `kinds` the task kinds it can score."""

    name: str
    score: Callable[[Any, Any, str], Scores]
    headline: Callable[[Mapping[str, float]], float]
    submission: Format
    kinds: frozenset[Kind]
    stopping: Callable[[Mapping[str, float]], float] | None = None

    def figure(self, scores: Mapping[str, float]) -> float | None:
        """The headline number, or None if `scores` lack what it is made of."""
        try:
            return float(self.headline(scores))
        except KeyError:
            return None

    def early_stopping(self, scores: Mapping[str, float]) -> float:
        """The figure validation reports and early stopping follows, in 0..1."""
        value = self.stopping(scores) if self.stopping else self.headline(scores) / 100
        return float(value)


_CLASSIFIED = frozenset({Kind.PAIR_CLASSIFICATION, Kind.MULTIPLE_CHOICE})
_TAGGED = frozenset({Kind.TAGGING})
_SPANS = frozenset({Kind.SPAN_EXTRACTION})
_RETRIEVED = frozenset({Kind.RETRIEVAL})

METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("accuracy", lambda p, g, lang: classification.accuracy(p, g), _key("accuracy"),
           "label", _CLASSIFIED),
    # seqeval span F1 (jiant's F1TaggingEvaluationScheme; XTREME's PAN-X)
    Metric("seqeval_f1", lambda p, g, lang: tagging.ner_scores(p, g), _key("f1"), "tags",
           _TAGGED),
    # CCG supertags; the span F1 is reported beside it
    Metric("token_accuracy", lambda p, g, lang: tagging.pos_scores(p, g),
           _key("token_accuracy"), "tags", _TAGGED),
    Metric("squad", lambda p, g, lang: squad.evaluate_v1(g, p), _qa, "squad", _SPANS),
    # SQuAD v2.0 validates with the v1.1 rules over its answerable gold (as before the registry)
    Metric("squad_v2", lambda p, g, lang: squad.evaluate_v1(g, p), _qa, "squad", _SPANS),
    Metric("mlqa", lambda p, g, lang: mlqa.evaluate(g, p, lang), _qa, "squad", _SPANS),
    Metric("bucc_f1", lambda p, g, lang: bucc.bucc_scores(g, p), _key("f1"), "pairs",
           _RETRIEVED),
    Metric("tatoeba_accuracy", lambda p, g, lang: retrieval.tatoeba_accuracy(p, g),
           _key("accuracy"), "label", _RETRIEVED),
    Metric("map@20", lambda p, g, lang: retrieval.map_at_k(p, g), _key("map@20"), "ranking",
           _RETRIEVED),
)}  # fmt: skip


def metric_of(name: str) -> Metric:
    """The registry's entry for a metric name, or a ScoringError naming the known ones."""
    if name not in METRICS:
        raise ScoringError(f"unknown metric {name!r} (known: {', '.join(METRICS)})")
    return METRICS[name]


def headline(metric: str | None, scores: Mapping[str, float]) -> float | None:
    """A metric's headline number of `scores`, None if they lack it. Scores whose metric is not
    known (a record that does not name it) are read by their keys: (EM + F1) / 2, else F1,
    accuracy or mAP@20."""
    if metric in METRICS:
        return METRICS[metric].figure(scores)
    for guess in ("squad", "seqeval_f1", "accuracy", "map@20"):
        if (value := METRICS[guess].figure(scores)) is not None:
            return value
    return None


@dataclass(frozen=True)
class Scorer:
    """How one task is scored: predictions filed under `name` (`predictions/<name>/`, the key
    of its summary), predicted by a `kind` head, scored by `metric`."""

    name: str
    kind: Kind
    metric: Metric


def average_over_languages(per_language: Mapping[str, Mapping[str, float]]) -> Scores:
    """Each metric's unweighted mean over the languages that report it."""
    sums: dict[str, list[float]] = {}
    for scores in per_language.values():
        for metric, value in scores.items():
            sums.setdefault(metric, []).append(value)
    return {metric: sum(values) / len(values) for metric, values in sums.items()}


def task_score(scorer: Scorer, average: Mapping[str, float]) -> float:
    """The task's figure: its metric's headline number of the language average."""
    score = scorer.metric.figure(average)
    if score is None:
        raise ScoringError(f"{scorer.name}: no {scorer.metric.name} headline among "
                           f"{sorted(average)}")
    return score
