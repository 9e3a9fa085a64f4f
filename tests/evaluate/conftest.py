"""Evaluator fixtures: the XTREME mock folder and the figures the official script gives."""

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mock_dir(shared_dir) -> Path:
    return shared_dir / "xtreme_mock"


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
