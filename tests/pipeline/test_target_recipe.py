"""XTREME-R's XCOPA recipe: SIQA, then COPA, each a phase of its own, then zero-shot XCOPA."""

import json
import logging

import pytest

from jaxstilts.experiment import phases, run_experiment, validate_config
from jaxstilts.preflight import missing_files
from jaxstilts.sweep.grid import sweep_runs

from .sweep_config import get_config


class Stopped(RuntimeError):
    """The run stopped between the SIQA stage and the COPA stage."""


def _xcopa_config():
    c = get_config()
    c.target.task = "xcopa"
    c.target.batch_size = 1  # COPA's fixture has one training row
    c.target.steps = 2  # COPA's stage
    c.target.prepare_epochs = 1.0  # 3 SIQA rows, batch 1: 3 steps
    c.target.validate_every = 0  # validation is not what this test is about
    c.evaluate.languages = ("et", "it")
    return c


def test_xcopa_trains_siqa_then_copa_and_a_resume_skips_the_finished_siqa_stage(
        tmp_path, monkeypatch, caplog):
    calls, real_train = [], phases.train

    def train(model, feeds, *args, init_encoder_from=None, init_heads=False, **kwargs):
        folder = args[-2]
        calls.append((str(folder), init_encoder_from and str(init_encoder_from), init_heads))
        if str(folder).endswith("target") and len(calls) == 2:
            raise Stopped
        return real_train(model, feeds, *args, init_encoder_from=init_encoder_from,
                          init_heads=init_heads, **kwargs)

    monkeypatch.setattr(phases, "train", train)
    siqa, target = tmp_path / "prepare" / "siqa", tmp_path / "target"
    with pytest.raises(Stopped):
        run_experiment(_xcopa_config(), tmp_path)
    assert calls == [(str(siqa), None, False), (str(target), str(siqa), True)]
    stage = json.loads((siqa / "done.json").read_text())
    assert stage["stage"] == "siqa" and stage["trained_on"] == ["siqa"] and stage["steps"] == 3
    assert stage["heads"] == {"xcopa": ["multiple_choice", None]}
    assert not (target / "done.json").exists()

    calls.clear()
    with caplog.at_level(logging.INFO, logger="jaxstilts.train.notice"):
        record = run_experiment(_xcopa_config(), tmp_path)
    assert f"target stage siqa is finished ({siqa}, step 3); skipping it" in caplog.text
    assert calls == [(str(target), str(siqa), True)]  # COPA from SIQA's encoder and head
    assert (siqa / "done.json").read_text() == json.dumps(stage, indent=2)
    done = json.loads((target / "done.json").read_text())
    assert done["trained_on"] == ["copa"] and done["stage"] is None and done["steps"] == 2
    assert record["encoder_from"] == str(target)
    assert set(record["results"]["xcopa"]) == {"et", "it"}
    assert all(0 <= r["accuracy"] <= 100 for r in record["results"]["xcopa"].values())


def test_prepare_epochs_0_trains_copa_alone_and_preflight_reads_siqa_only_with_it(tmp_path):
    c = _xcopa_config()
    c.data.data_dir = str(tmp_path)  # nothing there: every file the run reads is missing
    missing, layout = missing_files(c)
    assert str(tmp_path / "socialiqa-train-dev/train.jsonl") in missing
    assert str(tmp_path / "socialiqa-train-dev/train-labels.lst") in missing
    assert any(line.startswith("siqa: ") for line in layout)
    c.target.prepare_epochs = 0.0
    missing, _ = missing_files(c)
    assert str(tmp_path / "COPA/train.jsonl") in missing
    assert not any("socialiqa" in m for m in missing)
    c.target.prepare_epochs = -1.0
    with pytest.raises(ValueError, match="target.prepare_epochs must be >= 0"):
        validate_config(c)


def test_a_sweep_shares_the_siqa_stage_across_settings_it_does_not_read():
    c = get_config()
    c.sweep.intermediate, c.sweep.targets = ("mnli",), ("xcopa", "xnli")
    c.sweep.axes = ("evaluate.noise_seed=0|1", "target.epochs=2|5")
    runs = [r for r in sweep_runs(c) if r.target == "xcopa"]
    assert len(runs) == 8
    assert {r.prepare_name for r in runs} == {"baseline__xcopa", "mnli__xcopa"}
    c.sweep.axes = ("target.optim.lr=1e-5|3e-5", "target.prepare_epochs=1|5")
    runs = [r for r in sweep_runs(c) if r.target == "xcopa"]
    assert len({r.prepare_name for r in runs}) == 8  # the stage reads both keys


def test_a_workdir_recorded_before_prepare_epochs_existed_resumes_unless_its_target_has_stages(
        tmp_path):
    from jaxstilts.workdir import ConfigChanged, config_differences, open_run

    for target, refused in (("xnli", False), ("xcopa", True)):
        c = get_config()
        c.target.task = target
        recorded = json.loads(c.to_json_best_effort())
        del recorded["target"]["prepare_epochs"]  # a config.json written before the key
        (tmp_path / "config.json").write_text(json.dumps(recorded))
        assert bool(config_differences(c, tmp_path)) == refused, target
        if refused:
            with pytest.raises(ConfigChanged, match="target.prepare_epochs: None -> 3.0"):
                open_run(c, tmp_path)
