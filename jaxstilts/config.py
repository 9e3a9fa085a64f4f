"""Experiment configs: ml_collections `.py` files with `get_config()`, command-line overrides.

`load_config("demo", ["--config.target.optim.lr=2e-5"])` returns a locked ConfigDict. An
override of a key that does not exist, or with a value of the wrong type, is an error that names
the key — before any compute starts.
"""

from __future__ import annotations

import ast
import importlib.util
import math
from pathlib import Path

import ml_collections


class ConfigError(ValueError):
    pass


def _load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"jaxstilts_config_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def packaged_configs() -> list[str]:
    """Names of the configs shipped in `jaxstilts/configs/` (e.g. `tiny`, `paper/stilts`)."""
    root = Path(__file__).resolve().parent / "configs"
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.py")
                  if p.name != "__init__.py" and p.stem != "common")


def resolve_config_path(name: str | Path) -> Path:
    """A config file: the user's own (a path to an existing file), else one of the package's.

    Package configs are named relative to `jaxstilts/configs/`, with or without `.py`
    (`tiny`, `paper/stilts.py`); a leading `configs/` is accepted for the layout of a source
    checkout. Only files count: a folder that happens to carry the name is ignored.
    """
    path = Path(name)
    if path.is_file():
        return path
    root = Path(__file__).resolve().parent / "configs"
    rel = str(name).removeprefix("./").removeprefix("configs/").removesuffix(".py")
    candidate = root / f"{rel}.py"
    if rel and candidate.is_file() and candidate.name != "__init__.py":
        return candidate
    raise ConfigError(f"{name}: no such config file, and no packaged config of that name "
                      f"(packaged: {', '.join(packaged_configs())})")


def load_config(name: str | Path, overrides: list[str] = (), arg: str | None = None
                ) -> ml_collections.ConfigDict:
    """`get_config(arg)` of a config file, with `--config.a.b=value` overrides applied.

    `name` may carry the argument after a colon, ml_collections style: `paper/stilts.py:mnli,xnli`.
    """
    if arg is None and ":" in str(name) and not Path(name).is_file():
        name, arg = str(name).split(":", 1)
    path = resolve_config_path(name)
    module = _load_module(path)
    if not hasattr(module, "get_config"):
        raise ConfigError(f"{path}: defines no get_config()")
    config = module.get_config(arg) if arg is not None else module.get_config()
    if not isinstance(config, ml_collections.ConfigDict):
        raise ConfigError(f"{path}: get_config() must return an ml_collections.ConfigDict")
    for item in overrides:
        apply_override(config, item, source=str(path))
    config.lock()
    return config


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text  # a bare string such as a path or a task name


def apply_override(config: ml_collections.ConfigDict, item: str, source: str = "config") -> None:
    """Apply one `--config.a.b=value` (or `a.b=value`) to `config`, checking key and type."""
    text = item.removeprefix("--").removeprefix("config.")
    if "=" not in text:
        raise ConfigError(f"override {item!r}: expected --config.KEY=VALUE")
    key, raw = text.split("=", 1)
    parts = key.split(".")
    node = config
    for i, part in enumerate(parts[:-1]):
        if part not in node or not isinstance(node[part], ml_collections.ConfigDict):
            raise ConfigError(f"override {item!r}: {'.'.join(parts[:i + 1])} is not a section "
                              f"of {source}")
        node = node[part]
    leaf = parts[-1]
    if leaf not in node:
        known = ", ".join(sorted(node.keys()))
        raise ConfigError(f"override {item!r}: unknown key {key!r} in {source} (known here: "
                          f"{known})")
    value, current = _parse_value(raw), node[leaf]
    if isinstance(current, bool) and not isinstance(value, bool):
        raise ConfigError(f"override {item!r}: {key} takes true/false (True or False), got {raw!r}")
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(current, (tuple, list)) and isinstance(value, str):
        value = tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(current, tuple) and isinstance(value, list):
        value = tuple(value)
    if current is not None and not isinstance(value, type(current)):
        raise ConfigError(f"override {item!r}: {key} takes {_a(type(current).__name__)}, got "
                          f"{type(value).__name__} {raw!r}")
    try:
        node[leaf] = value
    except (TypeError, AttributeError, KeyError) as e:
        raise ConfigError(f"override {item!r}: {e}") from None


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


