"""Span F1 for PAN-X and UD-POS exactly as XTREME scores them: seqeval 1.2.2's default mode.

XTREME calls `seqeval.metrics.{f1,precision,recall}_score(labels, predictions)` with no options,
i.e. micro-averaged, conlleval-compatible chunking of IOB2 tags. This module re-implements that
chunking so the figures are identical without seqeval's warnings or its per-type bookkeeping.

Facts of that mode worth knowing:

- Sentences are concatenated with an `O` between them, so no chunk crosses a sentence boundary.
- A tag is split into a prefix (its first character) and a type (what follows the first `-`, or
  the remainder, or `_`). `B-PER` -> (`B`, `PER`); `I-PER` after `O` starts a chunk.
- UD-POS tags carry no IOB prefix, so `NOUN` is read as prefix `N`, type `OUN`: runs of the same
  tag merge into one chunk, and `SCONJ`/`SYM` (prefix `S`) are single-token chunks. That is why
  XTREME's POS "F1" (e.g. 70.398 on the mock files) differs from token accuracy, which
  `pos_scores` reports beside it as `token_accuracy`.
"""

from __future__ import annotations

from collections.abc import Sequence

from jaxstilts.evaluate.metrics.errors import ScoringError

Sentence = Sequence[str]


def _split_tag(tag: str) -> tuple[str, str]:
    return tag[0], (tag[1:].split("-", maxsplit=1)[-1] or "_")


def _ends_chunk(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    if prev_tag in ("E", "S"):
        return True
    if prev_tag in ("B", "I") and tag in ("B", "S", "O"):
        return True
    return prev_tag not in ("O", ".") and prev_type != type_


def _starts_chunk(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    if tag in ("B", "S"):
        return True
    if prev_tag in ("E", "S", "O") and tag in ("E", "I"):
        return True
    return tag not in ("O", ".") and prev_type != type_


def entities(sentences: Sequence[Sentence]) -> list[tuple[str, int, int]]:
    """Chunks `(type, first, last)` of the sentences joined by `O`, as seqeval 1.2.2 finds them."""
    flat: list[str] = []
    for sentence in sentences:
        flat.extend(sentence)
        flat.append("O")
    chunks = []
    prev_tag, prev_type, begin = "O", "", 0
    for i, chunk in enumerate([*flat, "O"]):
        if not chunk:
            raise ScoringError(f"empty tag at token {i}")
        tag, type_ = _split_tag(chunk)
        if _ends_chunk(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if _starts_chunk(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return chunks


def check_aligned(predictions: Sequence[Sentence], labels: Sequence[Sentence]) -> None:
    """Raise ScoringError unless both sides have the same sentences with the same token counts."""
    if len(predictions) != len(labels):
        raise ScoringError(
            f"{len(predictions)} predicted sentences but {len(labels)} gold sentences"
        )
    for n, (pred, gold) in enumerate(zip(predictions, labels, strict=True), start=1):
        if len(pred) != len(gold):
            raise ScoringError(
                f"sentence {n}: {len(pred)} predicted tags but {len(gold)} gold tags"
            )


def span_f1(predictions: Sequence[Sentence], labels: Sequence[Sentence]) -> dict[str, float]:
    """Micro span precision, recall and F1 in percent (`f1`, `precision`, `recall`)."""
    check_aligned(predictions, labels)
    gold = set(entities(labels))
    pred = set(entities(predictions))
    correct = len(gold & pred)
    precision = correct / len(pred) if pred else 0.0
    recall = correct / len(gold) if gold else 0.0
    denominator = precision + recall
    f1 = 2 * precision * recall / denominator if denominator else 0.0
    return {"f1": f1 * 100, "precision": precision * 100, "recall": recall * 100}


def token_accuracy(predictions: Sequence[Sentence], labels: Sequence[Sentence]) -> float:
    """Percentage of tokens whose predicted tag equals the gold tag."""
    check_aligned(predictions, labels)
    total = sum(len(s) for s in labels)
    if not total:
        raise ScoringError("no tokens to score")
    correct = sum(
        p == g
        for pred, gold in zip(predictions, labels, strict=True)
        for p, g in zip(pred, gold, strict=True)
    )
    return correct / total * 100


def ner_scores(predictions: Sequence[Sentence], labels: Sequence[Sentence]) -> dict[str, float]:
    """PAN-X: entity F1 with precision and recall (IOB2), XTREME's figure."""
    return span_f1(predictions, labels)


def pos_scores(predictions: Sequence[Sentence], labels: Sequence[Sentence]) -> dict[str, float]:
    """UD-POS: XTREME's seqeval F1 over UPOS tags, with plain token accuracy beside it."""
    return {**span_f1(predictions, labels), "token_accuracy": token_accuracy(predictions, labels)}
