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


def test_packaged_demo_tasks_under_another_data_dir_are_said_to_need_none(tmp_path, capsys):
    assert main(["run", "tiny", "--workdir", str(tmp_path / "W"),
                 f"--config.data.data_dir={tmp_path}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("demo_nli, demo_xnli come with jaxstilts (their files are "
                                      "in ") in err and "leave data.data_dir unset" in err, err


def test_a_run_checks_its_own_files_and_a_sweep_those_of_its_runs(local_model, tmp_path, capsys):
    empty = tmp_path / "data"
    empty.mkdir()
    flags = ["--workdir", str(tmp_path / "W"), f"--config.model.pretrained={local_model}",
             "--config.data.source=local", f"--config.data.data_dir={empty}",
             "--config.intermediate.tasks=", "--config.target.task=pawsx",
             "--config.sweep.intermediate=mnli", "--config.sweep.targets=xnli"]
    assert main(["run", "paper/stilts.py:mnli,xnli", *flags]) == 2
    err = capsys.readouterr().err
    assert "pawsx: " in err and "mnli: " not in err and "xnli: " not in err, err
    assert main(["sweep", "paper/stilts.py:mnli,xnli", *flags]) == 2
    err = capsys.readouterr().err
    assert "mnli: " in err and "xnli: " in err and "pawsx: " not in err, err


def test_a_batch_larger_than_the_training_data_is_one_line_naming_the_key(tmp_path, capsys):
    from pathlib import Path

    folder = Path(__file__).parents[1] / "fixtures/official/expected/xtreme_download"
    assert main(["run", "tiny", "--workdir", str(tmp_path / "W"), "--config.intermediate.tasks=",
                 "--config.target.task=pawsx", "--config.data.source=local",
                 f"--config.data.data_dir={folder}", "--config.evaluate.languages=en",
                 "--quiet"]) == 2
    assert capsys.readouterr().err == (
        "jaxstilts run: target.batch_size=16: task pawsx has only 3 training rows; lower "
        "--config.target.batch_size or give the task more data\n")
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


def test_a_truncated_predictions_file_is_one_line(mock_dir, tmp_path, capsys):
    import shutil

    predictions = tmp_path / "predictions"
    shutil.copytree(mock_dir / "predictions", predictions)
    file = predictions / "xnli" / "test-de.tsv"
    file.write_text("".join(file.read_text().splitlines(keepends=True)[:3]))
    assert main(["score", "--predictions", str(predictions), "--labels",
                 str(mock_dir / "labels")]) == 2
    err = capsys.readouterr().err
    assert err == (f"jaxstilts score: {file}: 3 predictions, but "
                   f"{mock_dir / 'labels' / 'xnli' / 'test-de.tsv'} has 10 labels\n")


def test_report_on_a_single_run_points_at_its_results(tmp_path, capsys):
    (tmp_path / "run.json").write_text("{}")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"is one run, not a sweep: its results are in {tmp_path / 'eval' / 'results.md'}" in err


# Help that starts a new user.

def _help(capsys, *argv) -> str:
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return capsys.readouterr().out


def test_help_starts_with_the_demo_and_shows_overrides_and_config_arguments(capsys):
    text = _help(capsys)
    assert text.index("Start here") < text.index("jaxstilts demo") < text.index("jaxstilts run")
    assert "--config.KEY=VALUE" in text and "file.py:arg" in text
    for command in ("run", "sweep", "eval", "demo"):
        usage = _help(capsys, command)
        assert "[--config.KEY=VALUE ...]" in usage.splitlines()[0], command
    assert "FILE.py:ARG" in _help(capsys, "run") and "FILE.py:ARG" in _help(capsys, "sweep")


def test_every_argument_of_every_command_is_described_and_eval_needs_a_workdir(capsys):
    from jaxstilts.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    for name, command in sub.choices.items():
        for action in command._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.dest}"
    (workdir,) = [a for a in sub.choices["eval"]._actions if a.dest == "workdir"]
    assert workdir.required and "default" not in workdir.help


# Quiet means quiet.

def test_library_notices_are_dropped_and_a_repeated_warning_is_shown_once(capsys):
    import logging

    from jaxstilts.logs import setup_logging

    setup_logging()
    absl = logging.getLogger("absl")
    for _ in range(3):
        absl.warning("CheckpointManagerOptions.read_only=True, setting save_interval_steps=0.")
        absl.warning("Given directory is read only=/runs/W/target/best")
        logging.getLogger("jaxstilts.tasks").warning("skipped 2 rows")
    logging.getLogger("jaxstilts.train.notice").info("resuming from step 8")
    assert capsys.readouterr().err == ("WARNING jaxstilts.tasks: skipped 2 rows\n"
                                       "INFO jaxstilts.train.notice: resuming from step 8\n")
    setup_logging(quiet=True)
    logging.getLogger("jaxstilts.train.notice").info("resuming from step 9")
    assert capsys.readouterr().err == ""


def test_orbax_notices_are_dropped_for_python_users_too(caplog):
    """A notebook calls the pipeline without the command line's logging set-up: the notices
    Orbax gives on every read-only manager and every save are dropped at the absl logger."""
    import logging

    import jaxstilts.train.checkpoint  # noqa: F401  (installs the filter)

    absl = logging.getLogger("absl")
    with caplog.at_level(logging.WARNING):
        absl.warning("Given directory is read only=/runs/W/target/best")
        absl.warning("Waiting for previous save to complete, took 0.1 seconds.")
        absl.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]


