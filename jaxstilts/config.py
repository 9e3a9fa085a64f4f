"""Experiment configs: ml_collections `.py` files with `get_config()`, command-line overrides.

`load_config("demo", ["--config.target.optim.lr=2e-5"])` returns a locked ConfigDict. An
override of a key that does not exist, or with a value of the wrong type, is an error that names
the key — before any compute starts.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import ml_collections

# The keys themselves (types, defaults, checks, policies) live in `config_schema`.
from jaxstilts.config_schema import ConfigError, check_values, experiment_defaults

__all__ = ["ConfigError", "apply_override", "check_values", "experiment_defaults",
           "load_config", "packaged_configs", "resolve_config_path"]


def _load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"jaxstilts_config_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def configs_root() -> Path:
    """The folder of the packaged configs: `configs/` beside the package in a source checkout,
    `jaxstilts/configs/` in an installed wheel (both are the package `jaxstilts.configs`)."""
    import jaxstilts.configs

    return Path(jaxstilts.configs.__file__).resolve().parent


def packaged_configs() -> list[str]:
    """Names of the configs shipped as `jaxstilts.configs` (e.g. `tiny`, `paper/stilts`)."""
    root = configs_root()
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.py")
                  if p.name != "__init__.py" and p.stem != "common")


def resolve_config_path(name: str | Path) -> Path:
    """A config file: the user's own (a path to an existing file), else one of the package's.

    Package configs are named relative to `configs/` (`configs_root`), with or without `.py`
    (`tiny`, `paper/stilts.py`); a leading `configs/` is accepted for the layout of a source
    checkout. Only files count: a folder that happens to carry the name is ignored.
    """
    path = Path(name)
    if path.is_file():
        return path
    root = configs_root()
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
