"""MultiCheckList in reports: failure-rate heatmaps, and in sweeps which intermediate task lowers
which failure (test × language) relative to the baseline, over seeds where there are several.

Failure rates come from each run's `run.json` (`checklist`: test -> language -> % of failing
cases), written there when the run evaluated with `evaluate.checklist`.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean

from jaxstilts.evaluate.checklist import Rates, failure_tests, plot_failure_heatmap
from jaxstilts.report.runs import BASELINE, Sweep
from jaxstilts.report.tables import Table, format_cell, to_csv


def rate_differences(run: Rates, base: Rates) -> Rates:
    """Run minus baseline per (test, language) both report; negative: fewer failures."""
    return {t: {lang: r - base[t][lang] for lang, r in by_lang.items() if lang in base.get(t, {})}
            for t, by_lang in run.items() if t in base}


def checklist_table(sweep: Sweep, target: str) -> Table | None:
    """Rows (baseline first) × tests: mean failure rate over languages, and for each
    intermediate task its change vs the baseline (`Δ` columns). None without MultiCheckList."""
    rows = [r for r in sweep.rows if (run := sweep.run(r, target)) and run.checklist]
    if not rows:
        return None
    base = sweep.run(BASELINE, target)
    base_rates = base.checklist if base and base.checklist else None
    tests = failure_tests(sweep.run(rows[0], target).checklist)
    header = ["row", *tests] + ([f"Δ {t}" for t in tests] if base_rates else [])
    body = []
    for row in rows:
        rates = sweep.run(row, target).checklist
        cells: list = [row] + [_mean(rates.get(t)) for t in tests]
        if base_rates:
            diff = rate_differences(rates, base_rates)
            cells += [None if row == BASELINE else _mean(diff.get(t)) for t in tests]
        body.append(cells)
    return header, body


def _markdown(table: Table) -> str:
    """Failure rates plain, their changes (`Δ` columns) signed."""
    header, rows = table
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(row[0])] + [format_cell(c, h.startswith("Δ"))
                                 for h, c in zip(header[1:], row[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _mean(by_lang: dict[str, float] | None) -> float | None:
    return mean(by_lang.values()) if by_lang else None


def write_checklist_report(sweep: Sweep, out: Path) -> dict[str, Path]:
    """checklist.md / .csv and, per intermediate task, a heatmap of its failure-rate changes vs
    the baseline per test × language; {name: path} of what was written."""
    paths: dict[str, Path] = {}
    parts = ["# MultiCheckList failure rates\n",
             "Share of XTREME-R's MultiCheckList cases (%) the target's QA head gets wrong, mean "
             "over languages, per test; `Δ` columns: minus the baseline's (negative: the "
             "intermediate task lowered the failure rate). Means over seeds where there are "
             "several. Per-language changes: the heatmaps.\n"]
    csv_parts = []
    for target in sweep.targets:
        table = checklist_table(sweep, target)
        if table is None:
            continue
        parts += [f"## {target}\n", _markdown(table)]
        csv_parts.append(to_csv(([f"{target}: {table[0][0]}", *table[0][1:]], table[1])))
        base = sweep.run(BASELINE, target)
        for row in sweep.intermediates:
            run = sweep.run(row, target)
            if not (run and run.checklist and base and base.checklist):
                continue
            name = f"heatmap_checklist_{target}_{row}.png"
            diff = rate_differences(run.checklist, base.checklist)
            if plot_failure_heatmap(diff, out / name, f"{target}: {row} − baseline, failure "
                                    "rate (points)", signed=True):
                paths[name] = out / name
                parts.append(f"![{row}]({name})\n")
    if not csv_parts:
        return paths
    (out / "checklist.md").write_text("\n".join(parts), encoding="utf-8")
    (out / "checklist.csv").write_text("\n".join(csv_parts), encoding="utf-8")
    paths["checklist.md"], paths["checklist.csv"] = out / "checklist.md", out / "checklist.csv"
    return paths
