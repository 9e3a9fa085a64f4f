"""Apply a `RowMap` to one raw row: the only place where dataset-specific column names live.

Raw rows come from any reader (hub, local file, TFDS) as plain dicts; the result is a canonical row
of the task's kind (see `base.CANONICAL_FIELDS`). Hub and local rows meet here and share all later
code.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from jaxstilts.tasks.base import CANONICAL_FIELDS, Kind, RowMap
from jaxstilts.tasks.problems import MISSING_FIELD, NO_GOLD_LABEL, UNKNOWN_LABEL, RowProblem

_LIST_FIELDS = {"choices", "tokens", "tags"}
# Canonical fields a source may leave out when its field map does not name them.
_OPTIONAL = {
    Kind.PAIR_CLASSIFICATION: ("text_b", "id"),
    Kind.MULTIPLE_CHOICE: ("id",),
    Kind.SPAN_EXTRACTION: ("id",),
    Kind.TAGGING: ("id",),
}
MISSING = object()


class Excluded(RowProblem):
    """A row the dataset marks as having no gold label: counted, not an error."""


def get_path(raw: Any, path: str) -> Any:
    """`a.b` nested access; `a[].b` maps over a list of dicts; `MISSING` when absent."""
    if "[]" in path:
        head, _, tail = path.partition("[]")
        items = get_path(raw, head)
        if items is MISSING or not isinstance(items, list):
            return MISSING
        tail = tail.lstrip(".")
        values = [get_path(item, tail) if tail else item for item in items]
        return MISSING if any(v is MISSING for v in values) else values
    value = raw
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def matches(rowmap: RowMap, raw: Mapping, context: Mapping[str, str]) -> bool:
    """Whether `raw` belongs to the split/language being read (RowMap.where)."""
    for column, pattern in rowmap.where.items():
        value = get_path(raw, column)
        if value is MISSING or not fnmatch.fnmatchcase(str(value), pattern.format(**context)):
            return False
    return True


# The gold of each kind that a label-stripped file (XTREME's download_data.sh test splits) lacks.
GOLD_FIELDS = {Kind.PAIR_CLASSIFICATION: ("label",), Kind.TAGGING: ("tags",)}


def map_row(kind: Kind, rowmap: RowMap, raw: Mapping, where: str,
            unlabelled: bool = False) -> dict[str, Any] | RowProblem:
    """Canonical row from `raw`, or the problem with it (a missing column, no gold label).
    `unlabelled` (a source without gold): the gold field is None, whether or not it is there."""
    if rowmap.value_maps:
        raw = dict(raw)
        for column, table in rowmap.value_maps.items():
            if column in raw and str(raw[column]) in table:
                raw[column] = table[str(raw[column])]
    row: dict[str, Any] = {}
    wanted = CANONICAL_FIELDS[kind] + ("id",)
    for name in wanted:
        spec = rowmap.fields.get(name, name)
        if unlabelled and name in GOLD_FIELDS.get(kind, ()):
            row[name] = None
            continue
        if spec is None:
            continue
        if isinstance(spec, (list, tuple)):
            values = [get_path(raw, s) for s in spec]
            missing = [s for s, v in zip(spec, values, strict=True) if v is MISSING]
            if missing:
                return RowProblem(where, MISSING_FIELD, f"no column {missing[0]!r} (for {name})")
            if name in _LIST_FIELDS:
                row[name] = list(values)
            else:
                row[name] = " ".join(str(v) for v in values if v not in (None, ""))
            continue
        value = get_path(raw, spec)
        if value is MISSING:
            if name in _OPTIONAL.get(kind, ()) and name not in rowmap.fields:
                continue
            return RowProblem(where, MISSING_FIELD, f"no column {spec!r} (for {name})")
        row[name] = value
    if rowmap.choice_prefix is not None:
        prefix = get_path(raw, rowmap.choice_prefix)
        if prefix is MISSING:
            detail = f"no column {rowmap.choice_prefix!r} (for choices)"
            return RowProblem(where, MISSING_FIELD, detail)
        row["choices"] = [f"{prefix} {choice}" for choice in row["choices"]]
    if "label" in CANONICAL_FIELDS[kind] and not unlabelled:
        label = row.get("label")
        if label is None or str(label) in rowmap.exclude_labels:
            return Excluded(where, NO_GOLD_LABEL, f"label {label!r} marks no gold label")
        if kind == Kind.MULTIPLE_CHOICE and rowmap.label_map and str(label) not in rowmap.label_map:
            # a mapped answer key is complete: "0" of 1-based labels is no choice, not choice 0
            known = ", ".join(repr(k) for k in rowmap.label_map)
            return RowProblem(where, UNKNOWN_LABEL, f"{label!r} is not one of {known}")
        row["label"] = rowmap.label_map.get(str(label), label)
    if kind == Kind.TAGGING and rowmap.label_map and row["tags"] is not None:
        row["tags"] = [rowmap.label_map.get(str(t), t) for t in row["tags"]]
    return row
