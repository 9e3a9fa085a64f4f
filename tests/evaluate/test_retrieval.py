"""Chunked k-NN (JAX vs numpy), Tatoeba's search direction, mAP@20 on hand-computed cases."""

import numpy as np
import pytest

from jaxstilts.evaluate.metrics import ScoringError
from jaxstilts.evaluate.metrics.retrieval import (
    average_precision_at_k,
    map_at_k,
    mewslix_map,
    rank_candidates,
    tatoeba_accuracy,
    tatoeba_predictions,
)
from jaxstilts.evaluate.metrics.similarity import top_k


def test_chunked_jax_top_k_matches_numpy_with_ties_to_the_lower_index():
    rng = np.random.default_rng(0)
    queries = rng.normal(size=(7, 5)).astype(np.float32)
    keys = rng.normal(size=(23, 5)).astype(np.float32)
    keys[17] = keys[2]  # a tie across key chunks
    queries[4] = keys[2]
    # 3 query chunks (last one padded), 3 key chunks (last one padded)
    jax_scores, jax_index = top_k(queries, keys, 4, query_chunk=3, key_chunk=8, backend="jax")
    np_scores, np_index = top_k(queries, keys, 4, backend="numpy")
    np.testing.assert_array_equal(jax_index, np_index)
    np.testing.assert_allclose(jax_scores, np_scores, rtol=1e-5)
    assert list(jax_index[4, :2]) == [2, 17]
    assert np.all(np.diff(jax_scores, axis=1) <= 0)


def test_top_k_refuses_bad_shapes():
    with pytest.raises(ScoringError, match="embedding sizes differ"):
        top_k(np.ones((2, 3)), np.ones((2, 4)), 1)
    with pytest.raises(ScoringError, match="k=3 neighbours asked among 2 rows"):
        top_k(np.ones((2, 3)), np.ones((2, 3)), 3)


def test_tatoeba_queries_with_the_english_side():
    other = np.array([[1.0, 0.0], [0.9, 0.436], [0.0, 1.0], [-1.0, 0.0]])
    english = np.array([[0.9, 0.436], [0.85, 0.527], [0.05, 1.0]])
    predictions = tatoeba_predictions(other, english)
    assert predictions.tolist() == [1, 1, 2]  # one prediction per English sentence
    assert tatoeba_accuracy(predictions, ["1", "0", "2"]) == {"accuracy": pytest.approx(200 / 3)}


def test_average_precision_at_20_by_hand():
    assert average_precision_at_k(["x", "y", "g"], {"g"}) == pytest.approx(1 / 3)
    assert average_precision_at_k(["a", "x", "b"], {"a", "b"}) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision_at_k(["x", "a", "a"], {"a", "b"}) == pytest.approx(
        0.5 / 2
    )  # repeat once
    assert average_precision_at_k([f"x{i}" for i in range(20)] + ["g"], {"g"}) == 0.0
    many = {f"r{i}" for i in range(30)}
    assert average_precision_at_k(sorted(many)[:20], many) == pytest.approx(1.0)  # / min(|R|, 20)


def test_map_and_mewslix():
    labels = {"q1": ["a"], "q2": ["b"], "q3": ["c"]}
    predictions = {"q1": ["a", "b"], "q2": ["a", "b"]}  # q3 unanswered: 0
    assert map_at_k(predictions, labels) == {"map@20": pytest.approx(100 * (1 + 0.5 + 0) / 3)}
    # Mewsli-X reads only the first (stripped) gold entity
    assert mewslix_map({"m": ["Q2", "Q1"]}, {"m": [" Q1 ", "Q2"]}) == {
        "map@20": pytest.approx(50.0)
    }
    with pytest.raises(ScoringError, match="no gold entity"):
        mewslix_map({}, {"m": []})


def test_rank_candidates_by_dot_product():
    queries = np.array([[1.0, 0.0], [0.0, 1.0]])
    candidates = np.array([[2.0, 0.0], [0.5, 0.5], [0.0, 3.0]])
    assert rank_candidates(queries, candidates, ["c0", "c1", "c2"], k=2) == [
        ["c0", "c1"],
        ["c2", "c1"],
    ]
