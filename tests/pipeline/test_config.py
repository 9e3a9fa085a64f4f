"""Config files and command-line overrides: validated before any compute, errors name the key."""

from pathlib import Path

import pytest

from jaxstilts.config import ConfigError, load_config

CONFIG = '''
import ml_collections

def get_config():
    c = ml_collections.ConfigDict()
    c.seed = 0
    c.train = ml_collections.ConfigDict(dict(lr=1e-5, steps=100, tasks=("mnli",), remat=False))
    c.model = ml_collections.ConfigDict(dict(pretrained="FacebookAI/xlm-roberta-large"))
    return c
'''


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "exp.py"
    path.write_text(CONFIG)
    return path


def test_overrides_apply_with_the_types_of_the_defaults(config_file):
    c = load_config(config_file, ["--config.train.lr=2e-5", "--config.train.steps=7",
                                  "--config.train.tasks=mnli,squad_v2", "--config.seed=3",
                                  "--config.model.pretrained=/data/xlmr", "train.remat=True"])
    assert c.train.lr == 2e-5 and c.train.steps == 7 and c.seed == 3
    assert c.train.tasks == ("mnli", "squad_v2") and c.train.remat is True
    assert c.model.pretrained == "/data/xlmr"
    assert load_config(config_file, ["--config.train.lr=1"]).train.lr == 1.0


def test_an_unknown_key_is_named(config_file):
    with pytest.raises(ConfigError, match=r"unknown key 'train.learning_rate'.*known here: lr"):
        load_config(config_file, ["--config.train.learning_rate=1e-5"])
    with pytest.raises(ConfigError, match=r"trian is not a section"):
        load_config(config_file, ["--config.trian.lr=1e-5"])


def test_a_wrong_type_is_named(config_file):
    with pytest.raises(ConfigError, match=r"train.steps takes an int, got str 'many'"):
        load_config(config_file, ["--config.train.steps=many"])
    with pytest.raises(ConfigError, match=r"train.remat takes true/false"):
        load_config(config_file, ["--config.train.remat=1"])


def test_the_config_is_locked_after_loading(config_file):
    c = load_config(config_file)
    with pytest.raises(AttributeError):
        c.new_field = 1


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nope.py: no such config file"):
        load_config(tmp_path / "nope.py")


# The packaged configs: names resolve inside the installed package from any working directory.

PACKAGED_ARGS = {"paper/stilts": "mnli,xnli", "paper/mlm_ablation": "mnli,xnli",
                 "paper/translated": "xnli"}


def test_every_packaged_config_loads_by_name_from_an_unrelated_folder(tmp_path, monkeypatch):
    from jaxstilts.config import packaged_configs

    monkeypatch.chdir(tmp_path)
    names = packaged_configs()
    assert {"tiny", "demo", "paper/stilts", "paper/grid", "xtreme_r/grid"} <= set(names)
    for name in names:
        arg = PACKAGED_ARGS.get(name)
        config = load_config(f"{name}.py:{arg}" if arg else name)
        assert config.name, name
    assert load_config("paper/stilts.py:squad_v2,tatoeba").target.task == "tatoeba"
    assert load_config("paper/stilts:baseline,pawsx").intermediate.tasks == ()
    assert load_config("configs/tiny.py").name == "tiny"  # the source checkout's spelling


def test_a_folder_named_like_a_config_does_not_shadow_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny").mkdir()
    assert load_config("tiny").name == "tiny"


def test_a_users_own_config_file_wins_over_a_packaged_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.py").write_text(
        "from jaxstilts.configs.tiny import get_config as packaged\n\n"
        "def get_config():\n    c = packaged()\n    c.name = 'mine'\n    return c\n")
    assert load_config("tiny.py").name == "mine"
    assert load_config("tiny").name == "tiny"


def test_an_unknown_name_lists_the_packaged_configs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"nope: no such config file.*packaged: demo, "):
        load_config("nope")