# Keys whose values come from a fixed set: key -> (allowed values, where the set is defined).
def _choices() -> dict[str, tuple]:
    from jaxstilts.model.config import COMPUTE_DTYPES, MATMUL_PRECISIONS, PRESETS, REMAT_POLICIES

    return {"model.dtype": COMPUTE_DTYPES, "model.remat": REMAT_POLICIES,
            "model.matmul_precision": MATMUL_PRECISIONS, "model.preset": ("", *sorted(PRESETS)),
            "data.source": ("local", "hub", "tfds"),
            "intermediate.sampling": ("proportional", "temperature", "uniform"),
            "target.sampling": ("proportional", "temperature", "uniform")}


def check_values(config: ml_collections.ConfigDict, device_count: int | None = None,
                 sweep: bool = True) -> None:
    """Values, not just types, checked before a workdir is made: choices (dtypes, presets),
    task names, evaluation languages and splits, mesh sizes against `device_count`. Each error
    names the key and the override that fixes it. `sweep`: the command reads the sweep section
    too (the evaluation languages must then suit its targets as well)."""
    from jaxstilts.tasks import get_task, task_from_config

    for key, allowed in _choices().items():
        section, leaf = key.split(".")
        value = config[section][leaf]
        if value not in allowed:
            shown = ", ".join(repr(a) if a == "" else str(a) for a in allowed)
            raise ConfigError(f"{key}={value!r} is not one of {shown}: e.g. "
                              f"--config.{key}={next(a for a in allowed if a)}")
    for spec in config.user_tasks:
        task_from_config(spec, register_task=True)

    def task(key: str, name: str):
        try:
            return get_task(name)
        except KeyError as e:
            raise ConfigError(f"{key}: {e.args[0]}") from None

    for name in config.intermediate.tasks:
        task("intermediate.tasks", name)
    for entry in config.sweep.intermediate:
        for name in entry.split("+"):
            task("sweep.intermediate", name)
    targets = [("target.task", config.target.task)] if config.target.task else []
    targets += [("sweep.targets", t) for t in config.sweep.targets] if sweep else []
    for key, name in targets:
        t = task(key, name)
        split = config.evaluate.split
        if split not in t.splits:
            raise ConfigError(f"evaluate.split={split!r}: {name} has splits "
                              f"{', '.join(t.splits)}: e.g. --config.evaluate.split="
                              f"{'test' if 'test' in t.splits else next(iter(t.splits))}")
        missing = [lang for lang in config.evaluate.languages if lang not in t.languages_of(split)]
        if missing:
            raise ConfigError(f"evaluate.languages: {name} {split} has no {', '.join(missing)} "
                              f"(it has {','.join(t.languages_of(split))}): e.g. "
                              f"--config.evaluate.languages={','.join(t.languages_of(split)[:3])}")
    if config.evaluate.checklist:
        _check_checklist(config, task)
    sizes = {axis: config.mesh[axis] for axis in ("data", "fsdp", "tensor")}
    bad = [a for a, n in sizes.items() if n == 0 or n < -1]
    if bad or list(sizes.values()).count(-1) > 1:
        raise ConfigError(f"mesh {sizes}: each size is >= 1, and at most one is -1 (all remaining "
                          "devices): e.g. --config.mesh.data=-1 --config.mesh.fsdp=1 "
                          "--config.mesh.tensor=1")
    fixed = math.prod(n for n in sizes.values() if n > 0)
    if device_count is not None and (device_count % fixed or (
            -1 not in sizes.values() and fixed != device_count)):
        raise ConfigError(f"mesh {sizes}: the sizes multiply to {fixed}, which "
                          f"{'does not divide' if -1 in sizes.values() else 'is not'} the "
                          f"{device_count} device(s) of this job: e.g. --config.mesh.data=-1 "
                          "--config.mesh.fsdp=1 --config.mesh.tensor=1")


def _check_checklist(config: ml_collections.ConfigDict, task) -> None:
    """MultiCheckList needs a span-QA target (other targets of a sweep skip it, with a warning)
    and known languages."""
    from jaxstilts.kinds import Kind
    from jaxstilts.tasks.checklist import read_templates

    names = [n for n in (config.target.task, *config.sweep.targets) if n]
    if names and all(task("target.task", n).kind != Kind.SPAN_EXTRACTION for n in names):
        raise ConfigError(f"evaluate.checklist: MultiCheckList tests a span-QA head; no target "
                          f"({', '.join(names)}) is one: e.g. --config.target.task=xquad")
    if config.evaluate.checklist_cases < 1:
        raise ConfigError(f"evaluate.checklist_cases={config.evaluate.checklist_cases}: at least "
                          "1: e.g. --config.evaluate.checklist_cases=200")
    known = read_templates()
    unknown = [lang for lang in config.evaluate.checklist_languages if lang not in known]
    if unknown:
        raise ConfigError(f"evaluate.checklist_languages: MultiCheckList has no "
                          f"{', '.join(unknown)} (it has {','.join(sorted(known))})")


