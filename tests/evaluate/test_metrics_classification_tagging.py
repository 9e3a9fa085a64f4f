"""Accuracy and seqeval-compatible span F1 (PAN-X IOB2, UD-POS's prefix-less tags)."""

import random
import warnings

import pytest

from jaxstilts.evaluate.metrics import ScoringError
from jaxstilts.evaluate.metrics.classification import accuracy
from jaxstilts.evaluate.metrics.tagging import entities, ner_scores, pos_scores, span_f1


def test_accuracy_compares_labels_as_written():
    assert accuracy(["entailment", "neutral", "1"], ["entailment", "contradiction", "1"]) == {
        "accuracy": pytest.approx(200 / 3)
    }
    with pytest.raises(ScoringError, match="2 predicted examples but 3 gold"):
        accuracy(["a", "b"], ["a", "b", "c"])


def test_iob2_chunks():
    sentence = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-ORG", "B-ORG", "I-PER"]
    assert entities([sentence]) == [
        ("PER", 0, 1),
        ("LOC", 3, 4),  # I- after O starts an entity (conlleval rule)
        ("ORG", 5, 5),
        ("ORG", 6, 6),  # B-B: two entities
        ("PER", 7, 7),  # type change ends and starts
    ]


def test_entities_do_not_cross_sentences():
    assert entities([["B-PER"], ["I-PER"]]) == [("PER", 0, 0), ("PER", 2, 2)]


def test_ner_precision_recall_f1():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "O"], ["B-ORG", "B-LOC"]]
    scores = ner_scores(pred, gold)
    # 2 of 3 predicted correct, 2 of 3 gold found
    assert scores["precision"] == pytest.approx(200 / 3)
    assert scores["recall"] == pytest.approx(200 / 3)
    assert scores["f1"] == pytest.approx(200 / 3)
    boundary = ner_scores([["B-PER", "O"]], [["B-PER", "I-PER"]])
    assert boundary == {"f1": 0.0, "precision": 0.0, "recall": 0.0}  # exact span match only


def test_upos_tags_merge_runs_and_differ_from_token_accuracy():
    # NOUN NOUN is one chunk (prefix N, type OUN); SYM/SCONJ (prefix S) are single-token chunks
    assert entities([["NOUN", "NOUN", "VERB", "SYM", "SYM"]]) == [
        ("OUN", 0, 1),
        ("ERB", 2, 2),
        ("YM", 3, 3),
        ("YM", 4, 4),
    ]
    gold = [["NOUN", "NOUN", "VERB"]]
    pred = [["NOUN", "PROPN", "VERB"]]
    scores = pos_scores(pred, gold)
    assert scores["token_accuracy"] == pytest.approx(200 / 3)
    # gold chunks {NOUN 0-1, VERB 2}; predicted {NOUN 0, PROPN 1, VERB 2}: 1 correct
    assert scores["precision"] == pytest.approx(100 / 3)
    assert scores["recall"] == pytest.approx(50.0)
    assert scores["f1"] == pytest.approx(40.0)


def test_matches_seqeval_on_random_sequences():
    seqeval = pytest.importorskip("seqeval.metrics")
    rng = random.Random(0)
    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "NOUN", "VERB", "SYM", "X", "E-PER", "S-LOC"]
    for _ in range(200):
        lengths = [rng.randint(1, 8) for _ in range(rng.randint(1, 4))]
        gold = [[rng.choice(tags) for _ in range(n)] for n in lengths]
        pred = [[rng.choice(tags) for _ in range(n)] for n in lengths]
        ours = span_f1(pred, gold)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert ours["f1"] == seqeval.f1_score(gold, pred) * 100
            assert ours["precision"] == seqeval.precision_score(gold, pred) * 100
            assert ours["recall"] == seqeval.recall_score(gold, pred) * 100


def test_misaligned_sentences_are_refused():
    with pytest.raises(ScoringError, match="sentence 2: 1 predicted tags but 2 gold tags"):
        span_f1([["O"], ["O"]], [["O"], ["O", "O"]])
    with pytest.raises(ScoringError, match="1 predicted sentences but 2 gold"):
        span_f1([["O"]], [["O"], ["O"]])
