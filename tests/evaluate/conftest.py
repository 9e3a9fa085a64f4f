"""Evaluator fixtures: the figures the official script gives on the XTREME mock folder."""

import json

import pytest


@pytest.fixture(scope="session")
def expected(mock_dir) -> dict:
    return json.loads((mock_dir / "expected_scores.json").read_text())


@pytest.fixture(scope="session")
def mock_scores(mock_dir) -> dict:
    from jaxstilts.evaluate.xtreme import score_folder

    return {
        benchmark: score_folder(mock_dir / "predictions", mock_dir / "labels", benchmark)
        for benchmark in ("xtreme", "xtreme-r")
    }