def test_the_packaged_configs_are_the_configs_folder_beside_the_package():
    """The design card's layout: configs/ at the top of the checkout is `jaxstilts.configs` (the
    wheel installs it under that name, setup.py), and the names resolve into it."""
    import jaxstilts.configs
    from jaxstilts.config import configs_root, resolve_config_path

    top = Path(__file__).resolve().parents[2] / "configs"
    assert configs_root() == top == Path(jaxstilts.configs.__file__).resolve().parent
    assert resolve_config_path("paper/stilts.py") == top / "paper" / "stilts.py"
    assert not (top.parent / "jaxstilts" / "configs" / "__init__.py").exists()


def test_the_defaults_and_the_schema_hold_the_same_keys_each_documented_and_valid():
    """`experiment_defaults()` is built from the schema: the same keys, each
    with a doc line, phases and policies the rest of the code knows, a default its own check
    accepts; every packaged config sets only schema keys."""
    from jaxstilts.config import experiment_defaults, packaged_configs
    from jaxstilts.config_schema import (
        ADDS_WORK,
        CHANGES,
        FREE,
        KEYS,
        PHASES,
        check_value,
        flat_names,
        retrains,
    )

    assert sorted(flat_names(experiment_defaults())) == sorted(KEYS)
    for name, key in KEYS.items():
        assert key.doc and key.resume in (FREE, ADDS_WORK, CHANGES), name
        assert set(key.reads) <= set(PHASES), name
        assert (key.adds_work is None) or key.resume == ADDS_WORK, name
        if key.resume == ADDS_WORK:  # reopened in the run's own folders, never a shared phase
            assert not retrains(name) & {"intermediate", "prepare"}, name
        check_value(name, key.default)
    for config in packaged_configs():
        assert set(flat_names(load_config(config))) <= set(KEYS), config


def test_a_schema_rule_names_the_key_the_rule_and_the_fix():
    from jaxstilts.config_schema import check_values, experiment_defaults

    c = experiment_defaults()
    c.model.preset = "tiny"
    check_values(c)
    c.target.optim.warmup_fraction = 1.5
    with pytest.raises(ConfigError, match=r"^target\.optim\.warmup_fraction must be in \[0, 1\], "
                       r"got 1\.5: e\.g\. --config\.target\.optim\.warmup_fraction=0\.1$"):
        check_values(c)
    c.target.optim.warmup_fraction = 0.1
    c.model.attention_impl = "flash"
    with pytest.raises(ConfigError, match="model.attention_impl='flash' is not one of auto, xla"):
        check_values(c)


@pytest.mark.parametrize("key, value, message", [
    ("target.log_every", 0, r"target\.log_every must be >= 1"),
    ("intermediate.checkpoint_every", 0, r"intermediate\.checkpoint_every must be >= 1"),
    ("target.validate_every", -1, r"target\.validate_every must be >= 0 \(0: no validation\)"),
    ("target.train_examples", -1, r"target\.train_examples must be >= 0 \(0: all\)"),
])
def test_phase_settings_are_checked_before_compute_naming_the_real_key(key, value, message):
    from jaxstilts.config import experiment_defaults
    from jaxstilts.experiment.setup import validate_config

    c = experiment_defaults()
    c.model.preset, c.target.task = "tiny", "demo_xnli"
    phase, name = key.split(".")
    c[phase][name] = value
    with pytest.raises(ValueError, match=message):
        validate_config(c)


@pytest.mark.parametrize("target,recipe", [("lareqa", (4, 4, 2e-5, 3.0)),
                                           ("mewslix", (8, 4, 1e-5, 2.0))])
def test_dual_encoder_targets_get_xtreme_r_recipes(target, recipe):
    """scripts/train_lareqa.sh and train_mewslix.sh (XLM-R Large): per-GPU batch, accumulation,
    learning rate, epochs; no warm-up, no weight decay."""
    c = load_config(f"paper/stilts.py:mnli,{target}")
    t = c.target
    assert (t.batch_size, t.optim.accumulation_steps, t.optim.lr, t.epochs) == recipe
    assert t.optim.warmup_fraction == t.optim.weight_decay == 0.0
