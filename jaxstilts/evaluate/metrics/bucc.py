"""BUCC 2018 bitext mining: margin-based mining from embeddings, threshold from dev, P/R/F1.

The procedure is XTREME's (after LASER, Artetxe & Schwenk 2019):

1. Sentences with the same text are embedded once (first occurrence).
2. Cosine k-NN both ways (k = 4): for every source sentence its 4 nearest targets, and back.
3. Ratio margin: score(x, y) = cos(x, y) / ((mean cos of x's k-NN + mean cos of y's k-NN) / 2),
   computed for each of the k candidates; each sentence keeps its best-scoring candidate.
4. "max" retrieval: the forward and backward best pairs are pooled, sorted by score, and taken
   greedily so that each source and each target sentence is used at most once.
5. Pairs whose text occurs more than once on either side are dropped when mapping back to ids.
6. On dev, the threshold is the midpoint between the score giving the best F1 against gold and the
   next score; test pairs scoring at or above the dev threshold are the predictions.

Deviations, both only where the official code is undefined: ties in step 4 keep their pooled
order (stable sort; the official quicksort leaves it unspecified), and if the best dev F1 is
reached by the lowest-scoring candidate (the official code then indexes past the end) that score
itself is the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np

from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.evaluate.metrics.similarity import Backend, top_k

Pair = tuple[str, str]
Margin = Literal["ratio", "distance", "absolute"]
Retrieval = Literal["max", "fwd", "bwd", "intersect"]


def bucc_scores(gold: Iterable[Pair], predicted: Iterable[Pair]) -> dict[str, float]:
    """Precision, recall and F1 (percent) of predicted `(src_id, trg_id)` pairs, as sets."""
    gold, predicted = set(map(tuple, gold)), set(map(tuple, predicted))
    correct = len(gold & predicted)
    if correct:
        precision = correct / len(predicted)
        recall = correct / len(gold)
        f1 = 2 * precision * recall / (precision + recall)
    else:
        precision = recall = f1 = 0
    return {"f1": f1 * 100, "precision": precision * 100, "recall": recall * 100}


def _margin(sims: np.ndarray, means: np.ndarray, margin: Margin) -> np.ndarray:
    if margin == "ratio":
        return sims / means
    if margin == "distance":
        return sims - means
    if margin == "absolute":
        return sims
    raise ScoringError(f"unknown margin {margin!r} (ratio, distance, absolute)")


def margin_candidates(
    x: np.ndarray,
    y: np.ndarray,
    *,
    k: int = 4,
    margin: Margin = "ratio",
    retrieval: Retrieval = "max",
    threshold: float = 0.0,
    backend: Backend = "auto",
) -> list[tuple[int, int, float]]:
    """Mined `(x row, y row, margin score)` triples from two embedding matrices.

    "max" (XTREME's choice) returns them best first and keeps those scoring above `threshold`;
    "fwd", "bwd" and "intersect" return every best pair in row order, as the official code does.
    """
    x2y_sim, x2y_ind = top_k(x, y, min(k, len(y)), backend=backend)
    y2x_sim, y2x_ind = top_k(y, x, min(k, len(x)), backend=backend)
    x2y_mean, y2x_mean = x2y_sim.mean(axis=1), y2x_sim.mean(axis=1)
    fwd = _margin(x2y_sim, (x2y_mean[:, None] + y2x_mean[x2y_ind]) / 2, margin).astype(np.float64)
    bwd = _margin(y2x_sim, (y2x_mean[:, None] + x2y_mean[y2x_ind]) / 2, margin).astype(np.float64)
    fwd_best = x2y_ind[np.arange(len(x)), fwd.argmax(axis=1)]
    bwd_best = y2x_ind[np.arange(len(y)), bwd.argmax(axis=1)]
    fwd_score, bwd_score = fwd.max(axis=1), bwd.max(axis=1)

    if retrieval == "fwd":
        triples = [
            (i, int(j), float(s)) for i, (j, s) in enumerate(zip(fwd_best, fwd_score, strict=True))
        ]
    elif retrieval == "bwd":
        triples = [
            (int(i), j, float(s)) for j, (i, s) in enumerate(zip(bwd_best, bwd_score, strict=True))
        ]
    elif retrieval == "intersect":
        triples = [
            (i, int(j), float(fwd_score[i])) for i, j in enumerate(fwd_best) if bwd_best[j] == i
        ]
    elif retrieval == "max":
        src = np.concatenate([np.arange(len(x)), bwd_best])
        trg = np.concatenate([fwd_best, np.arange(len(y))])
        scores = np.concatenate([fwd_score, bwd_score])
        seen_src, seen_trg, triples = set(), set(), []
        for n in np.argsort(-scores, kind="stable"):
            i, j = int(src[n]), int(trg[n])
            if i in seen_src or j in seen_trg:
                continue
            seen_src.add(i)
            seen_trg.add(j)
            if scores[n] > threshold:
                triples.append((i, j, float(scores[n])))
        return triples
    else:
        raise ScoringError(f"unknown retrieval {retrieval!r} (max, fwd, bwd, intersect)")
    return triples


def _unique_rows(texts: Sequence[str] | None, n: int) -> tuple[list[int], set[str]]:
    """First row of each distinct text, and the texts that occur more than once."""
    if texts is None:
        return list(range(n)), set()
    if len(texts) != n:
        raise ScoringError(f"{len(texts)} sentences but {n} embeddings")
    first: dict[str, int] = {}
    repeated = set()
    for row, text in enumerate(texts):
        text = text.strip()
        if text in first:
            repeated.add(text)
        else:
            first[text] = row
    return list(first.values()), repeated


def mine_candidates(
    src_ids: Sequence[str],
    src_emb: np.ndarray,
    trg_ids: Sequence[str],
    trg_emb: np.ndarray,
    *,
    src_texts: Sequence[str] | None = None,
    trg_texts: Sequence[str] | None = None,
    k: int = 4,
    margin: Margin = "ratio",
    retrieval: Retrieval = "max",
    backend: Backend = "auto",
) -> dict[Pair, float]:
    """Candidate `(src_id, trg_id) -> margin score` for one BUCC split, from sentence embeddings.

    With the sentence texts, duplicates are embedded once and pairs involving a repeated text are
    dropped, as XTREME does; without them every row is its own sentence.
    """
    if len(src_ids) != len(src_emb) or len(trg_ids) != len(trg_emb):
        raise ScoringError(
            f"ids and embeddings differ in number: {len(src_ids)}/{len(src_emb)} source, "
            f"{len(trg_ids)}/{len(trg_emb)} target"
        )
    src_rows, src_repeated = _unique_rows(src_texts, len(src_ids))
    trg_rows, trg_repeated = _unique_rows(trg_texts, len(trg_ids))
    triples = margin_candidates(
        np.asarray(src_emb)[src_rows],
        np.asarray(trg_emb)[trg_rows],
        k=k,
        margin=margin,
        retrieval=retrieval,
        backend=backend,
    )
    candidates: dict[Pair, float] = {}
    for i, j, score in triples:
        s, t = src_rows[i], trg_rows[j]
        if src_texts is not None and src_texts[s].strip() in src_repeated:
            continue
        if trg_texts is not None and trg_texts[t].strip() in trg_repeated:
            continue
        pair = (src_ids[s], trg_ids[t])
        candidates[pair] = max(score, candidates.get(pair, score))
    return candidates


def best_threshold(candidates: Mapping[Pair, float], gold: Iterable[Pair]) -> float:
    """The score threshold giving the best F1 of `candidates` against `gold` (for the dev split)."""
    gold = set(map(tuple, gold))
    if not gold:
        raise ScoringError("no gold pairs to choose a threshold against")
    items = sorted(candidates.items(), key=lambda item: -item[1])
    correct, best_f1, threshold = 0, 0.0, 0.0
    for n, (pair, score) in enumerate(items, start=1):
        correct += pair in gold
        if not correct:
            continue
        precision, recall = correct / n, correct / len(gold)
        f1 = 2 * precision * recall / (precision + recall)
        if f1 > best_f1:
            best_f1 = f1
            threshold = (score + items[n][1]) / 2 if n < len(items) else score
    return threshold


def dev_threshold(ids: Sequence[str], sides: Sequence[str], vectors: np.ndarray,
                  links: Mapping[str, Sequence[str]], texts: Sequence[str] | None) -> float:
    """The mining threshold chosen on a dev split (then applied to test): rows are queries or
    candidates by `sides`, embedded as `vectors`; `links` maps query ids to gold candidate ids;
    `texts` the sentences (repeated ones are embedded once and never predicted, as XTREME's
    `read_sent2id`; None only where the texts are truly unknown)."""
    ids, sides = np.asarray(ids), np.asarray(sides)
    q, c = np.flatnonzero(sides == "query"), np.flatnonzero(sides == "candidate")
    text = (lambda rows: None) if texts is None else (lambda rows: [texts[i] for i in rows])
    candidates = mine_candidates(ids[q].tolist(), vectors[q], ids[c].tolist(), vectors[c],
                                 src_texts=text(q), trg_texts=text(c))
    gold = [(qid, cid) for qid in ids[q].tolist() for cid in links.get(qid, ())]
    return best_threshold(candidates, gold)


def extract_pairs(candidates: Mapping[Pair, float], threshold: float) -> list[Pair]:
    """Candidates scoring at or above `threshold`, in candidate order."""
    return [pair for pair, score in candidates.items() if score >= threshold]


def dev_test(
    dev_candidates: Mapping[Pair, float],
    dev_gold: Iterable[Pair],
    test_candidates: Mapping[Pair, float],
    test_gold: Iterable[Pair] | None = None,
) -> dict:
    """Threshold from dev, applied to test: `threshold`, `dev`, `test_pairs` (and `test` scores)."""
    dev_gold = set(map(tuple, dev_gold))
    threshold = best_threshold(dev_candidates, dev_gold)
    result = {
        "threshold": threshold,
        "dev": bucc_scores(dev_gold, extract_pairs(dev_candidates, threshold)),
        "test_pairs": extract_pairs(test_candidates, threshold),
    }
    if test_gold is not None:
        result["test"] = bucc_scores(test_gold, result["test_pairs"])
    return result
