"""MultiCheckList on a tiny span-QA run: `evaluate.checklist` in the run, `jaxstilts checklist`
on its workdir afterwards, and the one-line refusals."""

import csv
import json

import pytest

import jaxstilts.experiment.run as experiment
from jaxstilts.cli import main
from jaxstilts.tasks.checklist import SHORT, TESTS, answer_matches

from .sweep_config import get_config


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny xquad run (3 target steps) that ends with MultiCheckList, 3 cases per cell."""
    c = get_config()
    c.target.task, c.target.validate_every = "xquad", 0
    c.evaluate.languages = ("en",)
    c.evaluate.checklist, c.evaluate.checklist_cases = True, 3
    c.evaluate.checklist_languages = ("en", "zh")
    folder = tmp_path_factory.mktemp("xquad-run")
    experiment.run_experiment(c, folder)
    return folder


def test_a_span_run_writes_the_table_the_csv_and_the_heatmap(run_dir):
    summary = json.loads((run_dir / "eval" / "checklist.json").read_text())
    assert summary["languages"] == ["en", "zh"] and summary["cases_per_test"] == 3
    assert set(summary["failure_rate"]) == set(SHORT.values())
    for test, by_lang in summary["cases"].items():
        assert by_lang == {"en": 3, "zh": 3} or test == "comp"  # comp may drop a repeated name
        for lang, shown in summary["failing_examples"][test].items():
            assert len(shown) <= 3
            assert all(not answer_matches(x["predicted"], x["expected"], lang) for x in shown)
            # a cell's failure rate counts at least the failing cases it shows
            assert summary["failure_rate"][test][lang] * by_lang[lang] / 100 >= len(shown)
    with open(run_dir / "eval" / "checklist_results_table.csv") as f:
        table = list(csv.reader(f))
    assert table[0] == ["Lang.", *TESTS] and [r[0] for r in table[1:]] == ["en", "zh"]
    assert float(table[2][1]) == summary["failure_rate"]["comp"]["zh"]
    assert (run_dir / "eval" / "checklist.png").read_bytes()[:4] == b"\x89PNG"
    record = json.loads((run_dir / "run.json").read_text())
    assert record["checklist"]["failure_rate"] == summary["failure_rate"]


def test_checklist_command_on_the_workdir_with_other_languages(run_dir, capsys):
    assert main(["checklist", str(run_dir), "--config.evaluate.checklist_languages=sw",
                 "--config.evaluate.checklist_cases=2"]) == 0
    assert "MultiCheckList failure rate" in capsys.readouterr().out
    summary = json.loads((run_dir / "eval" / "checklist.json").read_text())
    assert summary["languages"] == ["sw"] and summary["cases_per_test"] == 2
    record = json.loads((run_dir / "run.json").read_text())
    assert record["checklist"]["failure_rate"] == summary["failure_rate"]
    recorded = json.loads((run_dir / "config.json").read_text())["evaluate"]
    assert recorded["checklist_languages"] == ["sw"] and recorded["checklist_cases"] == 2
    assert main(["checklist", str(run_dir), "--config.model.preset=base"]) == 2
    assert "takes evaluate.* keys only" in capsys.readouterr().err


def test_checklist_on_a_folder_that_is_no_run_is_one_line(tmp_path, capsys):
    assert main(["checklist", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a finished run (no run.json)" in err


def test_checklist_with_a_target_that_is_not_span_qa_is_refused_before_any_compute(
        tmp_path, capsys):
    assert main(["run", "tiny", "--workdir", str(tmp_path / "w"),
                 "--config.evaluate.checklist=True"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "MultiCheckList tests a span-QA head" in err
    assert not (tmp_path / "w").exists()
