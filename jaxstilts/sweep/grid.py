"""The runs of a sweep: (baseline and) each intermediate entry x each target x each combination
of axis values x each seed, each with its config and its folder names. The axes, seeds and
per-task settings are checked like command-line overrides before any compute.

A config file writes them as Python values, as big_vision writes its sweeps::

    c.sweep.axes = {"intermediate.max_length": (128, 256, 512)}
    c.sweep.per_task = {"udpos": {"target.epochs": 10.0}}

or as the strings the command line takes (`("intermediate.max_length=128|256|512",)`,
`("udpos: target.epochs=10",)`). A value's folder label is the value as written: Python's own
writing for Python values (128 -> `=128`, 1e-5 -> `=1e-05`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ml_collections

from jaxstilts.config import ConfigError, apply_override
from jaxstilts.report.runs import run_name

AXIS_VALUES = "|"  # separates an axis's values: "data.max_length=128|256"
# Keys that only the target phase and the evaluation read: an axis over them shares the
# intermediate phase. Every other key (model, data, intermediate, seed) gets its own.
TARGET_ONLY = ("target.", "evaluate.")
# Keys that only the target's last stage and the evaluation read: an axis over them shares the
# target's preparatory stages (XCOPA's SIQA).
AFTER_PREPARE = ("evaluate.", "target.epochs", "target.steps")
# Keys a sweep varies by its own fields, never by an axis.
NOT_AXES = {"seed": "sweep.seeds", "intermediate.tasks": "sweep.intermediate",
            "target.task": "sweep.targets", "name": "the config file", "sweep": "the sweep itself"}


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its intermediate tasks, target, axis settings and seed."""

    intermediate: tuple[str, ...]
    target: str
    settings: tuple[tuple[str, str, Any], ...] = ()  # (key, value as written, parsed value)
    seed: int | None = None  # None: the config's own seed (no seed axis)

    @property
    def name(self) -> str:
        """`<row>__<target>[__key=value...][__seed=N]`: the run's folder in the sweep."""
        return "__".join([run_name(self.intermediate, self.target),
                          *_setting_labels(self.settings), *self._seed_label])

    @property
    def intermediate_name(self) -> str | None:
        """The shared intermediate phase's folder: the same for every run whose intermediate
        settings (tasks, non-target keys, seed) are the same; None for a baseline."""
        if not self.intermediate:
            return None
        settings = [s for s in self.settings if not s[0].startswith(TARGET_ONLY)]
        return "__".join(["+".join(self.intermediate), *_setting_labels(settings),
                          *self._seed_label])

    @property
    def prepare_name(self) -> str:
        """The folder of the target's preparatory stages: shared by every run with the same
        intermediate tasks, target and stage settings (all but `AFTER_PREPARE` keys), seed."""
        settings = [s for s in self.settings if not _is_after_prepare(s[0])]
        return "__".join([run_name(self.intermediate, self.target),
                          *_setting_labels(settings), *self._seed_label])

    @property
    def _seed_label(self) -> list[str]:
        return [] if self.seed is None else [f"seed={self.seed}"]

    def config(self, base: ml_collections.ConfigDict,
               per_task: list[tuple[str, str, Any]] | None = None) -> ml_collections.ConfigDict:
        """`base` with this run's tasks, their `sweep.per_task` settings (`per_task`: those
        already parsed, as `sweep_configs` passes them), the axis settings and the seed."""
        config = _copy(base)
        config.intermediate.tasks = self.intermediate
        config.target.task = self.target
        for task, key, value in sweep_per_task(base) if per_task is None else per_task:
            if task == self.target if key.split(".")[0] != "intermediate" else (
                    task in self.intermediate):
                _set(config, key, value)
        for key, _, value in self.settings:
            _set(config, key, value)
        if self.seed is not None:
            config.seed = self.seed
        return config

    def coordinates(self) -> dict:
        """name, seed and settings (values as written, as in the name) for `run.json`."""
        return {"name": self.name, "seed": self.seed,
                "settings": {key: _safe(text) for key, text, _ in self.settings}}


