"""results.json / Markdown / CSV, with high- and low-resource averages."""

import csv
import io

import pytest

from jaxstilts.evaluate.results import (
    csv_table,
    from_scores,
    group_averages,
    markdown_table,
    read_results,
    resource_group,
    write_results,
)

RESULTS = {
    "xnli": {"en": {"accuracy": 90.0}, "de": {"accuracy": 80.0}, "sw": {"accuracy": 60.0}},
    "xquad": {"en": {"exact_match": 70.0, "f1": 80.0}, "th": {"exact_match": 40.0, "f1": 50.0}},
}


def test_resource_groups():
    assert resource_group("en") == resource_group("zh") == "high"
    assert resource_group("sw") == resource_group("yo") == resource_group("ta") == "low"


def test_group_averages():
    groups = group_averages(RESULTS["xnli"])
    assert groups["all"]["accuracy"] == pytest.approx(230 / 3)
    assert groups["high"]["accuracy"] == pytest.approx(85.0)
    assert groups["low"]["accuracy"] == pytest.approx(60.0)
    assert "low" not in group_averages({"en": {"accuracy": 1.0}})


def test_written_files(tmp_path):
    paths = write_results(RESULTS, tmp_path / "out")
    assert read_results(paths["json"]) == RESULTS
    markdown = paths["markdown"].read_text()
    assert "| xnli | accuracy | 76.67 | 85.00 | 60.00 |" in markdown
    assert "| xquad | f1 | 65.00 | 80.00 | 50.00 |" in markdown
    assert "| metric | en (h) | th (l) |" in markdown
    rows = list(csv.DictReader(io.StringIO(paths["csv"].read_text())))
    assert {
        "task": "xnli",
        "language": "sw",
        "resource": "low",
        "metric": "accuracy",
    }.items() <= rows[2].items()
    averages = {(r["task"], r["language"], r["metric"]): float(r["value"]) for r in rows}
    assert averages[("xnli", "avg_high", "accuracy")] == 85.0
    assert averages[("xquad", "avg_low", "exact_match")] == 40.0
    assert csv_table(RESULTS) == paths["csv"].read_text()
    assert markdown_table(RESULTS) == markdown


def test_from_score_folder_output(mock_scores):
    results = from_scores(mock_scores["xtreme"])
    assert results["xnli"]["de"] == mock_scores["xtreme"]["tasks"]["xnli"]["languages"]["de"]
    assert set(results) == set(mock_scores["xtreme"]["tasks"])
