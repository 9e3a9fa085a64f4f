"""Each key's policies, read from `config_schema`: on a recorded workdir (free keys may differ,
work-adding ones reopen their phases, the rest are refused) and in sweeps (an axis shares the
phases before the first one its key retrains)."""

import json

import pytest

from jaxstilts.config_schema import ADDS_WORK, CHANGES, FREE, KEYS, experiment_defaults


def _other(value):
    """A different value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 2
    if isinstance(value, str):
        return value + "x"
    return (*value, "x")


def _recorded(tmp_path, config):
    (tmp_path / "config.json").write_text(config.to_json_best_effort())


def _set(config, name, value):
    *sections, leaf = name.split(".")
    node = config
    for part in sections:
        node = node[part]
    node[leaf] = value


def _keys(policy):
    return [n for n, k in KEYS.items() if k.resume == policy]


def test_free_keys_may_differ_on_a_resume(tmp_path):
    from jaxstilts.workdir import config_differences, open_run

    base = experiment_defaults()
    _recorded(tmp_path, base)
    changed = experiment_defaults()
    for name in _keys(FREE):
        _set(changed, name, _other(KEYS[name].default))
    assert config_differences(changed, tmp_path) == {}
    assert open_run(changed, tmp_path) == []


def test_keys_that_change_results_are_each_refused_on_a_resume(tmp_path):
    from jaxstilts.workdir import ConfigChanged, config_differences, open_run

    base = experiment_defaults()
    _recorded(tmp_path, base)
    changed = experiment_defaults()
    keys = [n for n in _keys(CHANGES) if n != "target.prepare_epochs"]  # read by staged targets
    for name in keys:
        _set(changed, name, _other(KEYS[name].default))
    changed.target.task = "demo_xnli"  # a task (the user tasks the run reads are looked up)
    assert sorted(config_differences(changed, tmp_path)) == sorted(keys)
    with pytest.raises(ConfigChanged, match="would change what was already trained"):
        open_run(changed, tmp_path, allow_change=True)


@pytest.mark.parametrize("name", _keys(ADDS_WORK))
def test_work_adding_keys_reopen_the_phases_they_retrain(name, tmp_path):
    from jaxstilts.workdir import ConfigChanged, open_run

    base = experiment_defaults()
    _set(base, name, 10 if name == "target.steps" else KEYS[name].default)
    _recorded(tmp_path, base)
    changed = experiment_defaults()
    _set(changed, name, 20 if name == "target.steps" else _other(KEYS[name].default))
    with pytest.raises(ConfigChanged, match="--allow-config-change"):
        open_run(changed, tmp_path)
    want = ["target", "eval"] if name.startswith("target.") else ["eval"]
    assert open_run(changed, tmp_path, allow_change=True) == want
    assert json.loads((tmp_path / "config_changes.json").read_text())[0]["reopened"] == want


def test_fewer_target_steps_or_steps_instead_of_epochs_change_results(tmp_path):
    from jaxstilts.config_schema import resume_policy

    assert resume_policy("target.steps", 10, 20) == ADDS_WORK
    assert resume_policy("target.steps", 20, 10) == CHANGES
    assert resume_policy("target.steps", 0, 10) == CHANGES  # the epochs decided the length
    assert resume_policy("intermediate.steps", 10, 20) == CHANGES


def test_a_workdir_recorded_before_the_model_keys_resumes_with_their_defaults(tmp_path):
    from jaxstilts.workdir import config_differences

    recorded = json.loads(experiment_defaults().to_json_best_effort())
    for name in ("dropout", "attention_dropout", "attention_impl", "dropout_rng"):
        del recorded["model"][name]
    (tmp_path / "config.json").write_text(json.dumps(recorded))
    assert config_differences(experiment_defaults(), tmp_path) == {}
    changed = experiment_defaults()
    changed.model.dropout = 0.0
    assert config_differences(changed, tmp_path) == {"model.dropout": (-1.0, 0.0)}


def _runs(axes, baseline=False):
    from jaxstilts.sweep.grid import sweep_runs

    c = experiment_defaults()
    c.model.preset = "tiny"
    c.target.task = "xcopa"
    c.sweep.intermediate = ("demo_nli",)
    c.sweep.baseline = baseline
    c.sweep.axes = axes
    return sweep_runs(c)


@pytest.mark.parametrize("axis, shared", [
    ("target.optim.lr=1e-5|2e-5", {"intermediate"}),
    ("target.epochs=2.0|3.0", {"intermediate", "prepare"}),
    ("evaluate.noise_seed=1|2", {"intermediate", "prepare"}),
    ("target.prepare_epochs=1.0|2.0", {"intermediate"}),
    ("data.max_length=64|128", set()),
    ("intermediate.optim.lr=1e-5|2e-5", set()),
])
def test_an_axis_shares_the_phases_its_key_does_not_retrain(axis, shared):
    from jaxstilts.config_schema import retrains

    runs = _runs((axis,))
    assert len(runs) == 2
    assert ({r.intermediate_name for r in runs} == {"demo_nli"}) == ("intermediate" in shared)
    assert (len({r.prepare_name for r in runs}) == 1) == ("prepare" in shared)
    assert not shared & retrains(axis.split("=")[0])


def test_a_baseline_drops_axes_over_what_only_an_intermediate_phase_reads():
    runs = _runs(("intermediate.optim.lr=1e-5|2e-5", "data.mlm_max_length=64|128"),
                 baseline=True)
    assert sorted(r.name for r in runs if not r.intermediate) == ["baseline__xcopa"]


@pytest.mark.parametrize("axis, where", [("seed=1|2", "sweep.seeds"),
                                         ("intermediate.tasks=mnli|qqp", "sweep.intermediate"),
                                         ("target.task=xnli|pawsx", "sweep.targets"),
                                         ("sweep.baseline=True|False", "the sweep itself"),
                                         ("name=a|b", "the config file")])
def test_keys_set_by_the_sweep_itself_are_refused_as_axes(axis, where):
    from jaxstilts.config import ConfigError

    with pytest.raises(ConfigError, match=f"cannot be an axis \\(set {where}\\)"):
        _runs((axis,))


def test_jaxstilts_keys_prints_every_key_with_type_default_doc_and_policies(capsys):
    from jaxstilts.cli import main

    assert main(["keys"]) == 0
    out = capsys.readouterr().out
    for name, key in KEYS.items():
        assert f"{name} ({key.type.__name__}, default {key.default!r}): {key.doc}" in out
    assert main(["keys", "target.steps"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("target.steps (int, default 0)") and "on resume: adds work" in out
    assert "in sweeps: an axis retrains target, eval" in out
    assert main(["keys", "nope"]) == 2


def test_bench_takes_the_model_keys_as_overrides(monkeypatch, capsys):
    from jaxstilts import bench
    from jaxstilts.cli import main

    seen = []
    monkeypatch.setattr(bench, "run", lambda b, **_: seen.append(b) or {})
    assert main(["bench", "--config.model.dtype=bfloat16", "--config.model.scan_layers=False",
                 "--config.model.attention_dropout=0.0"]) == 0
    cfg = seen[0].model_config()
    assert (cfg.dtype, cfg.scan_layers, cfg.attention_probs_dropout_prob) == ("bfloat16", False,
                                                                              0.0)
    assert cfg.hidden_dropout_prob == 0.1  # -1: the preset's own
    capsys.readouterr()
    assert main(["bench", "--config.target.steps=3"]) == 2
    assert "takes the model's compute keys" in capsys.readouterr().err
    assert main(["bench", "--config.model.dropout=1.5"]) == 2
    assert "model.dropout must be in [0, 1), or -1" in capsys.readouterr().err


def test_the_model_keys_set_the_models_dropout_and_attention_kernel():
    from jaxstilts.experiment.model import model_config

    c = experiment_defaults()
    c.model.preset = "tiny"
    assert model_config(c) == model_config(c).preset("tiny")  # defaults: the model's own
    c.model.dropout, c.model.attention_dropout, c.model.attention_impl = 0.0, 0.2, "xla"
    cfg = model_config(c)
    assert (cfg.hidden_dropout_prob, cfg.attention_probs_dropout_prob, cfg.attention_impl) == (
        0.0, 0.2, "xla")