def _phase(**changes) -> ml_collections.ConfigDict:
    """A training phase with jiant's defaults (Phang et al. 2020): AdamW 1e-5, warm-up 10%,
    clip 1.0, batch 32, validation every 1000 steps on 500 examples, patience 30."""
    phase = ml_collections.ConfigDict()
    phase.tasks = ()  # intermediate: task names (several: multi-task training); () = baseline
    phase.task = ""  # target: the XTREME task (its English training task comes from the catalog)
    phase.epochs = 3.0  # length in epochs over all tasks' examples (used when steps is 0)
    phase.steps = 0  # length in optimizer steps; overrides epochs when > 0
    phase.batch_size = 32  # global rows per step (all hosts together)
    phase.max_length = 0  # tokens per training row in this phase (0: data.max_length)
    phase.log_every = 50  # steps between training-metric logs
    phase.checkpoint_every = 500  # steps between checkpoints
    phase.validate_every = 1000  # steps between validations (and best-checkpoint saves); 0: never
    phase.validation_examples = 500  # English validation examples per task, at most
    # English training examples per task: the first N in file order, at most (0: all). A
    # target with scarce English data, as in the demo and the target-size study.
    phase.train_examples = 0
    phase.patience = 30  # validations without improvement before stopping early; 0: never stop
    phase.sampling = "proportional"  # multi-task task choice: proportional | temperature | uniform
    phase.temperature = 2.0  # `temperature` sampling: p(task) ∝ size ** (1 / temperature)
    phase.cap = 0  # task sizes counted at most this large when sampling (0: no cap)
    phase.mlm_rate = 0.0  # share of steps spent on continued multilingual MLM (intermediate)
    phase.mlm_files = ()  # MLM text files, one sentence per line (() = the embedded demo text)
    phase.optim = ml_collections.ConfigDict()  # fields of `train.optim.OptimConfig`
    phase.optim.lr = 1e-5  # peak learning rate (AdamW)
    phase.optim.eps = 1e-8  # AdamW epsilon
    phase.optim.weight_decay = 0.01  # decoupled weight decay, not on biases and LayerNorm
    phase.optim.clip_norm = 1.0  # global gradient-norm clipping (0: off)
    phase.optim.warmup_fraction = 0.1  # linear warm-up over this share of steps, then decay to 0
    phase.optim.accumulation_steps = 1  # micro-batches accumulated per optimizer update
    phase.optim.frozen_embeddings = False  # keep the word embedding out of the update
    phase.update(changes)
    return phase