def test_transformers_advice_that_pytorch_is_missing_is_not_shown(monkeypatch):
    from transformers.utils import logging as hf_logging

    from jaxstilts.logs import setup_logging

    monkeypatch.delenv("TRANSFORMERS_NO_ADVISORY_WARNINGS", raising=False)
    setup_logging()
    logger, shown = hf_logging.get_logger("transformers"), []
    monkeypatch.setattr(logger, "warning", lambda *args, **kwargs: shown.append(args))
    logger.warning_advice("PyTorch was not found. Models won't be available")  # at its import
    assert shown == []


def test_quiet_turns_off_the_featurize_bars(capsys):
    import datasets

    try:
        main(["run", "tiny", "--quiet", "--config.model.dtype=fp16"])
        assert not datasets.is_progress_bar_enabled()
    finally:
        datasets.enable_progress_bars()


def test_a_preempted_run_is_reported_once_by_the_train_loop_not_again_by_the_cli(
        tmp_path, monkeypatch, capsys):
    from jaxstilts.experiment import run as experiment
    from jaxstilts.train.preemption import EXIT_CODE, Preempted

    def preempted(*args, **kwargs):
        raise Preempted("SIGTERM", 4, tmp_path / "W" / "target")

    monkeypatch.setattr(experiment, "run_experiment", preempted)
    assert main(["run", "tiny", "--workdir", str(tmp_path / "W")]) == EXIT_CODE
    assert "jaxstilts run:" not in capsys.readouterr().err


def _orbax_step(folder, step: int) -> None:
    """A committed Orbax checkpoint at `step` under `folder` (a stand-in state)."""
    import numpy as np
    import orbax.checkpoint as ocp

    manager = ocp.CheckpointManager(folder)
    manager.save(step, args=ocp.args.Composite(state=ocp.args.StandardSave({"x": np.zeros(2)})))
    manager.wait_until_finished()
    manager.close()


def test_a_finished_phase_is_said_to_be_skipped(tmp_path, caplog):
    import logging

    from jaxstilts.config import load_config
    from jaxstilts.experiment.phases import run_phase

    _orbax_step(tmp_path / "checkpoints", 8)  # what it hands on: its last step (no validation)
    (tmp_path / "done.json").write_text('{"steps": 8}')
    with caplog.at_level(logging.INFO, "jaxstilts.train.notice"):
        assert run_phase(load_config("tiny"), "target", ["demo_xnli"], tmp_path, None,
                         None) == {"steps": 8}
    assert f"target phase is finished ({tmp_path}, step 8); skipping it" in caplog.text


