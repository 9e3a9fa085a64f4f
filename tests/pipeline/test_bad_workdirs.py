"""A broken or unwritable workdir gives one line naming the file, never a traceback."""

import os

import pytest

from jaxstilts.cli import main
from jaxstilts.config import load_config

STEPS = load_config("tiny").target.steps  # what the recorded run trained
MORE = f"--config.target.steps={STEPS + 40}"


def test_a_corrupt_run_json_under_report_names_the_file(tmp_path, capsys):
    run = tmp_path / "runs" / "mnli__xnli"
    run.mkdir(parents=True)
    (run / "run.json").write_text('{"name": "mnli__xnli", "target": "xnli", ')
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"jaxstilts report: {run / 'run.json'}:1: invalid_json: Expecting property "
                   "name enclosed in double quotes\n")


def test_a_read_only_workdir_is_one_line(tmp_path, capsys):
    if os.geteuid() == 0:  # root writes through file modes; /sys refuses even root
        workdir = "/sys/kernel"
    else:
        workdir = tmp_path / "ro"
        workdir.mkdir()
        workdir.chmod(0o555)
    assert main(["run", "tiny", "--workdir", str(workdir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("jaxstilts run: [Errno "), err
    assert f"{workdir}/.jaxstilts.lock" in err


# A workdir never lies: its config.json describes what made the results next to it.

def _finished_run(workdir, *overrides):
    """A workdir as a finished `run tiny` leaves it (config, phase markers, run.json)."""
    workdir.mkdir(parents=True)
    (workdir / "config.json").write_text(load_config("tiny", list(overrides)).to_json_best_effort(
        indent=2))
    for phase in ("intermediate", "target", "eval"):
        (workdir / phase).mkdir()
        (workdir / phase / "done.json").write_text(f'{{"steps": {STEPS}}}')
    (workdir / "run.json").write_text("{}")
    return (workdir / "config.json").read_text()


def test_a_changed_config_is_refused_naming_the_keys_and_the_workdir_is_left_alone(
        tmp_path, capsys):
    workdir = tmp_path / "W"
    recorded = _finished_run(workdir)
    assert main(["run", "tiny", "--workdir", str(workdir), MORE,
                 "--config.target.optim.lr=5e-4", "--allow-config-change"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"target.optim.lr: 0.001 -> 0.0005; target.steps: {STEPS} -> {STEPS + 40}" in err
    assert "target.optim.lr would change what was already trained: use a new --workdir" in err
    assert (workdir / "config.json").read_text() == recorded
    assert all((workdir / p / "done.json").exists() for p in ("intermediate", "target", "eval"))


def test_more_target_steps_need_the_flag_then_reopen_target_and_eval(tmp_path, capsys):
    import json

    from jaxstilts.workdir import open_run

    workdir = tmp_path / "W"
    _finished_run(workdir)
    assert main(["run", "tiny", "--workdir", str(workdir), MORE]) == 2
    assert "pass --allow-config-change" in capsys.readouterr().err
    assert (workdir / "target" / "done.json").exists()
    config = load_config("tiny", [MORE])
    assert open_run(config, workdir, allow_change=True) == ["target", "eval"]
    assert (workdir / "intermediate" / "done.json").exists()  # kept: its settings are the same
    assert not (workdir / "target" / "done.json").exists()
    assert not (workdir / "eval" / "done.json").exists() and not (workdir / "run.json").exists()
    assert json.loads((workdir / "config.json").read_text())["target"]["steps"] == STEPS + 40
    (change,) = json.loads((workdir / "config_changes.json").read_text())
    assert change["changed"] == {"target.steps": [STEPS, STEPS + 40]}
    assert open_run(config, workdir) == []  # now recorded: the same config opens as is


def test_an_evaluation_change_reopens_only_the_evaluation(tmp_path):
    from jaxstilts.workdir import open_run

    workdir = tmp_path / "W"
    _finished_run(workdir)
    config = load_config("tiny", ["--config.evaluate.languages=en,hi"])
    assert open_run(config, workdir, allow_change=True) == ["eval"]
    assert (workdir / "target" / "done.json").exists()
    assert not (workdir / "eval" / "done.json").exists()


def test_keys_that_do_not_change_results_may_differ_on_a_resume(tmp_path):
    import json

    from jaxstilts.workdir import open_run

    workdir = tmp_path / "W"
    _finished_run(workdir)
    config = load_config("tiny", ["--config.mesh.data=2", "--config.data.cache_dir=/tmp/c",
                                  "--config.evaluate.batch_size=8", "--config.target.log_every=1"])
    assert open_run(config, workdir) == []
    assert json.loads((workdir / "config.json").read_text())["mesh"]["data"] == 2
    assert not (workdir / "config_changes.json").exists()


def test_a_sweep_refuses_a_changed_config_for_a_finished_run(tmp_path):
    from jaxstilts.sweep import run_sweep
    from jaxstilts.workdir import ConfigChanged

    _finished_run(tmp_path / "sweep" / "runs" / "baseline__demo_xnli",
                  "--config.intermediate.tasks=")
    config = load_config("tiny", ["--config.target.optim.lr=0.01"])
    with pytest.raises(ConfigChanged, match=r"baseline__demo_xnli holds results of another "
                       r"config \(target.optim.lr: 0.001 -> 0.01\)"):
        run_sweep(config, tmp_path / "sweep")


def test_a_failed_start_leaves_no_workdir(tmp_path, capsys):
    workdir = tmp_path / "W"
    assert main(["run", "tiny", "--workdir", str(workdir),
                 f"--config.model.pretrained={tmp_path / 'no_model'}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--config.model.pretrained=/path/to/folder" in err
    assert not workdir.exists()


def test_a_workdir_made_by_a_command_that_failed_before_any_work_is_removed(tmp_path):
    from jaxstilts.workdir import hold

    workdir = tmp_path / "W"
    with pytest.raises(RuntimeError), hold(workdir, "run"):
        (workdir / "config.json").write_text("{}")
        (workdir / "intermediate").mkdir()
        raise RuntimeError("the model does not load")
    assert not workdir.exists()
    with pytest.raises(RuntimeError), hold(workdir, "run"):
        (workdir / "target" / "checkpoints").mkdir(parents=True)
        (workdir / "target" / "checkpoints" / "state").write_text("work")
        raise RuntimeError("preempted")
    assert (workdir / "target" / "checkpoints" / "state").exists()  # work is never removed


def test_eval_records_its_evaluation_settings_and_keeps_the_training_ones(tmp_path):
    import json

    from jaxstilts.workdir import record_evaluation

    workdir = tmp_path / "W"
    _finished_run(workdir)
    config = load_config("tiny", ["--config.evaluate.languages=en,hi",
                                  "--config.target.steps=99"])  # eval trains nothing
    record_evaluation(config, workdir)
    recorded = json.loads((workdir / "config.json").read_text())
    assert recorded["evaluate"]["languages"] == ["en", "hi"]
    assert recorded["target"]["steps"] == STEPS
    (change,) = json.loads((workdir / "config_changes.json").read_text())
    assert change["changed"] == {"evaluate.languages": [["en", "de", "ru", "zh", "ar"],
                                                        ["en", "hi"]]}


def test_a_changed_user_task_is_refused_when_the_run_trains_on_it_even_as_its_training_task(
        tmp_path):
    import ml_collections

    from jaxstilts.experiment.setup import validate_config
    from jaxstilts.workdir import config_differences

    def spec(name, **extra):
        return dict(name=name, kind="pair_classification", labels=("yes", "no"),
                    fields=dict(text_a="a", text_b="b", label="label"), **extra,
                    source=dict(local=dict(format="tsv", files=dict(train="train.tsv",
                                                                    test="test.tsv"))))

    tasks = [spec("my_target", train_task="my_train"), spec("my_train"), spec("my_other")]
    config = load_config("tiny", ["--config.intermediate.tasks=", "--config.target.task="])
    config.user_tasks = tuple(ml_collections.ConfigDict(t) for t in tasks)
    config.target.task = "my_target"
    validate_config(config)
    (tmp_path / "config.json").write_text(config.to_json_best_effort())
    for i, read in enumerate((True, True, False)):  # my_other: neither trained on nor evaluated
        changed = [dict(t) for t in tasks]
        changed[i]["labels"] = ("no", "yes")
        config.user_tasks = tuple(ml_collections.ConfigDict(t) for t in changed)
        assert ("user_tasks" in config_differences(config, tmp_path)) == read, tasks[i]["name"]
