"""Report tables: scores and deltas per (intermediate row, target), per language; Markdown and
CSV renderings."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from statistics import mean

from jaxstilts.figures import format_cell
from jaxstilts.report.runs import Sweep


class Status(str):
    """A table cell naming an unfinished run's status: shown in Markdown, empty in CSV."""


Cell = float | int | str | None  # a number, a count, a name or `Status`, or nothing
Table = tuple[list[str], list[list[Cell]]]

# ---------------------------------------------------------------- formatting


def _avg(values: Sequence[Cell]) -> float | None:
    """Mean of `values` when all are numbers, else None."""
    if not values or any(not isinstance(v, float) for v in values):
        return None
    return mean(values)  # type: ignore[arg-type]


def to_markdown(table: Table, signed: bool = False) -> str:
    """A Markdown table; numbers to one decimal (signed for deltas), missing cells as "–"."""
    header, rows = table
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row[0]] + [format_cell(c, signed) for c in row[1:]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    """A CSV table; numbers rounded to 4 decimals, missing cells and statuses empty."""
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
    return buffer.getvalue()


def _csv_cell(value: Cell) -> str:
    if value is None or isinstance(value, Status):
        return ""
    return repr(round(value, 4)) if isinstance(value, float) else str(value)


# ---------------------------------------------------------------- tables


def score_table(sweep: Sweep) -> Table:
    """Rows: baseline and intermediates; columns: targets and their average."""
    rows = []
    for row in sweep.rows:
        cells = [_score_cell(sweep, row, t) for t in sweep.targets]
        rows.append([row, *cells, _avg(cells)])
    return ["intermediate", *sweep.targets, "avg"], rows


def _score_cell(sweep: Sweep, row: str, target: str) -> Cell:
    run = sweep.run(row, target)
    return None if run is None else run.score if run.done else Status(run.status)


def delta_table(sweep: Sweep) -> Table:
    """Intermediates minus the baseline, over the targets that have one."""
    targets = [t for t in sweep.targets if sweep.has_baseline(t)]
    rows = []
    for row in sweep.intermediates:
        cells = [sweep.delta(row, t) for t in targets]
        rows.append([row, *cells, _avg(cells)])
    return ["intermediate", *targets, "avg"], rows


def _others(langs: Sequence[str], cells: Sequence[Cell]) -> float | None:
    """The mean over the languages other than English (`runs.OTHERS`), when all are numbers."""
    return _avg([c for lang, c in zip(langs, cells, strict=True) if lang != "en"])


def language_table(sweep: Sweep, target: str) -> Table:
    """Per-language scores (value "score") and deltas vs the baseline (value "delta"), with
    their mean over all languages (`avg`, the target's score) and over the languages other than
    English (`others`, the zero-shot figure `runs.OTHERS`)."""
    langs = sweep.languages(target)
    rows: list[list[Cell]] = []
    for row in sweep.rows:
        run = sweep.run(row, target)
        if run and run.done:
            cells = [run.languages.get(lang) for lang in langs]
            rows.append([row, "score", *cells, _avg(cells), _others(langs, cells)])
    if sweep.has_baseline(target):
        for row in sweep.intermediates:
            deltas = sweep.language_deltas(row, target)
            if deltas:
                cells = [deltas.get(lang) for lang in langs]
                rows.append([row, "delta", *cells, _avg(cells), _others(langs, cells)])
    return ["intermediate", "value", *langs, "avg", "others"], rows