def test_a_phase_whose_best_checkpoint_was_never_committed_is_not_finished(tmp_path, caplog,
                                                                            monkeypatch):
    """What a kill during the best save left under an older version: done.json names best step
    4, best/ holds only Orbax's uncommitted 4.orbax-checkpoint-tmp. The phase is not skipped
    (it trains on, to write the best again), and the handoff refuses rather than falling back
    to the latest checkpoint (another step, other results)."""
    from jaxstilts.config import load_config
    from jaxstilts.experiment import phases
    from jaxstilts.train.checkpoint import NoRestorableCheckpoint, restore_encoder

    _orbax_step(tmp_path / "checkpoints", 8)
    (tmp_path / "best" / "4.orbax-checkpoint-tmp").mkdir(parents=True)
    (tmp_path / "done.json").write_text('{"steps": 8, "best_step": 4}')
    with pytest.raises(NoRestorableCheckpoint, match=r"best: the checkpoint this phase hands on "
                       r"was never finished \(4.orbax-checkpoint-tmp"):
        restore_encoder(tmp_path, {})

    class Trains(Exception):
        pass

    def trains(*args, **kwargs):
        raise Trains

    monkeypatch.setattr(phases, "features_of", trains)
    with pytest.raises(Trains):
        phases.run_phase(load_config("tiny"), "target", ["demo_xnli"], tmp_path, None, None)
    assert "is marked finished, but" in caplog.text and "finishing it again" in caplog.text
    assert not (tmp_path / "done.json").exists()


def test_results_json_names_the_task_as_run_json_does(tmp_path):
    """A run of `demo_xnli` is scored by XNLI's official metric; its results say demo_xnli."""
    from jaxstilts.evaluate.evaluator import TaskEvaluation, write_evaluation
    from jaxstilts.evaluate.results import read_results

    labels = ["entailment", "neutral", "contradiction"]
    evaluation = TaskEvaluation("xnli", {"en": labels}, {"en": labels},
                                {"en": {"accuracy": 100.0}}, {})
    write_evaluation(evaluation, tmp_path, name="demo_xnli")
    assert read_results(tmp_path / "results.json") == {"demo_xnli": {"en": {"accuracy": 100.0}}}
    assert (tmp_path / "predictions" / "xnli" / "test-en.tsv").exists()  # XTREME's layout


def test_verbose_raises_the_error_with_its_traceback():
    from jaxstilts.config import ConfigError

    with pytest.raises(ConfigError, match="model.dtype='fp16'"):
        main(["-v", "run", "tiny", "--config.model.dtype=fp16"])


# Faults and mistakes answered in one line (issue 26).

