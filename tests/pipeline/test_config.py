"""Config files and command-line overrides: validated before any compute, errors name the key."""

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


def test_every_experiment_key_is_commented_where_it_is_defined():
    """Each `x.y = value` in `_phase` and `experiment_defaults` carries a comment (on its line or
    the line above), and the assignments define every key the defaults have."""
    import inspect

    from jaxstilts import config as config_module

    source = inspect.getsource(config_module._phase) + inspect.getsource(
        config_module.experiment_defaults)
    lines = source.splitlines()
    defined = set()
    for i, line in enumerate(lines):
        stripped = line.strip()
        head = stripped.split("=", 1)[0].strip()
        if "=" not in stripped or not head.startswith(("c.", "phase.")) or "(" in head:
            continue
        defined.add(head.split(".", 1)[1])
        if stripped.endswith("ConfigDict()"):  # a section: its fields carry the comments
            continue
        assert "#" in line or lines[i - 1].strip().startswith("#"), f"no comment: {stripped}"
    phase_keys = {f"optim.{k}" if k != "optim" else k
                  for k in config_module._phase().optim} | set(config_module._phase())
    top = config_module.experiment_defaults()
    flat = {f"{k}.{sub}" for k in top if hasattr(top[k], "keys") and k not in (
        "intermediate", "target") for sub in top[k]} | {k for k in top}
    assert flat <= defined | {"intermediate", "target"}
    assert phase_keys <= defined


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
