"""Analyses over a sweep: task relatedness (mean delta per pair of task types) and high- vs
low-resource language averages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from statistics import mean

from jaxstilts.evaluate.results import resource_group
from jaxstilts.report.runs import (
    BASELINE,
    INTERMEDIATE_TYPES,
    MULTI_TASK,
    TARGET_TYPES,
    Sweep,
    intermediate_type,
    target_type,
)
from jaxstilts.report.tables import Cell, Table


def relatedness_table(sweep: Sweep) -> Table:
    """Mean delta per (intermediate type, target type), with the pairs averaged."""
    groups: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
    for row in sweep.intermediates:
        for target in sweep.targets:
            delta = sweep.delta(row, target)
            if delta is not None:
                key = (intermediate_type(row), target_type(target))
                groups.setdefault(key, []).append((row, target, delta))
    order_i = type_order(INTERMEDIATE_TYPES, (k[0] for k in groups))
    order_t = type_order(TARGET_TYPES, (k[1] for k in groups))
    rows: list[list[Cell]] = []
    for key in sorted(groups, key=lambda k: (order_i.index(k[0]), order_t.index(k[1]))):
        pairs = groups[key]
        names = "; ".join(f"{short_name(r)}->{t}" for r, t, _ in pairs)
        rows.append([*key, mean(d for *_, d in pairs), len(pairs), names])
    return ["intermediate_type", "target_type", "mean_delta", "n", "pairs"], rows


def short_name(row: str) -> str:
    """A row name, multi-task rows of more than three tasks shortened to "multi-task(n)"."""
    n = row.count("+") + 1
    return f"{MULTI_TASK}({n})" if n > 3 else row


def type_order(table: Mapping[str, str], present: Iterable[str]) -> list[str]:
    known = list(dict.fromkeys(table.values()))
    present = set(present)
    return [t for t in known if t in present] + sorted(present - set(known))


def resource_table(sweep: Sweep) -> Table:
    """Per finished run: mean over all / high / low-resource languages and the deltas of each
    vs the baseline (over the languages both report)."""
    rows: list[list[Cell]] = []
    for target in sweep.targets:
        for row in sweep.rows:
            run = sweep.run(row, target)
            if not (run and run.done):
                continue
            deltas = sweep.language_deltas(row, target) if row != BASELINE else {}
            cells: list[Cell] = []
            for group in ("all", "high", "low"):
                cells.append(group_mean(run.languages, group))
            for group in ("all", "high", "low"):
                cells.append(group_mean(deltas, group))
            counts = [_group_count(run.languages, g) for g in ("high", "low")]
            rows.append([target, row, *counts, *cells])
    header = [
        "target",
        "intermediate",
        "n_high",
        "n_low",
        "all",
        "high",
        "low",
        "delta_all",
        "delta_high",
        "delta_low",
    ]
    return header, rows


def _in_group(lang: str, group: str) -> bool:
    return group == "all" or resource_group(lang) == group


def group_mean(per_language: Mapping[str, float], group: str) -> float | None:
    """The mean over the languages of `group` ("all", "high" or "low"-resource); None if none."""
    values = [s for lang, s in per_language.items() if _in_group(lang, group)]
    return mean(values) if values else None


def _group_count(per_language: Mapping[str, float], group: str) -> int:
    return sum(_in_group(lang, group) for lang in per_language)