def test_a_rejected_key_or_type_answers_before_jax_is_imported():
    """A typo waits for no JAX import (seconds): keys and types are checked first."""
    import subprocess
    import sys

    code = ("import sys\nfrom jaxstilts.cli import main\n"
            "assert main(['run', 'tiny', '--config.target.steps=lots']) == 2\n"
            "assert main(['demo', '--config.train.lr=1']) == 2\n"
            "print(sorted(m for m in ('jax', 'datasets', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert "target.steps takes an int" in out.stderr and "train is not a section" in out.stderr


@pytest.mark.parametrize("error", ["diverged", "disk", "interrupt"])
def test_a_fault_during_a_run_is_one_line_and_the_lock_is_released(error, tmp_path, monkeypatch,
                                                                   capsys):
    from jaxstilts.experiment import run as experiment
    from jaxstilts.train.checkpoint import CheckpointNotWritten
    from jaxstilts.train.loop import TrainingDiverged
    from jaxstilts.workdir import LOCK_NAME

    raised = {"diverged": TrainingDiverged("loss became nan at step 5 on task 'demo_xnli'; the "
                                           "last good checkpoint is step 4"),
              "disk": CheckpointNotWritten(f"{tmp_path}/W/target/checkpoints: a checkpoint could "
                                           "not be written (No space left on device)"),
              "interrupt": KeyboardInterrupt()}[error]

    def fails(config, workdir, **kwargs):
        (tmp_path / "W" / "target" / "checkpoints" / "4").mkdir(parents=True)
        (tmp_path / "W" / "target" / "checkpoints" / "4" / "state").write_text("work")
        raise raised

    monkeypatch.setattr(experiment, "run_experiment", fails)
    code = main(["run", "tiny", "--workdir", str(tmp_path / "W")])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    if error == "interrupt":
        assert code == 130 and err.startswith("jaxstilts run: interrupted (Ctrl-C)")
    else:
        assert code == 2 and err == f"jaxstilts run: {raised}\n"
    assert not (tmp_path / "W" / LOCK_NAME).exists()
    assert (tmp_path / "W" / "target" / "checkpoints" / "4" / "state").exists()  # work is kept


def test_score_on_a_folder_without_predictions_fails_saying_where_they_are(mock_dir, tmp_path,
                                                                          capsys):
    labels = str(mock_dir / "labels")
    (tmp_path / "empty").mkdir()
    run = tmp_path / "run"
    (run / "eval" / "predictions").mkdir(parents=True)
    for folder, hint in ((tmp_path / "empty", "expected TASK/test-LANG.tsv|json files"),
                         (run, f"its predictions are in {run / 'eval/predictions'}"),
                         (mock_dir / "predictions" / "xnli",
                          f"pass its parent, --predictions {mock_dir / 'predictions'}")):
        assert main(["score", "--predictions", str(folder), "--labels", labels]) == 2
        out = capsys.readouterr()
        assert out.out == "" and out.err.count("\n") == 1, out.err
        assert out.err.startswith(f"jaxstilts score: --predictions {folder}: no prediction file "
                                  "of any xtreme task here") and hint in out.err, out.err


def test_a_partial_submission_scores_and_says_why_there_is_no_overall_score(mock_dir, tmp_path,
                                                                            capsys):
    import shutil

    shutil.copytree(mock_dir / "predictions" / "xnli", tmp_path / "xnli")
    assert main(["score", "--predictions", str(tmp_path), "--labels",
                 str(mock_dir / "labels")]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["tasks"]["xnli"]["complete"]
    assert out.err.startswith("jaxstilts score: no overall score: ") and "without predictions" in (
        out.err)


def test_inspect_on_a_folder_without_phases_fails(tmp_path, capsys):
    assert main(["inspect", str(tmp_path)]) == 2
    assert "no phase folder here" in capsys.readouterr().err


def test_version_verbose_after_the_command_and_the_space_instead_of_equals(capsys):
    from jaxstilts import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"jaxstilts {__version__}\n"
    from jaxstilts.config import ConfigError

    with pytest.raises(ConfigError, match="model.dtype='fp16'"):  # -v after the command: raised
        main(["run", "tiny", "-v", "--config.model.dtype=fp16"])
    with pytest.raises(SystemExit):
        main(["run", "tiny", "--config.target.steps", "20"])
    assert ("--config.target.steps takes its value after '=': --config.target.steps=20"
            in capsys.readouterr().err)


def test_bench_against_pytorch_without_torch_fails_before_any_work(monkeypatch, capsys):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else find_spec(name, *a))
    assert main(["bench", "--reference", "pytorch"]) == 2
    assert "--reference pytorch needs PyTorch" in capsys.readouterr().err


def test_a_paper_config_without_its_target_names_the_form(capsys):
    assert main(["run", "paper/stilts.py:mnli"]) == 2
    assert capsys.readouterr().err == (
        "jaxstilts run: paper/stilts.py:mnli: the argument is INTERMEDIATE,TARGET, e.g. "
        "paper/stilts.py:mnli,xnli (paper/stilts.py:baseline,xnli without an intermediate "
        "task)\n")


def test_demo_takes_the_flag_its_refusal_suggests():
    from jaxstilts.cli import build_parser

    args = build_parser().parse_args(["demo", "--allow-config-change"])
    assert args.allow_config_change


def test_a_run_checks_its_languages_against_its_own_target_not_the_sweeps():
    from jaxstilts.config import ConfigError, check_values, load_config

    config = load_config("tiny", ["--config.target.task=udpos",
                                  "--config.evaluate.languages=en,de,fa,vi"])
    check_values(config, sweep=False)  # sweep.targets (demo_xnli: no fa, vi) is not read
    with pytest.raises(ConfigError, match="demo_xnli test has no fa, vi"):
        check_values(config, sweep=True)


def test_eval_on_a_sweep_names_its_runs(tmp_path, capsys):
    for name in ("baseline__demo_xnli", "demo_nli__demo_xnli"):
        (tmp_path / "runs" / name).mkdir(parents=True)
        (tmp_path / "runs" / name / "run.json").write_text("{}")
    assert main(["eval", "tiny", "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path} is a sweep, not one run" in err
    assert f"--workdir {tmp_path / 'runs' / 'baseline__demo_xnli'}" in err
