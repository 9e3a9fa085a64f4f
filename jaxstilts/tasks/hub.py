"""Hugging Face hub source: `datasets.load_dataset` on a parquet dataset, rows as plain dicts.

Class-label integers become their names here, so a hub row looks like a row of the official file
and goes through the same field mapping and validation. Without network (or cache) the error says
what to download and where to put it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.hub_access import hub_available
from jaxstilts.tasks.base import HubSource, Task

_BUILDERS = {".parquet": "parquet", ".json": "json", ".jsonl": "json", ".csv": "csv"}


class SourceUnavailable(RuntimeError):
    """A source that cannot be reached here (offline hub, missing optional extra, no files)."""


def hub_datasets(
    task: Task,
    source: HubSource,
    split: str,
    context: Mapping[str, str],
    data_files: Mapping[str, Any] | None = None,
    **load_kwargs: Any,
) -> Iterator[tuple[str, Any]]:
    """(description, `datasets.Dataset`) for each hub split behind our `split`.

    `data_files` (hub split -> local parquet/json/csv files) loads the same columns from files
    already on disk, e.g. a manual download; everything after the load call is unchanged.
    """
    import datasets

    name = source.name.format(**context) if source.name else None
    for hub_split in source.splits[split]:
        where = f"hub {source.path}" + (f" [{name}]" if name else "") + f" split {hub_split}"
        try:
            if data_files is not None:
                files = data_files[hub_split]
                first = Path(files if isinstance(files, str) else files[0])
                builder = _BUILDERS.get(first.suffix, "parquet")
                dataset = datasets.load_dataset(
                    builder, data_files={hub_split: files}, split=hub_split, **load_kwargs
                )
            else:
                _offline_if_unreachable()
                dataset = datasets.load_dataset(source.path, name, split=hub_split, **load_kwargs)
        except (ConnectionError, OSError, ValueError) as e:
            raise SourceUnavailable(_offline_message(task, source, name, hub_split, e)) from None
        yield where, dataset


def _offline_if_unreachable() -> None:
    """Without a hub, `datasets` reads its cache only (no retries, no repeated warnings)."""
    import datasets

    if not hub_available():
        datasets.config.HF_HUB_OFFLINE = True


def _offline_message(task: Task, source: HubSource, name: str | None, split: str, err) -> str:
    args = ", ".join(repr(a) for a in (source.path, name) if a)
    local = [
        f"{s.format}: {', '.join(f for fs in s.files.values() for f in fs)}"
        for s in task.sources.local
    ]
    return (
        f"task {task.name}: could not load {source.path}"
        + (f" (config {name})" if name else "")
        + f" split {split!r} from the Hugging Face hub ({type(err).__name__}: {err}). "
        f"Where there is network, run `datasets.load_dataset({args}, split={split!r})` to fill the "
        f"datasets cache (HF_HOME / HF_DATASETS_CACHE; then set HF_HUB_OFFLINE=1 here); or put "
        f"the official files in a folder and run with --config.data.source=local "
        f"--config.data.data_dir=/path/to/data ({'; '.join(local) or 'no local layout'}). "
        f"(From Python, a manual download's parquet files go in as "
        f"hub_data_files={{{split!r}: [...]}}.)"
        + (f" Note: {source.note}" if source.note else "")
    )


def class_label_names(features: Any) -> dict[str, list[str]]:
    """Column -> label names, for ClassLabel columns and lists of ClassLabel (tag sequences)."""
    names = {}
    for column, feature in (features or {}).items():
        inner = getattr(feature, "feature", None)
        if hasattr(feature, "names") and hasattr(feature, "int2str"):
            names[column] = list(feature.names)
        elif inner is not None and hasattr(inner, "names") and hasattr(inner, "int2str"):
            names[column] = list(inner.names)
    return names


def named_labels(row: dict[str, Any], names: Mapping[str, list[str]]) -> dict[str, Any]:
    """Replace class-label integers by their names; negative (SNLI's -1) becomes None."""
    for column, table in names.items():
        value = row.get(column)
        if isinstance(value, list):
            row[column] = [table[v] if isinstance(v, int) and v >= 0 else v for v in value]
        elif isinstance(value, int):
            row[column] = table[value] if value >= 0 else None
    return row


def hub_rows(dataset: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    names = class_label_names(dataset.features)
    for i, row in enumerate(dataset):
        yield f"{where} row {i}", named_labels(dict(row), names)
