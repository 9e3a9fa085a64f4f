"""The command line: validation errors before compute, `score` on the XTREME mock files."""

import json

import pytest

from jaxstilts.cli import main


def test_an_unknown_config_key_fails_before_any_compute(capsys):
    assert main(["run", "tiny", "--config.train.lr=2e-5"]) == 2
    err = capsys.readouterr().err
    assert "train is not a section" in err


def test_a_wrong_type_names_the_key(capsys):
    assert main(["run", "tiny", "--config.target.steps=lots"]) == 2
    assert "target.steps takes a int, got str 'lots'" in capsys.readouterr().err


def test_an_unknown_task_is_named_before_training(capsys, tmp_path):
    with pytest.raises(KeyError, match="no_such_task"):
        main(["run", "tiny", "--config.target.task=no_such_task", "--workdir", str(tmp_path)])


def test_unknown_arguments_are_refused():
    with pytest.raises(SystemExit):
        main(["score", "--predictions", "x", "--labels", "y", "--config.seed=1"])


def test_score_reproduces_the_official_figures(mock_dir, capsys):
    mock = mock_dir
    tasks = {}
    for benchmark in ("xtreme", "xtreme-r"):  # Mewsli-X belongs to XTREME-R only
        assert main(["score", "--predictions", str(mock / "predictions"), "--labels",
                     str(mock / "labels"), "--benchmark", benchmark]) == 0
        tasks.update(json.loads(capsys.readouterr().out)["tasks"])
    expected = json.loads((mock / "expected_scores.json").read_text())
    for task, average in expected["task_average"].items():
        for metric, value in average.items():
            assert tasks[task]["average"][metric] == pytest.approx(value, abs=1e-9)


def test_bench_smoke(capsys):
    assert main(["bench", "--preset", "tiny", "--batch", "2", "--seq", "16", "--steps", "2",
                 "--warmup", "1", "--pipeline"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["jax"]["step_time_s"] > 0 and result["jax"]["tokens_per_s"] > 0
    assert 0 < result["pipeline"]["bucketed"]["padding_fraction"] < 1