def _is_after_prepare(key: str) -> bool:
    return any(key == k or (k.endswith(".") and key.startswith(k)) for k in AFTER_PREPARE)


def _setting_labels(settings) -> list[str]:
    return [f"{key}={_safe(text)}" for key, text, _ in settings]


def _safe(text: str) -> str:
    """A value as written, kept to characters that are safe in a folder name."""
    return re.sub(r"[^A-Za-z0-9._+,=-]", "", text.replace(" ", ""))


def _set(config: ml_collections.ConfigDict, key: str, value: Any) -> None:
    *sections, leaf = key.split(".")
    node = config
    for part in sections:
        node = node[part]
    node[leaf] = value


def _parsed(config: ml_collections.ConfigDict, setting: str, where: str) -> Any:
    """The value of `KEY=VALUE` as an override would set it (checked the same way)."""
    probe = _copy(config)
    apply_override(probe, setting, source=f"the config ({where})")
    value = probe
    for part in setting.split("=", 1)[0].strip().split("."):
        value = value[part]
    return value


def _copy(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """An unlocked copy of `config`, its sweep's axes and per-task settings in the string form
    (a ConfigDict takes no dict whose keys hold dots)."""
    plain = config.to_dict()
    plain["sweep"]["axes"] = axis_entries(config)
    plain["sweep"]["per_task"] = per_task_entries(config)
    return ml_collections.ConfigDict(plain)


def _written(value: Any) -> str:
    """A Python value as an override writes it: a string as it is, else as Python writes it
    (so 128 names a folder `...=128`, as the string form's "128" does)."""
    return value if isinstance(value, str) else repr(value)


def axis_entries(config: ml_collections.ConfigDict) -> tuple[str, ...]:
    """`sweep.axes` as `KEY=VALUE|VALUE...` strings: as written, or from the Python form
    `{"intermediate.max_length": (128, 256, 512)}`."""
    axes = config.sweep.axes
    if not isinstance(axes, Mapping):
        return tuple(axes)
    entries = []
    for key, values in axes.items():
        if not isinstance(values, (tuple, list)):
            raise ConfigError(f"sweep.axes: {key} takes a tuple of values, got {values!r}")
        texts = [_written(v) for v in values]
        if any(AXIS_VALUES in text for text in texts):
            raise ConfigError(f"sweep.axes: {key}: a value holds '{AXIS_VALUES}' ({values!r})")
        entries.append(f"{key}={AXIS_VALUES.join(texts)}")
    return tuple(entries)


def per_task_entries(config: ml_collections.ConfigDict) -> tuple[str, ...]:
    """`sweep.per_task` as `TASK: KEY=VALUE` strings: as written, or from the Python form
    `{"udpos": {"target.epochs": 10.0}}`."""
    per_task = config.sweep.per_task
    if not isinstance(per_task, Mapping):
        return tuple(per_task)
    entries = []
    for task, settings in per_task.items():
        if not isinstance(settings, Mapping):
            raise ConfigError(f"sweep.per_task: {task} takes a dict of settings "
                              f"({{'target.epochs': 10.0}}), got {settings!r}")
        entries += [f"{task}: {key}={_written(value)}" for key, value in settings.items()]
    return tuple(entries)


def sweep_axes(config: ml_collections.ConfigDict) -> list[list[tuple[str, str, Any]]]:
    """The parsed `sweep.axes`: per axis, (key, value as written, value) of each value. Keys and
    values are checked like command-line overrides; a bad one is a one-line `ConfigError`."""
    axes, seen = [], set()
    entries = axis_entries(config)
    for i, entry in enumerate(entries):
        if not isinstance(entry, str) or "=" not in entry:
            previous = entries[i - 1] if i else None
            joined = (f"; the values of one axis are separated by '{AXIS_VALUES}' "
                      f"({previous}{AXIS_VALUES}{entry}), a comma separates axes"
                      if isinstance(previous, str) and "=" in previous else "")
            raise ConfigError(f"sweep.axes: {entry!r} is not KEY=VALUE{AXIS_VALUES}VALUE...{joined}"
                              " (on the command line, axes whose values hold commas go in a "
                              "tuple: --config.sweep.axes='(\"KEY=(1,2)|(3,)\",)')")
        key, raw = (part.strip() for part in entry.split("=", 1))
        reserved = next((k for k in NOT_AXES if key == k or key.startswith(k + ".")), None)
        if reserved:
            raise ConfigError(f"sweep.axes: {key} cannot be an axis (set {NOT_AXES[reserved]})")
        if key in seen:
            raise ConfigError(f"sweep.axes: {key} is given twice")
        seen.add(key)
        texts = [t.strip() for t in raw.split(AXIS_VALUES)]
        if not raw.strip() or not all(texts):
            raise ConfigError(f"sweep.axes: {key} has an empty value in {raw!r}")
        values = []
        for text in texts:
            value = _parsed(config, f"{key}={text}", "sweep.axes")
            if any(value == v for _, _, v in values):
                raise ConfigError(f"sweep.axes: {key} repeats the value {text!r}")
            values.append((key, text, value))
        axes.append(values)
    return axes


def sweep_per_task(config: ml_collections.ConfigDict) -> list[tuple[str, str, Any]]:
    """The parsed `sweep.per_task`: (task, key, value) per entry, checked like overrides. A task
    entry sets its own phase only (intermediate.* for an intermediate task; target.* or
    evaluate.* for a target), so that intermediate phases stay shared between targets."""
    from jaxstilts.tasks.registry import get_task

    parsed = []
    for entry in per_task_entries(config):
        task, _, setting = str(entry).partition(":")
        task, setting = task.strip(), setting.strip()
        key = setting.split("=", 1)[0].strip()
        if not task or "=" not in setting:
            raise ConfigError(f"sweep.per_task: {entry!r} is not 'TASK: KEY=VALUE'")
        try:
            get_task(task)
        except KeyError:
            raise ConfigError(f"sweep.per_task: {entry!r} names no task {task!r}") from None
        if key.split(".")[0] not in ("intermediate", "target", "evaluate") or key in (
                "intermediate.tasks", "target.task"):
            raise ConfigError(f"sweep.per_task: {entry!r} sets {key}; a task entry sets "
                              "intermediate.*, target.* or evaluate.* settings")
        parsed.append((task, key, _parsed(config, setting, "sweep.per_task")))
    return parsed


def sweep_runs(config: ml_collections.ConfigDict) -> list[SweepRun]:
    """Every run of a sweep: (baseline and) each intermediate entry ('a+b': multi-task) x each
    target x each combination of axis values x each seed. A baseline has no intermediate phase,
    so it is run once over the values of `intermediate.*` axes."""
    s = config.sweep
    if not all(re.fullmatch(r"-?\d+", str(seed).strip()) for seed in s.seeds):
        raise ConfigError(f"sweep.seeds: expected whole numbers, got {tuple(s.seeds)}")
    seeds = [None] if not s.seeds else [int(str(seed).strip()) for seed in s.seeds]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"sweep.seeds repeats a seed: {tuple(s.seeds)}")
    inters = ([()] if s.baseline else []) + [tuple(e.split("+")) for e in s.intermediate]
    targets = list(s.targets) or [config.target.task]
    runs: dict[str, SweepRun] = {}
    for seed in seeds:
        for settings in itertools.product(*sweep_axes(config)):
            for inter in inters:
                kept = settings if inter else tuple(
                    x for x in settings if not x[0].startswith("intermediate."))
                for target in targets:
                    run = SweepRun(inter, target, kept, seed)
                    runs.setdefault(run.name, run)
    return list(runs.values())


def sweep_configs(config: ml_collections.ConfigDict
                  ) -> list[tuple[SweepRun, ml_collections.ConfigDict]]:
    """Every run of the sweep with its config (`sweep.per_task` parsed once for all)."""
    runs = sweep_runs(config)
    per_task = sweep_per_task(config)
    return [(run, run.config(config, per_task)) for run in runs]
