"""BUCC: pair P/R/F1, ratio-margin mining from embeddings, threshold from dev applied to test."""

import numpy as np
import pytest

from jaxstilts.evaluate.metrics import ScoringError
from jaxstilts.evaluate.metrics.bucc import (
    best_threshold,
    bucc_scores,
    dev_test,
    extract_pairs,
    margin_candidates,
    mine_candidates,
)


def test_pair_scores_are_set_based():
    gold = [("de-1", "en-1"), ("de-2", "en-2")]
    predicted = [("de-1", "en-1"), ("de-1", "en-1"), ("de-3", "en-2")]
    scores = bucc_scores(gold, predicted)
    assert scores["precision"] == 50.0 and scores["recall"] == 50.0 and scores["f1"] == 50.0
    assert bucc_scores(gold, [("x", "y")]) == {"f1": 0, "precision": 0, "recall": 0}


def test_ratio_margin_by_hand():
    """k = 2 = all rows, so each k-NN mean is the mean over the other side."""
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([[1.0, 0.0], [0.6, 0.8]])
    # cos: x0y0 1, x0y1 .6, x1y0 0, x1y1 .8; means: x0 .8, x1 .4, y0 .5, y1 .7
    triples = margin_candidates(x, y, k=2)
    assert [(i, j) for i, j, _ in triples] == [(0, 0), (1, 1)]
    assert triples[0][2] == pytest.approx(1 / ((0.8 + 0.5) / 2), rel=1e-6)
    assert triples[1][2] == pytest.approx(0.8 / ((0.4 + 0.7) / 2), rel=1e-6)
    distance = margin_candidates(x, y, k=2, margin="distance")
    assert distance[0][2] == pytest.approx(1 - 0.65, rel=1e-6)


def _synthetic(rng, n_pairs=24, n_src_extra=6, n_trg_extra=10, dim=32, noise=0.15):
    base = rng.normal(size=(n_pairs, dim))
    perm = rng.permutation(n_pairs)
    x = np.concatenate(
        [base + noise * rng.normal(size=base.shape), rng.normal(size=(n_src_extra, dim))]
    )
    y = np.concatenate(
        [base[perm] + noise * rng.normal(size=base.shape), rng.normal(size=(n_trg_extra, dim))]
    )
    src_ids = [f"de-{i:04d}" for i in range(len(x))]
    trg_ids = [f"en-{j:04d}" for j in range(len(y))]
    gold = {(src_ids[perm[j]], trg_ids[j]) for j in range(n_pairs)}
    return src_ids, x, trg_ids, y, gold


def test_margin_mining_recovers_the_known_pairs():
    src_ids, x, trg_ids, y, gold = _synthetic(np.random.default_rng(0))
    candidates = mine_candidates(src_ids, x, trg_ids, y)
    assert gold <= set(candidates)  # every true pair is mined ...
    ranked = sorted(candidates, key=candidates.get, reverse=True)
    assert set(ranked[: len(gold)]) == gold  # ... and outranks every wrong candidate
    used_src = [s for s, _ in candidates]
    assert len(used_src) == len(set(used_src))  # "max" retrieval uses each sentence once


def test_jax_and_numpy_mining_agree():
    src_ids, x, trg_ids, y, _ = _synthetic(np.random.default_rng(1))
    on_numpy = mine_candidates(src_ids, x, trg_ids, y, backend="numpy")
    on_jax = mine_candidates(src_ids, x, trg_ids, y, backend="jax")
    assert on_numpy.keys() == on_jax.keys()
    for pair, score in on_numpy.items():
        assert on_jax[pair] == pytest.approx(score, rel=1e-5)


def test_repeated_sentences_are_dropped():
    src_ids, x, trg_ids, y, gold = _synthetic(np.random.default_rng(2), n_src_extra=0)
    src_texts = [f"s{i}" for i in range(len(x))]
    src_texts[5] = src_texts[3]  # two source sentences with the same text
    trg_texts = [f"t{j}" for j in range(len(y))]
    candidates = mine_candidates(src_ids, x, trg_ids, y, src_texts=src_texts, trg_texts=trg_texts)
    assert not {s for s, _ in candidates} & {src_ids[3], src_ids[5]}
    assert len(gold - set(candidates)) == 2


def test_threshold_is_the_midpoint_after_the_best_f1():
    candidates = {("a", "A"): 0.9, ("b", "B"): 0.8, ("c", "C"): 0.7, ("d", "D"): 0.6}
    gold = {("a", "A"), ("c", "C"), ("e", "E")}
    # F1 by cut-off: .5, .4, 2/3 (best, after c), .57
    assert best_threshold(candidates, gold) == pytest.approx(0.65)
    assert extract_pairs(candidates, 0.65) == [("a", "A"), ("b", "B"), ("c", "C")]
    # best F1 reached only by taking the last candidate: its own score is the threshold
    assert best_threshold({("a", "A"): 0.9, ("b", "B"): 0.5}, {("a", "A"), ("b", "B")}) == 0.5
    assert best_threshold({("x", "X"): 0.9}, {("a", "A")}) == 0.0
    with pytest.raises(ScoringError, match="no gold pairs"):
        best_threshold(candidates, [])


def test_dev_threshold_is_applied_to_test():
    rng = np.random.default_rng(3)
    dev = _synthetic(rng)
    test = _synthetic(rng)
    dev_candidates = mine_candidates(*dev[:4])
    test_candidates = mine_candidates(*test[:4])
    result = dev_test(dev_candidates, dev[4], test_candidates, test[4])
    assert result["dev"]["f1"] == pytest.approx(100.0)
    threshold = result["threshold"]
    assert min(dev_candidates[p] for p in dev[4]) > threshold
    assert result["test_pairs"] == [p for p, s in test_candidates.items() if s >= threshold]
    assert result["test"]["recall"] == pytest.approx(100.0)
    assert result["test"]["f1"] > 90
