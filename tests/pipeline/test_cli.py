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
    assert "target.steps takes an int, got str 'lots'" in capsys.readouterr().err


@pytest.mark.parametrize("override, message", [
    ("--config.target.task=no_such_task", "target.task: unknown task 'no_such_task'; registered:"),
    ("--config.model.dtype=fp16", "model.dtype='fp16' is not one of float32, bfloat16: e.g. "
                                  "--config.model.dtype=float32"),
    ("--config.evaluate.languages=en,xx", "evaluate.languages: demo_xnli test has no xx"),
    ("--config.mesh.data=3", "mesh {'data': 3, 'fsdp': 1, 'tensor': 1}: the sizes multiply to 3"),
    ("--config.model.preset=huge", "model.preset='huge' is not one of '', base, large"),
])
def test_values_are_checked_before_a_workdir_is_made_in_one_line(override, message, tmp_path,
                                                                  capsys):
    assert main(["run", "tiny", override, "--workdir", str(tmp_path / "W")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"jaxstilts run: {message}") and err.count("\n") == 1, err
    assert not (tmp_path / "W").exists()


@pytest.fixture
def local_model(tmp_path):
    """A local model folder, as `--config.model.pretrained` names one. The data is checked and
    read before the weights are, so the folder's contents are never reached in these tests."""
    folder = tmp_path / "model"
    folder.mkdir()
    return folder


def test_missing_local_data_lists_every_file_with_the_layout_and_the_flags(
        local_model, tmp_path, capsys):
    empty = tmp_path / "data"
    empty.mkdir()
    assert main(["run", "paper/stilts.py:mnli,xnli", "--workdir", str(tmp_path / "W"),
                 f"--config.model.pretrained={local_model}", "--config.data.source=local",
                 f"--config.data.data_dir={empty}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for file in ("XNLI-1.0/xnli.test.tsv", "MNLI/train.tsv", "MNLI/dev_matched.tsv"):
        assert f"{empty}/{file}" in err
    assert f"3 data file(s) missing under data.data_dir={empty}" in err
    assert f"mnli: {empty}/{{MNLI/train.tsv, MNLI/dev_matched.tsv}}" in err
    assert "--config.data.source=local --config.data.data_dir=/path/to/data" in err
    assert not (tmp_path / "W").exists()


def test_an_offline_hub_is_not_retried_and_the_error_says_what_to_type(
        local_model, tmp_path, monkeypatch, capsys):
    import datasets

    from jaxstilts.model.tokenizer import tiny_tokenizer_dir

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)  # as imported before the env
    assert main(["run", "paper/stilts.py:mnli,xnli", "--workdir", str(tmp_path / "W"),
                 f"--config.model.pretrained={local_model}",
                 f"--config.model.tokenizer={tiny_tokenizer_dir()}"]) == 2
    assert datasets.config.HF_HUB_OFFLINE  # the cache only: no requests, no retries
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("jaxstilts run:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "task mnli: could not load nyu-mll/glue" in lines[0]
    assert "--config.data.source=local --config.data.data_dir=/path/to/data" in lines[0]
    assert not (tmp_path / "W").exists()  # nothing was done: no stub workdir


def test_a_missing_model_names_the_key_to_set(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["run", "tiny", "--workdir", str(tmp_path / "W"),
                 "--config.model.pretrained=FacebookAI/xlm-roberta-large"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jaxstilts run: model.pretrained='FacebookAI/xlm-roberta-large': ")
    assert "no hub here" in err and "--config.model.pretrained=/path/to/folder" in err
    assert err.count("\n") == 1 and not (tmp_path / "W").exists()


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
