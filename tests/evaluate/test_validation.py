"""Validation during training as jiant: the first N examples in file order, the task's metric."""

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from jaxstilts.config import experiment_defaults
from jaxstilts.evaluate.metrics.tagging import pos_scores
from jaxstilts.evaluate.validation import Validation, major_score
from jaxstilts.evaluate.xtreme import score_language
from jaxstilts.experiment.feeds import _validation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"
HEADER = ["index", "promptID", "pairID", "genre", "sentence1_binary_parse",
          "sentence2_binary_parse", "sentence1_parse", "sentence2_parse", "sentence1",
          "sentence2", "label1", "gold_label"]
# Longest first: the 3 shortest rows are the last 3, the first 3 in the file are the longest.
PREMISES = ["The old museum in the centre of the city opens its doors at nine every morning.",
            "Marie Curie was born in Warsaw and later moved to Paris to study physics.",
            "The train from Berlin to Munich was late again this morning.",
            "Tea is served at five.", "It rains.", "Cats sleep."]


def _mnli(tmp_path: Path) -> Path:
    folder = tmp_path / "MNLI"
    folder.mkdir()
    shutil.copy(FIXTURES / "MNLI/train.tsv", folder / "train.tsv")
    with open(folder / "dev_matched.tsv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        for i, premise in enumerate(PREMISES):
            writer.writerow([i, i, f"{i}e", "fiction", "", "", "", "", premise, "Something.",
                             "neutral", "neutral"])
    return tmp_path


def test_validation_is_the_first_examples_in_file_order_not_the_shortest(tmp_path, tokenizer):
    config = experiment_defaults()
    config.data.data_dir = str(_mnli(tmp_path))
    config.target.validation_examples = 3
    validation = _validation(config, "target", "xnli", "mnli", tokenizer,
                             ("contradiction", "entailment", "neutral"))
    assert isinstance(validation, Validation)
    rows = validation.features.examples.rows
    assert rows["text_a"] == PREMISES[:3]  # jiant's cache order: the file's
    assert (validation.head, validation.scorer, validation.metric) == ("xnli", "xnli", "accuracy")


def test_validation_scores_with_the_task_metric_as_jiants_major_figure():
    # QA: jiant's XlingQA/MLQA/SQuAD schemes report (EM + F1) / 2.
    gold = [{"paragraphs": [{"qas": [{"id": "q1", "answers": [{"text": "in Warsaw"}]},
                                     {"id": "q2", "answers": [{"text": "nine"}]}]}]}]
    scores = score_language("xquad", {"q1": "Warsaw", "q2": "nine"}, gold, "en")
    assert scores["exact_match"] == 50.0 and scores["f1"] == pytest.approx(100 * (2 / 3 + 1) / 2)
    assert major_score("squad", scores) == pytest.approx((scores["exact_match"] +
                                                          scores["f1"]) / 200)
    # Tagging: jiant's F1TaggingEvaluationScheme is seqeval F1 (UD-POS and PAN-X alike); CCG's
    # scheme is token accuracy.
    tags = pos_scores([["NOUN", "VERB", "NOUN"]], [["NOUN", "NOUN", "NOUN"]])
    assert major_score("seqeval_f1", tags) == pytest.approx(tags["f1"] / 100)
    assert major_score("token_accuracy", tags) == pytest.approx(2 / 3)
    assert major_score("accuracy", {"accuracy": 75.0}) == 0.75
    with pytest.raises(ValueError, match="no validation score for metric 'bleu'"):
        major_score("bleu", {})


def test_tydiqa_validates_on_the_english_dev_set(tokenizer):
    config = experiment_defaults()
    config.data.data_dir = str(FIXTURES)
    validation = _validation(config, "target", "tydiqa", "tydiqa", tokenizer, None)
    ids = validation.features.examples.rows["id"]
    assert ids == ["english-dev-0", "english-dev-1"]  # jiant's tydiqa_en val: tydiqa.en.dev
    assert (validation.scorer, validation.metric) == ("tydiqa", "squad")
    assert np.all(validation.features.lengths() > 0)
