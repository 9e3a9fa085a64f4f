"""Tatoeba accuracy and mAP@20 (Mewsli-X, LAReQA), from predictions or straight from embeddings.

Tatoeba (XTREME): the English side is the query. For each English sentence the prediction is the
index of the most cosine-similar sentence on the other-language side (XTREME adds the foreign
sentences to the index and searches it with the English ones); accuracy compares those indices
with the gold indices.

mAP@k: for one query with relevant set R and ranking r_1..r_k (a repeated item counts once),
AP@k = sum over relevant hits at rank i of (hits so far / i), divided by min(|R|, k). With one
relevant item (Mewsli-X) this is the reciprocal rank within the top k, which is what XTREME-R's
Mewsli-X scorer computes. Queries without a prediction score 0. Mewsli-X's official scorer reads
only the first (stripped) gold id per mention; `mewslix_map` does the same.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from jaxstilts.evaluate.metrics.classification import accuracy
from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.evaluate.metrics.similarity import Backend, top_k

TOP_K = 20


def tatoeba_predictions(
    other_emb: np.ndarray, english_emb: np.ndarray, *, backend: Backend = "auto"
) -> np.ndarray:
    """For each English sentence, the row of its nearest (cosine) other-language sentence."""
    return top_k(english_emb, other_emb, 1, backend=backend)[1][:, 0]


def tatoeba_accuracy(
    predictions: Sequence[int | str], labels: Sequence[int | str]
) -> dict[str, float]:
    """`{"accuracy"}` of predicted indices against gold indices (compared as text, as in XTREME)."""
    return accuracy([str(p).strip() for p in predictions], [str(g).strip() for g in labels])


def average_precision_at_k(
    ranked: Sequence[str], relevant: Collection[str], k: int = TOP_K
) -> float:
    """AP@k (0..1) of one ranking against its relevant items."""
    if not relevant:
        raise ScoringError("a query with no relevant items")
    relevant = set(relevant)
    hits, total, seen = 0, 0.0, set()
    for rank, item in enumerate(ranked[:k], start=1):
        if item in relevant and item not in seen:
            hits += 1
            total += hits / rank
        seen.add(item)
    return total / min(len(relevant), k)


def map_at_k(
    predictions: Mapping[str, Sequence[str]],
    labels: Mapping[str, Collection[str]],
    k: int = TOP_K,
) -> dict[str, float]:
    """`{"map@k"}` in percent: mean AP@k over the labelled queries (LAReQA)."""
    if not labels:
        raise ScoringError("no queries to score")
    aps = [
        average_precision_at_k(list(predictions.get(q, ())), rel, k) for q, rel in labels.items()
    ]
    return {f"map@{k}": sum(aps) / len(aps) * 100}


def mewslix_map(
    predictions: Mapping[str, Sequence[str]],
    labels: Mapping[str, Sequence[str]],
    k: int = TOP_K,
) -> dict[str, float]:
    """Mewsli-X `{"map@20"}`: reciprocal rank of the first gold entity within the top k."""
    single = {}
    for mention, golds in labels.items():
        if not golds:
            raise ScoringError(f"mention {mention!r} has no gold entity")
        single[mention] = [golds[0].strip()]
    return map_at_k(predictions, single, k)


def rank_candidates(
    query_emb: np.ndarray,
    candidate_emb: np.ndarray,
    candidate_ids: Sequence[str],
    k: int = TOP_K,
    *,
    normalize: bool = False,
    backend: Backend = "auto",
) -> list[list[str]]:
    """The ids of the `k` best candidates per query, best first (dot product unless `normalize`)."""
    if len(candidate_ids) != len(candidate_emb):
        raise ScoringError(
            f"{len(candidate_ids)} candidate ids but {len(candidate_emb)} embeddings"
        )
    _, index = top_k(
        query_emb, candidate_emb, min(k, len(candidate_ids)), normalize=normalize, backend=backend
    )
    return [[candidate_ids[j] for j in row] for row in index]