def experiment_defaults() -> ml_collections.ConfigDict:
    """Every key an experiment config has; config files start from this and change fields."""
    c = ml_collections.ConfigDict()
    c.name = "experiment"  # the experiment's name (the default workdir is runs/<config name>)
    c.seed = 0  # seeds head init, data order, dropout and task sampling

    c.model = ml_collections.ConfigDict()
    c.model.pretrained = ""  # Hugging Face folder or hub id; "" with `preset`: a seeded init
    c.model.preset = ""  # tiny | base | large: the shape of a seeded random model
    c.model.tokenizer = ""  # tokenizer folder or hub id ("": the pretrained's, else the tiny one)
    c.model.dtype = "float32"  # compute dtype (float32 | bfloat16); parameters stay float32
    c.model.remat = "none"  # per-layer rematerialisation: none | full | dots
    # float32 matmuls: auto = highest for float32 compute (GPU float32 matches PyTorch), the
    # backend default for bfloat16; or highest | high | default explicitly.
    c.model.matmul_precision = "auto"
    # One encoder layer compiled and scanned over stacked parameters (compiles ~Nx faster for
    # N layers); False unrolls them. Checkpoints hold one layout (a mismatch stops a resume).
    c.model.scan_layers = True

    c.data = ml_collections.ConfigDict()
    c.data.source = "local"  # where task data comes from: local (official files) | hub | tfds
    c.data.data_dir = ""  # root of the official files ("": the task's default, if it has one)
    c.data.cache_dir = ""  # featurized-set cache ("": no cache, featurize in memory)
    c.data.skip_invalid = False  # skip (and count) malformed rows instead of stopping on them
    c.data.max_length = 0  # tokens per row (0: the task kind's default, 256 / 384 QA / 512)
    c.data.mlm_max_length = 128  # tokens per continued-MLM row

    # Devices: a (data, fsdp, tensor) mesh; one size may be -1 for "all remaining devices".
    c.mesh = ml_collections.ConfigDict()
    c.mesh.data = -1  # data-parallel ways
    c.mesh.fsdp = 1  # parameter-sharding (fully sharded data parallel) ways
    c.mesh.tensor = 1  # tensor-parallel ways

    # Multi-host: `auto` lets jax.distributed detect a TPU pod / SLURM / Kubernetes job;
    # otherwise name the coordinator (host:port), the process count and this process's id.
    c.distributed = ml_collections.ConfigDict()
    c.distributed.auto = False  # jax.distributed.initialize() with auto-detection
    c.distributed.coordinator = ""  # host:port of process 0 ("": single process unless auto)
    c.distributed.num_processes = 1  # processes in the job
    c.distributed.process_id = -1  # this process's id (-1: from the environment)

    c.intermediate = _phase()  # the intermediate phase (skipped when `tasks` is empty)
    c.target = _phase(task="")  # the target phase (English training data of `task`)
    # Epochs of each English stage a target's recipe trains before its own training task, each
    # a phase of its own with the other target settings (XCOPA: SIQA, then COPA, as XTREME-R's
    # train_xcopa.sh); 0: no such stage, the training task alone.
    c.target.prepare_epochs = 3.0

    c.evaluate = ml_collections.ConfigDict()  # zero-shot evaluation of the target
    c.evaluate.split = "test"  # the split scored in every language
    c.evaluate.languages = ()  # languages to score (() = every language of the split)
    c.evaluate.batch_size = 64  # rows per prediction batch (rounded up to the data-parallel size)
    c.evaluate.retrieval_layer = 0  # encoder layer embedded for retrieval (0: 14 of 24 or alike)
    c.evaluate.noise_rates = ()  # character-noise rates to score again at (0.0 = clean inputs)
    c.evaluate.noise_seed = 0  # seed of the character noise
    # MultiCheckList (XTREME-R's 6 behavioural QA tests in 50 languages) on a span-QA target's
    # head after its evaluation: eval/checklist.json, .csv, .png (`jaxstilts checklist` too)
    c.evaluate.checklist = False
    c.evaluate.checklist_cases = 200  # cases per test and language (XTREME-R: 200)
    c.evaluate.checklist_languages = ()  # () = every language with complete templates

    c.user_tasks = ()  # user-defined tasks as dicts (`jaxstilts.tasks.task_from_config`)

    c.sweep = ml_collections.ConfigDict()  # `jaxstilts sweep`: every intermediate x target run
    c.sweep.intermediate = ()  # intermediate entries; "a+b" is one multi-task entry
    c.sweep.targets = ()  # targets (() = target.task)
    c.sweep.baseline = True  # also run each target without an intermediate phase
    # Other config keys to vary, every combination runs: in a config file a dict of Python values
    # ({"data.max_length": (128, 256), "intermediate.optim.lr": (1e-5, 3e-5)}), or (as on the
    # command line) strings "KEY=VALUE|VALUE|...": ("data.max_length=128|256",).
    c.sweep.axes = ml_collections.FieldReference((), field_type=object)
    c.sweep.seeds = ()  # seeds to repeat every run with (() = `seed` alone, no seed axis)
    # Settings of one task, applied to the runs whose target is TASK (keys target.* /
    # evaluate.*) or whose intermediate tasks include it (keys intermediate.*), before the axes:
    # a dict {"udpos": {"target.epochs": 10.0}, "squad_v2": {"intermediate.batch_size": 16}} or
    # strings "TASK: KEY=VALUE": ("udpos: target.epochs=10", "squad_v2: intermediate.batch_size=16")
    c.sweep.per_task = ml_collections.FieldReference((), field_type=object)
    # What a launcher reserves for each job (Ray resources; 0: none): {"GPU": 1.0} per job on
    # a GPU cluster, {"TPU": 4.0} for a v4-8 host. The local launcher runs jobs one at a time.
    c.sweep.job_resources = ml_collections.ConfigDict({"CPU": 1.0, "GPU": 0.0, "TPU": 0.0})
    return c
