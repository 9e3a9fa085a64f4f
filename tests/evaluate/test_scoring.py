"""The metric registry: one entry per metric, and a new metric is one entry."""

import json
from dataclasses import replace

import numpy as np
import pytest

from jaxstilts.evaluate import submission
from jaxstilts.evaluate.evaluator import TaskEvaluation, language_predictions, write_evaluation
from jaxstilts.evaluate.results import read_results
from jaxstilts.evaluate.scoring import METRICS, Metric, headline, task_score
from jaxstilts.evaluate.xtreme import SCORERS, scorer_of, summarize_task
from jaxstilts.kinds import Kind
from jaxstilts.tasks import get_task, task_from_config
from jaxstilts.tasks.features import features_from_ids

NLI = ("entailment", "neutral", "contradiction")


def _user_nli(**changes):
    task = task_from_config({
        "name": "legal_nli", "kind": "pair_classification", "labels": list(NLI),
        "languages": ["en", "de"],
        "source": {"local": {"format": "jsonl", "files": {"train": "t", "test": "x"}}},
    })
    return replace(task, **changes)


def test_every_kind_default_and_catalog_metric_is_an_entry_that_scores_its_kind():
    for kind in Kind:
        if kind not in (Kind.RETRIEVAL_PAIRS, Kind.RETRIEVAL):  # trained only / XTREME's own
            assert kind in METRICS[kind.default_metric].kinds, kind
    for name in ("xnli", "panx", "ccg", "squad_v2", "mlqa", "tatoeba", "bucc2018", "lareqa"):
        task = get_task(name)
        assert task.kind in METRICS[task.metric].kinds, name
    assert {m.submission for m in METRICS.values()} <= set(submission.SUFFIXES)


def test_headline_and_early_stopping_figures():
    qa = {"exact_match": 40.0, "f1": 60.0}
    assert METRICS["squad"].figure(qa) == 50.0 and METRICS["mlqa"].early_stopping(qa) == 0.5
    tags = {"f1": 70.0, "token_accuracy": 90.0}
    assert METRICS["seqeval_f1"].figure(tags) == 70.0
    assert METRICS["token_accuracy"].figure(tags) == 90.0
    assert METRICS["accuracy"].figure(tags) is None
    # a record that names its metric is read by it; one that does not, by its keys
    assert headline("token_accuracy", tags) == 90.0 and headline(None, tags) == 70.0
    assert headline("tatoeba_accuracy", {"accuracy": 80.0, "f1": 1.0}) == 80.0


def test_a_user_pair_classification_task_files_its_predictions_under_its_own_name(tmp_path):
    """Scored like XNLI (accuracy over label names, one label a line) but filed and summarized
    as itself: nothing lands in predictions/xnli/; `demo_xnli` stands in for XNLI and keeps
    XNLI's folder."""
    scorer = scorer_of(_user_nli())
    assert (scorer.name, scorer.kind, scorer.metric) == ("legal_nli", Kind.PAIR_CLASSIFICATION,
                                                         METRICS["accuracy"])
    features = features_from_ids(_user_nli(), {"input_ids": [[0, 5, 2]] * 4,
                                               "language": ["en", "en", "de", "de"],
                                               "label": [0, 1, 2, 2]}, max_length=8)
    preds, gold, notes = language_predictions(scorer, {"label": np.array([0, 2, 2, 2])},
                                              features, label_names=NLI)
    scores = {lang: scorer.metric.score(preds[lang], gold[lang], lang) for lang in preds}
    assert scores == {"en": {"accuracy": 50.0}, "de": {"accuracy": 100.0}} and not notes
    summary = summarize_task(scorer, scores)
    assert summary["complete"] and summary["score"] == 75.0  # its own languages, not XNLI's 15
    paths = write_evaluation(TaskEvaluation(scorer, preds, gold, scores, summary), tmp_path,
                             name="legal_nli")
    assert tmp_path / "predictions" / "legal_nli" / "test-de.tsv" in paths
    assert (tmp_path / "predictions" / "legal_nli" / "test-en.tsv").read_text() == \
        "entailment\ncontradiction\n"
    assert not (tmp_path / "predictions" / "xnli").exists()
    assert read_results(tmp_path / "results.json") == {"legal_nli": scores}
    assert scorer_of(get_task("demo_xnli")) is SCORERS["xnli"]
    assert scorer_of(get_task("xquad_xtreme_r")) is SCORERS["xquad"]


def test_a_new_metric_is_one_entry(monkeypatch, tmp_path):
    """A metric added to the registry scores, files, summarizes and validates a task that names
    it, with no other change (here: macro-averaged F1 over label names, written as JSON lines)."""

    def macro_f1(predictions, labels, language):
        f1s = []
        for label in sorted(set(labels)):
            tp = sum(p == g == label for p, g in zip(predictions, labels))
            guessed, true = predictions.count(label), labels.count(label)
            f1s.append(2 * tp / (guessed + true) if guessed + true else 0.0)
        return {"macro_f1": 100 * sum(f1s) / len(f1s)}

    entry = Metric("macro_f1", macro_f1, lambda s: s["macro_f1"], "jsonl",
                   frozenset({Kind.PAIR_CLASSIFICATION}))
    monkeypatch.setitem(METRICS, "macro_f1", entry)
    scorer = scorer_of(_user_nli(metric="macro_f1"))
    assert scorer.metric is entry
    preds = {"en": ["entailment", "neutral", "neutral"]}
    gold = {"en": ["entailment", "neutral", "contradiction"]}
    scores = {"en": scorer.metric.score(preds["en"], gold["en"], "en")}
    assert scores["en"]["macro_f1"] == pytest.approx(100 * (1 + 2 / 3 + 0) / 3)
    assert task_score(scorer, scores["en"]) == scores["en"]["macro_f1"]
    assert scorer.metric.early_stopping(scores["en"]) == pytest.approx((1 + 2 / 3) / 3)
    (path,) = [p for p in write_evaluation(
        TaskEvaluation(scorer, preds, gold, scores, summarize_task(scorer, scores)), tmp_path)
        if p.parent.name == "legal_nli"]
    assert path.name == "test-en.jsonl"
    assert [json.loads(line)["label"] for line in path.read_text().splitlines()] == preds["en"]
