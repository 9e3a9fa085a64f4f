"""SQuAD v1.1 EM/F1 (XQuAD, TyDiQA-GoldP) and SQuAD v2.0 with no-answer (the intermediate task).

Both follow the official SQuAD scripts: lower-case, drop ASCII punctuation (`string.punctuation`),
drop the English articles a/an/the, collapse whitespace; F1 over whitespace tokens; each question
takes its best score over the gold answers. XTREME scores XQuAD and TyDiQA-GoldP with the v1.1
script, with no language-specific handling.

Where v2.0 differs from v1.1: an empty normalised answer on either side scores F1 = EM = 1 only if
both are empty (v1.1 gives F1 0 there); gold answers that normalise to nothing are dropped, and a
question with none left has the gold answer "" (no answer). The intermediate task's evaluator
passes "" as the prediction for "no answer".
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from jaxstilts.evaluate.metrics.errors import ScoringError

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no ASCII punctuation, no a/an/the, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> bool:
    return normalize_answer(prediction) == normalize_answer(gold)


def token_f1(prediction_tokens: Sequence[str], gold_tokens: Sequence[str]) -> float:
    """F1 of the token multisets, 0 when nothing is shared (the v1.1 rule)."""
    same = sum((Counter(prediction_tokens) & Counter(gold_tokens)).values())
    if same == 0:
        return 0
    precision = 1.0 * same / len(prediction_tokens)
    recall = 1.0 * same / len(gold_tokens)
    return (2 * precision * recall) / (precision + recall)


def f1(prediction: str, gold: str) -> float:
    """SQuAD v1.1 token F1 of one prediction against one gold answer (0..1)."""
    return token_f1(normalize_answer(prediction).split(), normalize_answer(gold).split())


def questions(dataset: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, list[str]]]:
    """`(question id, gold answer texts)` for every question of SQuAD-format articles."""
    try:
        for article in dataset:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    yield str(qa["id"]), [answer["text"] for answer in qa["answers"]]
    except (KeyError, TypeError) as err:
        raise ScoringError(
            f"not SQuAD-format data (articles/paragraphs/qas/answers): {err!r}"
        ) from None


def _checked_prediction(predictions: Mapping[str, Any], qid: str) -> str:
    prediction = predictions[qid]
    if not isinstance(prediction, str):
        raise ScoringError(
            f"prediction for question {qid!r} is {type(prediction).__name__}, not text"
        )
    return prediction


def evaluate_with(
    dataset: Sequence[Mapping[str, Any]],
    predictions: Mapping[str, str],
    exact: Callable[[str, str], float],
    overlap: Callable[[str, str], float],
) -> dict[str, float]:
    """The v1.1 loop: best EM and F1 over gold answers, unanswered questions score 0, in percent."""
    total = em_sum = f1_sum = 0
    for qid, golds in questions(dataset):
        total += 1
        if qid not in predictions:
            continue
        prediction = _checked_prediction(predictions, qid)
        em_sum += max(exact(prediction, g) for g in golds) if golds else 0
        f1_sum += max(overlap(prediction, g) for g in golds) if golds else 0
    if not total:
        raise ScoringError("no questions to score")
    return {"exact_match": 100.0 * em_sum / total, "f1": 100.0 * f1_sum / total}


def evaluate_v1(
    dataset: Sequence[Mapping[str, Any]], predictions: Mapping[str, str]
) -> dict[str, float]:
    """SQuAD v1.1 `{"exact_match", "f1"}` in percent, as XTREME reports XQuAD and TyDiQA-GoldP."""
    return evaluate_with(dataset, predictions, exact_match, f1)


def _v2_tokens(text: str) -> list[str]:
    return normalize_answer(text).split() if text else []


def f1_v2(prediction: str, gold: str) -> float:
    """SQuAD v2.0 token F1: two empty answers agree (1), one empty answer scores 0."""
    pred_tokens, gold_tokens = _v2_tokens(prediction), _v2_tokens(gold)
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    return float(token_f1(pred_tokens, gold_tokens))


def _best_threshold(
    predictions: Mapping[str, str],
    scores: Mapping[str, float],
    na_probs: Mapping[str, float],
    has_answer: Mapping[str, bool],
) -> tuple[float, float]:
    """The official sweep: abstain on every question whose no-answer probability exceeds it."""
    current = best = sum(not h for h in has_answer.values())
    threshold = 0.0
    for qid in sorted(na_probs, key=lambda q: na_probs[q]):
        if qid not in scores:
            continue
        if has_answer[qid]:
            current += scores[qid]
        elif predictions.get(qid):
            current -= 1
        if current > best:
            best, threshold = current, na_probs[qid]
    return 100.0 * best / len(scores), threshold


def evaluate_v2(
    dataset: Sequence[Mapping[str, Any]],
    predictions: Mapping[str, str],
    na_probs: Mapping[str, float] | None = None,
    na_prob_threshold: float = 1.0,
) -> dict[str, float]:
    """SQuAD v2.0: `exact`/`f1`/`total`, overall and as HasAns_/NoAns_ (where such questions exist).

    A question with no prediction scores 0 and still counts (the official script would skip it in
    the overall total and then fail on the HasAns/NoAns split). With `na_probs` (question id ->
    probability of "no answer"), a question whose probability exceeds `na_prob_threshold` is
    scored as if "" had been predicted, and `best_exact`/`best_f1` with the thresholds reaching
    them are reported (from the unthresholded scores, as the official script does).
    """
    exact_scores: dict[str, float] = {}
    f1_scores: dict[str, float] = {}
    has_answer: dict[str, bool] = {}
    for qid, golds in questions(dataset):
        has_answer[qid] = bool(golds)
        golds = [g for g in golds if normalize_answer(g)] or [""]
        if qid not in predictions:
            exact_scores[qid] = f1_scores[qid] = 0.0
            continue
        prediction = _checked_prediction(predictions, qid)
        exact_scores[qid] = max(
            float(normalize_answer(g) == normalize_answer(prediction)) for g in golds
        )
        f1_scores[qid] = max(f1_v2(prediction, g) for g in golds)
    if not has_answer:
        raise ScoringError("no questions to score")
    if na_probs is not None:
        missing = [qid for qid in has_answer if qid not in na_probs]
        if missing:
            raise ScoringError(
                f"no no-answer probability for {len(missing)} questions, e.g. {missing[0]!r}"
            )
    raw_exact, raw_f1 = dict(exact_scores), dict(f1_scores)
    if na_probs is not None:
        for scores in (exact_scores, f1_scores):
            for qid in scores:
                if na_probs[qid] > na_prob_threshold:
                    scores[qid] = float(not has_answer[qid])

    def summary(qids: list[str], prefix: str) -> dict[str, float]:
        n = len(qids)
        return {
            f"{prefix}exact": 100.0 * sum(exact_scores[q] for q in qids) / n,
            f"{prefix}f1": 100.0 * sum(f1_scores[q] for q in qids) / n,
            f"{prefix}total": n,
        }

    result = summary(list(has_answer), "")
    for prefix, wanted in (("HasAns_", True), ("NoAns_", False)):
        qids = [q for q, h in has_answer.items() if h == wanted]
        if qids:
            result.update(summary(qids, prefix))
    if na_probs is not None:
        result["best_exact"], result["best_exact_thresh"] = _best_threshold(
            predictions, raw_exact, na_probs, has_answer
        )
        result["best_f1"], result["best_f1_thresh"] = _best_threshold(
            predictions, raw_f1, na_probs, has_answer
        )
    return result
