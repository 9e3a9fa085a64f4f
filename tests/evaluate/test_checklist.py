"""Judging MultiCheckList cases as XTREME-R does: a case fails when any of its examples' answers
differs from the expected one after the clean-up; the table is XTREME-R's results_table.csv."""

import csv
import io

import pytest

from jaxstilts.evaluate.checklist import case_rows, judge, results_table
from jaxstilts.tasks.checklist import ANIMAL, COMPARISON, TESTS, Case


def _cases():
    two = [("Ann is older than Bo.", "Who is less old?", "Bo"),
           ("Ann is older than Bo.", "Who is older?", "Ann")]
    return [Case(COMPARISON, "en", 0, {}, two), Case(COMPARISON, "en", 0, {}, two),
            Case(COMPARISON, "de", 0, {}, two),
            Case(ANIMAL, "en", 0, {}, [("Ann has a dog and a car.", "What animal?", "a dog")])]


def test_a_case_fails_when_any_example_fails_after_the_clean_up():
    preds = {"0-0": "Bo.", "0-1": "Ann",  # passes ("." is cleaned off)
             "1-0": "Bo", "1-1": "Bo",  # second example wrong: the case fails
             "2-0": "Ann", "2-1": "Ann",
             "3-0": "the dog"}  # en articles go: passes
    out = judge(_cases(), preds)
    assert out["failure_rate"] == {"comp": {"en": 50.0, "de": 100.0}, "animal": {"en": 0.0}}
    assert out["cases"] == {"comp": {"en": 2, "de": 1}, "animal": {"en": 1}}
    assert out["failing_examples"]["comp"]["en"] == [
        {"context": "Ann is older than Bo.", "question": "Who is older?", "expected": "Ann",
         "predicted": "Bo"}]


def test_rows_are_squad_questions_one_per_example():
    rows = case_rows(_cases())
    assert [r["id"] for r in rows] == ["0-0", "0-1", "1-0", "1-1", "2-0", "2-1", "3-0"]
    assert rows[0]["answers"] == {"text": ["Bo"], "answer_start": [18]}
    assert rows[2]["language"] == "en" and rows[4]["language"] == "de"


def test_a_missing_prediction_is_named():
    with pytest.raises(ValueError, match=r"no prediction for example 3-0 \(animal, en\)"):
        judge(_cases(), {f"{c}-{e}": "x" for c in range(3) for e in range(2)})


def test_results_table_has_xtreme_rs_header_and_one_row_per_language():
    table = list(csv.reader(io.StringIO(results_table(
        {"comp": {"en": 50.0, "de": 100.0}, "animal": {"en": 0.0}}))))
    assert table[0] == ["Lang.", TESTS[0], TESTS[4]]
    assert table[1:] == [["de", "100.0", ""], ["en", "50.0", "0.0"]]
