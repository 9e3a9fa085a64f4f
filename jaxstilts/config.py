"""Experiment configs: ml_collections `.py` files with `get_config()`, command-line overrides.

`load_config("configs/demo.py", ["--config.train.lr=2e-5"])` returns a locked ConfigDict. An
override of a key that does not exist, or with a value of the wrong type, is an error that names
the key — before any compute starts.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import ml_collections


class ConfigError(ValueError):
    pass


def _load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"jaxstilts_config_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resolve_config_path(name: str | Path) -> Path:
    """A path, or a name under the repository's configs/ (e.g. `demo`, `paper/stilts_mnli`)."""
    path = Path(name)
    if path.exists():
        return path
    here = Path(__file__).resolve().parents[1] / "configs"
    for candidate in (here / name, here / f"{name}.py"):
        if candidate.exists():
            return candidate
    raise ConfigError(f"{name}: no such config file (nor configs/{name}.py)")


def load_config(name: str | Path, overrides: list[str] = (), arg: str | None = None
                ) -> ml_collections.ConfigDict:
    """`get_config(arg)` of a config file, with `--config.a.b=value` overrides applied.

    `name` may carry the argument after a colon, ml_collections style: `paper/stilts.py:mnli,xnli`.
    """
    if arg is None and ":" in str(name) and not Path(name).exists():
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
        raise ConfigError(f"override {item!r}: {key} takes a {type(current).__name__}, got "
                          f"{type(value).__name__} {raw!r}")
    try:
        node[leaf] = value
    except (TypeError, AttributeError, KeyError) as e:
        raise ConfigError(f"override {item!r}: {e}") from None


def _phase(**changes) -> ml_collections.ConfigDict:
    """A training phase with jiant's defaults (DESIGN.md): AdamW 1e-5, warm-up 10%, clip 1.0,
    batch 32, validation every 1000 steps on 500 examples, patience 30."""
    phase = ml_collections.ConfigDict(dict(
        tasks=(), task="", epochs=3.0, steps=0, batch_size=32, log_every=50,
        checkpoint_every=500, validate_every=1000, validation_examples=500, patience=30,
        sampling="proportional", temperature=2.0, cap=0, mlm_rate=0.0, mlm_files=(),
        optim=ml_collections.ConfigDict(dict(
            lr=1e-5, eps=1e-8, weight_decay=0.01, clip_norm=1.0, warmup_fraction=0.1,
            accumulation_steps=1, frozen_embeddings=False)),
    ))
    phase.update(changes)
    return phase


def experiment_defaults() -> ml_collections.ConfigDict:
    """Every key an experiment config has; config files start from this and change fields.

    model.pretrained: a Hugging Face folder or hub id ('' with model.preset: a seeded random init).
    intermediate.tasks: () for the baseline; several names for multi-task training.
    target.task: the XTREME task; its English training task comes from the registry.
    """
    c = ml_collections.ConfigDict()
    c.name = "experiment"
    c.seed = 0
    # matmul_precision: auto = highest for float32 compute, the backend default for bfloat16.
    c.model = ml_collections.ConfigDict(dict(pretrained="", preset="", tokenizer="",
                                             dtype="float32", remat="none",
                                             matmul_precision="auto"))
    c.data = ml_collections.ConfigDict(dict(source="local", data_dir="", cache_dir="",
                                            skip_invalid=False, max_length=0,
                                            mlm_max_length=128))
    c.mesh = ml_collections.ConfigDict(dict(data=-1, fsdp=1, tensor=1))
    # Multi-host: `auto` lets jax.distributed detect a TPU pod / SLURM / Kubernetes job;
    # otherwise name the coordinator (host:port), the process count and this process's id.
    c.distributed = ml_collections.ConfigDict(dict(auto=False, coordinator="", num_processes=1,
                                                   process_id=-1))
    c.intermediate = _phase()
    c.target = _phase(task="")
    c.evaluate = ml_collections.ConfigDict(dict(split="test", languages=(), batch_size=64,
                                                retrieval_layer=0, noise_rates=(),
                                                noise_seed=0))
    c.user_tasks = ()
    c.sweep = ml_collections.ConfigDict(dict(intermediate=(), targets=(), baseline=True))
    return c
