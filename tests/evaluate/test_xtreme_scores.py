"""Task figures, the XTREME / XTREME-R scores, category averages, partial folders."""

import shutil

import pytest

from jaxstilts.evaluate.metrics import ScoringError
from jaxstilts.evaluate.scoring import task_score
from jaxstilts.evaluate.xtreme import (
    CATEGORIES,
    LANGUAGES,
    SCORERS,
    category_scores,
    overall_score,
    score_folder,
    summarize_task,
)


def test_task_figure():
    assert task_score(SCORERS["mlqa"], {"exact_match": 40.0, "f1": 60.0}) == 50.0
    assert task_score(SCORERS["panx"], {"f1": 70.0, "precision": 1.0,
                                        "token_accuracy": 9.0}) == 70.0
    assert task_score(SCORERS["udpos"], {"f1": 70.0, "token_accuracy": 90.0}) == 70.0
    assert task_score(SCORERS["xnli"], {"accuracy": 80.0}) == 80.0
    assert task_score(SCORERS["mewslix"], {"map@20": 30.0}) == 30.0
    assert task_score(SCORERS["bucc2018"], {"f1": 40.0, "precision": 90.0}) == 40.0
    with pytest.raises(ScoringError, match="tatoeba: no tatoeba_accuracy headline"):
        task_score(SCORERS["tatoeba"], {"f1": 40.0})


def test_benchmark_task_lists():
    assert len(LANGUAGES["xtreme"]) == 9 and len(LANGUAGES["xtreme-r"]) == 10
    assert set(LANGUAGES["xtreme-r"]) == {
        "xnli", "xcopa", "udpos", "panx", "xquad", "mlqa", "tydiqa", "mewslix", "lareqa", "tatoeba"
    }  # fmt: skip
    for benchmark, categories in CATEGORIES.items():
        assert sorted(t for tasks in categories.values() for t in tasks) == sorted(
            LANGUAGES[benchmark]
        )


def test_overall_and_category_scores():
    figures = {task: float(n) for n, task in enumerate(LANGUAGES["xtreme-r"])}
    assert overall_score(figures, "xtreme-r") == pytest.approx(sum(range(10)) / 10)
    categories = category_scores(figures, "xtreme-r")
    assert categories["retrieval"] == pytest.approx(
        (figures["tatoeba"] + figures["mewslix"] + figures["lareqa"]) / 3
    )
    del figures["xcopa"]
    assert "classification" not in category_scores(figures, "xtreme-r")
    with pytest.raises(ScoringError, match="missing: xcopa"):
        overall_score(figures, "xtreme-r")


def test_summarize_task_reports_missing_languages():
    summary = summarize_task(SCORERS["pawsx"], {"en": {"accuracy": 50.0}, "de": {"accuracy": 70.0}})
    assert list(summary["languages"]) == ["de", "en"]  # benchmark order
    assert summary["average"] == {"accuracy": 60.0}
    assert summary["missing_languages"] == ["es", "fr", "ja", "ko", "zh"]
    assert not summary["complete"]


def test_partial_folder_is_scored_without_an_overall_score(mock_dir, tmp_path):
    for side in ("predictions", "labels"):
        shutil.copytree(mock_dir / side / "pawsx", tmp_path / side / "pawsx")
    (tmp_path / "predictions" / "pawsx" / "test-ko.tsv").unlink()
    result = score_folder(tmp_path / "predictions", tmp_path / "labels")
    pawsx = result["tasks"]["pawsx"]
    assert pawsx["missing_languages"] == ["ko"] and not pawsx["complete"]
    assert pawsx["average"]["accuracy"] == pytest.approx((50 + 40 + 50 + 60 + 60 + 40) / 6)
    assert result["score"] is None and result["categories"] == {}
    assert result["incomplete_tasks"] == ["pawsx"] and "xnli" in result["missing_tasks"]
