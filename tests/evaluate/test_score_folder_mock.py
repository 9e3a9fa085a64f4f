"""`score_folder` on XTREME's mock submission reproduces the official evaluate.py figures."""

import json
import shutil

import pytest

from jaxstilts.evaluate import xtreme

TOL = 1e-9


def _task_result(mock_scores, task):
    """XTREME tasks from the xtreme run; Mewsli-X exists only in XTREME-R."""
    for benchmark in ("xtreme", "xtreme-r"):
        if task in mock_scores[benchmark]["tasks"]:
            return mock_scores[benchmark]["tasks"][task]
    raise AssertionError(f"{task} was not scored")


def test_every_language_and_metric_matches(mock_scores, expected):
    for task, languages in expected["per_language"].items():
        result = _task_result(mock_scores, task)
        assert set(result["languages"]) == set(languages), task
        if task in xtreme.LANGUAGES["xtreme"]:
            assert list(result["languages"]) == list(xtreme.LANGUAGES["xtreme"][task])
        for language, metrics in languages.items():
            for metric, value in metrics.items():
                assert result["languages"][language][metric] == pytest.approx(value, abs=TOL), (
                    task,
                    language,
                    metric,
                )


def test_task_averages_match(mock_scores, expected):
    for task, metrics in expected["task_average"].items():
        result = _task_result(mock_scores, task)
        for metric, value in metrics.items():
            assert result["average"][metric] == pytest.approx(value, abs=TOL), (task, metric)


def test_udpos_reports_seqeval_f1_with_token_accuracy_beside(mock_scores):
    udpos = mock_scores["xtreme"]["tasks"]["udpos"]
    assert udpos["score"] == pytest.approx(70.39805810699043, abs=TOL)  # seqeval 1.2.2, not 70.2175
    assert all("token_accuracy" in m for m in udpos["languages"].values())
    assert udpos["average"]["token_accuracy"] != pytest.approx(udpos["average"]["f1"])


def test_xtreme_score_is_the_mean_of_the_nine_task_figures(mock_scores, expected):
    averages = expected["task_average"]
    figures = {}
    for task in xtreme.LANGUAGES["xtreme"]:
        avg = averages[task]
        qa = task in ("xquad", "mlqa", "tydiqa")
        figures[task] = (
            (avg["exact_match"] + avg["f1"]) / 2 if qa else avg.get("f1", avg.get("accuracy"))
        )
    result = mock_scores["xtreme"]
    for task, figure in figures.items():
        assert result["tasks"][task]["score"] == pytest.approx(figure, abs=TOL)
    assert result["score"] == pytest.approx(sum(figures.values()) / 9, abs=TOL)
    assert result["categories"]["qa"] == pytest.approx(
        (figures["xquad"] + figures["mlqa"] + figures["tydiqa"]) / 3, abs=TOL
    )
    assert result["categories"]["retrieval"] == pytest.approx(
        (figures["bucc2018"] + figures["tatoeba"]) / 2, abs=TOL
    )
    assert result["missing_tasks"] == [] and result["incomplete_tasks"] == []
    assert result["ignored_folders"] == ["mewslix"]


def test_result_is_json_serialisable(mock_scores):
    assert json.loads(json.dumps(mock_scores["xtreme"]))["score"] == mock_scores["xtreme"]["score"]


def test_xtreme_r_on_the_mock_folder_reports_what_is_missing(mock_scores):
    result = mock_scores["xtreme-r"]
    assert result["score"] is None
    assert result["missing_tasks"] == ["xcopa", "lareqa"]
    assert "ro" in result["tasks"]["xquad"]["missing_languages"]
    assert not result["tasks"]["xquad"]["complete"]
    assert result["tasks"]["mewslix"]["complete"]
    assert result["ignored_folders"] == ["bucc2018", "pawsx"]


def _fill(task_dir, donor, languages, suffix):
    for language in languages:
        target = task_dir / f"test-{language}.{suffix}"
        if not target.exists():
            shutil.copy(task_dir / f"test-{donor}.{suffix}", target)


def test_complete_xtreme_r_folder_gets_the_xtreme_r_score(mock_dir, tmp_path):
    """Complete the mock folder for XTREME-R (copied languages, tiny XCOPA, LAReQA); score it."""
    from jaxstilts.evaluate.submission import file_name, write_predictions

    roots = {}
    for side in ("predictions", "labels"):
        root = tmp_path / side
        shutil.copytree(mock_dir / side, root)
        for task, languages in xtreme.LANGUAGES["xtreme-r"].items():
            if (root / task).is_dir():
                fmt = xtreme.SCORERS[task].metric.submission
                donor = "en" if (root / task / file_name(fmt, "en")).exists() else "de"
                _fill(root / task, donor, languages, file_name(fmt, "xx").split(".")[-1])
        roots[side] = root
    for language in xtreme.LANGUAGES["xtreme-r"]["xcopa"]:
        write_predictions(roots["predictions"], "xcopa", language, [0, 1, 1, 0], "jsonl")
        write_predictions(roots["labels"], "xcopa", language, [0, 1, 0, 0], "jsonl")  # 75 %
    for language in xtreme.LANGUAGES["xtreme-r"]["lareqa"]:
        write_predictions(roots["predictions"], "lareqa", language, {"q": ["b", "a", "c"]},
                          "ranking")
        write_predictions(roots["labels"], "lareqa", language, {"q": ["a", "c"]},
                          "ranking")  # (1/2+2/3)/2

    result = xtreme.score_folder(roots["predictions"], roots["labels"], "xtreme-r")
    assert result["missing_tasks"] == [] and result["incomplete_tasks"] == []
    tasks = result["tasks"]
    assert tasks["xcopa"]["score"] == pytest.approx(75.0)
    assert tasks["lareqa"]["score"] == pytest.approx(100 * (1 / 2 + 2 / 3) / 2)
    figures = [tasks[t]["score"] for t in xtreme.LANGUAGES["xtreme-r"]]
    assert len(figures) == 10
    assert result["score"] == pytest.approx(sum(figures) / 10, abs=TOL)
    assert result["categories"]["retrieval"] == pytest.approx(
        (tasks["tatoeba"]["score"] + tasks["mewslix"]["score"] + tasks["lareqa"]["score"]) / 3
    )
    assert result["categories"]["classification"] == pytest.approx(
        (tasks["xnli"]["score"] + tasks["xcopa"]["score"]) / 2
    )
