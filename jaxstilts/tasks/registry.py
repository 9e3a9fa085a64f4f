"""Named tasks, and tasks defined by a user's config (no code: a kind, a source, a field map).

The paper's intermediate tasks, XTREME/XTREME-R targets and the demo tasks are the `TASKS` of
the `catalog_*` modules (plain data); they are registered the first time the registry is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jaxstilts.tasks import catalog_demo, catalog_intermediate, catalog_xtreme
from jaxstilts.tasks.base import (
    SPLITS,
    HubSource,
    Kind,
    LocalSource,
    RowMap,
    Sources,
    Task,
    TfdsSource,
)

_TASKS: dict[str, Task] = {}
_LOADED = False


def _load_catalog() -> None:
    global _LOADED
    if not _LOADED:
        _LOADED = True
        for task in (*catalog_intermediate.TASKS, *catalog_demo.TASKS, *catalog_xtreme.TASKS):
            register(task)


def register(task: Task, *, overwrite: bool = False) -> Task:
    """Add `task` under its name (an existing name needs `overwrite=True`)."""
    if task.name in _TASKS and not overwrite:
        raise ValueError(f"task {task.name!r} is already registered")
    _TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    _load_catalog()
    try:
        return _TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; registered: {', '.join(sorted(_TASKS))}") from None


def task_names(kind: Kind | str | None = None, tag: str | None = None) -> list[str]:
    """Registered names, optionally only one kind or those with a tag (`intermediate`,
    `xtreme`, `xtreme_r`, `english_train`, `demo`)."""
    _load_catalog()
    return sorted(
        name
        for name, task in _TASKS.items()
        if (kind is None or task.kind == Kind(kind)) and (tag is None or tag in task.tags)
    )


def target_recipe(name: str, prepare: bool = True) -> tuple[str, ...]:
    """The English tasks that train target `name`, in order: its recipe's preparatory stages
    (when `prepare`), then its training task (XCOPA: siqa, copa; XNLI: mnli)."""
    task = get_task(name)
    return (*(task.prepare_tasks if prepare else ()), task.train_task or name)


def has_target_phase(target: str) -> bool:
    """Whether a target trains before it is evaluated: all but retrieval targets, and those
    retrieval targets whose training task is pairs (a dual encoder, as XTREME-R's)."""
    task = get_task(target)
    trains_on = get_task(task.train_task or target)
    return task.kind != Kind.RETRIEVAL or trains_on.kind == Kind.RETRIEVAL_PAIRS


def target_training(config: Any) -> tuple[str, ...]:
    """The English tasks the target phase trains on, in order: the target's preparatory stages
    (when `target.prepare_epochs`), then its training task; () with no target phase (no
    target, or a retrieval target evaluated straight from the encoder: BUCC, Tatoeba)."""
    target = config.target.task
    if not target or not has_target_phase(target):
        return ()
    return target_recipe(target, bool(config.target.prepare_epochs))


def task_from_config(config: Mapping[str, Any], *, register_task: bool = False) -> Task:
    """A task from a plain dict or `ml_collections.ConfigDict`, e.g.::

        {"name": "legal_nli", "kind": "pair_classification",
         "labels": ["entailment", "neutral", "contradiction"], "metric": "accuracy",
         "source": {"local": {"format": "jsonl",
                              "files": {"train": "/data/legal/train.jsonl",
                                        "validation": "/data/legal/dev.jsonl"}}},
         "fields": {"text_a": "premise", "text_b": "hypothesis", "label": "gold"}}

    `source` holds `local` ({format, files, options}), `hub` ({path, name, splits}) and/or
    `tfds` ({name, splits}); `fields`, `label_map`, `value_maps`, `where` and
    `exclude_labels` apply to all of them. Languages default to ["en"], every split named by a
    source is available in every language, and the metric defaults to the kind's usual one.
    """
    config = _plain(config)
    unknown = set(config) - {
        "name", "kind", "labels", "languages", "metric", "max_length", "num_choices", "source",
        "fields", "label_map", "value_maps", "where", "exclude_labels", "unanswerable",
        "description", "train_task", "data_dir",
    }  # fmt: skip
    if unknown:
        raise ValueError(f"task config: unknown keys {sorted(unknown)}")
    for key in ("name", "kind", "source"):
        if key not in config:
            raise ValueError(f"task config needs {key!r}")
    kind = Kind(config["kind"])
    rows = RowMap(
        fields=config.get("fields", {}),
        label_map=config.get("label_map", {}),
        value_maps=config.get("value_maps", {}),
        where=config.get("where", {}),
        exclude_labels=tuple(config.get("exclude_labels", ())),
    )
    source = config["source"]
    if not set(source) <= {"local", "hub", "tfds"} or not source:
        raise ValueError(f"task config source: expected local/hub/tfds, got {sorted(source)}")
    local = hub = tfds = ()
    if "local" in source:
        spec = source["local"]
        local = (LocalSource(spec["format"], spec["files"], rows, options=spec.get("options", {})),)
    if "hub" in source:
        spec = source["hub"]
        splits = spec.get("splits") or {s: s for s in SPLITS}
        hub = (HubSource(spec["path"], splits, name=spec.get("name"), rows=rows),)
    if "tfds" in source:
        spec = source["tfds"]
        tfds = (TfdsSource(spec["name"], spec.get("splits") or {s: s for s in SPLITS}, rows),)
    splits_named = set()
    for component in local:
        splits_named |= set(component.files)
    for component in (*hub, *tfds):
        splits_named |= set(component.splits)
    languages = tuple(config.get("languages", ("en",)))
    task = Task(
        name=config["name"],
        kind=kind,
        metric=config.get("metric", kind.default_metric),
        languages=languages,
        splits={split: languages for split in sorted(splits_named)},
        sources=Sources(hub=hub, local=local, tfds=tfds),
        labels=config.get("labels"),
        num_choices=config.get("num_choices"),
        max_length=config.get("max_length"),
        unanswerable=config.get("unanswerable", False),
        train_task=config.get("train_task"),
        tags=frozenset({"user"}),
        description=config.get("description", ""),
        default_data_dir=config.get("data_dir"),
    )
    return register(task, overwrite=True) if register_task else task




def _plain(value: Any) -> Any:
    """ConfigDict / nested mappings -> plain dicts and lists."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
