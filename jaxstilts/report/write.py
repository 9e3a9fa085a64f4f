"""Writing a sweep's report folder: every table, figure and the index (see the package
docstring)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from statistics import mean

from etils import epath

from jaxstilts.evaluate.results import resource_group
from jaxstilts.report.analyses import relatedness_table, resource_table, short_name, type_order
from jaxstilts.report.checklist import write_checklist_report
from jaxstilts.report.plots import plot_heatmap, plot_language_heatmap
from jaxstilts.report.runs import (
    BASELINE,
    OTHERS,
    TARGET_TYPES,
    Sweep,
    load_runs,
    sweeps_by_setting,
)
from jaxstilts.report.seeds import PAPER, headline
from jaxstilts.report.studies import study_index, write_studies
from jaxstilts.report.tables import (
    Table,
    delta_table,
    format_cell,
    language_table,
    score_table,
    to_csv,
    to_markdown,
)

# ---------------------------------------------------------------- writing


def write_report(sweep_dir: str | Path, out_dir: str | Path | None = None) -> dict[str, Path]:
    """Write the sweep's report (see the package docstring) and return {name: path}."""
    sweep_dir = epath.Path(sweep_dir)  # local or gs:// alike
    runs = load_runs(sweep_dir)
    if not runs:
        raise FileNotFoundError(f"no runs under {sweep_dir / 'runs'}")
    sweeps = sweeps_by_setting(runs)
    out = epath.Path(out_dir) if out_dir is not None else sweep_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if len(sweeps) == 1:
        _write_tables(next(iter(sweeps.values())), out, "", paths)
    else:  # one folder of tables per combination of axis values
        for label, sweep in sweeps.items():
            folder = out / _folder(label)
            folder.mkdir(parents=True, exist_ok=True)
            _write_tables(sweep, folder, f"{_folder(label)}/", paths)
    write_studies(sweeps, out, paths)
    _write(out, "report.md", _index(sweeps, runs, sweep_dir, paths), paths)
    return paths


def _folder(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=,+-]", "", label.replace(", ", "__")) or "all"


def _write(folder: Path, name: str, text: str, paths: dict[str, Path], prefix: str = "") -> None:
    paths[prefix + name] = folder / name
    paths[prefix + name].write_text(text, encoding="utf-8")


def _write_tables(sweep: Sweep, out: Path, prefix: str, paths: dict[str, Path]) -> None:
    """The tables and heatmaps of one combination of axis values (means over seeds)."""
    def write(name: str, text: str) -> None:
        _write(out, name, text, paths, prefix)

    notes = _notes(sweep)
    sections: list[tuple[str, str, Table, Callable[[Table], str]]] = [
        ("scores", "Target score per intermediate task", score_table(sweep), to_markdown),
        ("deltas", "Delta vs baseline", delta_table(sweep), _signed),
        ("relatedness", "Task relatedness", relatedness_table(sweep), _relatedness_md),
        ("resources", "High- vs low-resource languages", resource_table(sweep), _resources_md),
    ]
    setting = f"Setting: `{sweep.setting}`.\n\n" if sweep.setting else ""
    for stem, title, table, render in sections:
        write(f"{stem}.md", f"# {title}\n\n{setting}{_INTRO[stem]}\n\n{render(table)}"
                            f"{notes.get(stem, '')}")
        write(f"{stem}.csv", to_csv(table))
    language_md = ["# Per-language scores\n", setting + _INTRO["languages"] + "\n"]
    for target in sweep.targets:
        table = language_table(sweep, target)
        write(f"languages_{target}.csv", to_csv(table))
        language_md += [f"## {target}\n", _languages_md(table)]
    write("languages.md", "\n".join(language_md))
    if plot_heatmap(sweep, out / "heatmap.png"):
        paths[prefix + "heatmap.png"] = out / "heatmap.png"
    for target in sweep.targets:
        name = f"heatmap_{target}_languages.png"
        if plot_language_heatmap(sweep, target, out / name):
            paths[prefix + name] = out / name
    for name, path in write_checklist_report(sweep, out).items():
        paths[prefix + name] = path


_INTRO = {
    "scores": "Each target's score (averaged over its languages; (EM + F1) / 2 for QA) after "
    "training on the intermediate task of the row. `avg` is the mean over all targets, blank "
    "where one is missing; a cell holding a status is a run that did not finish.",
    "deltas": "Score minus the same target's baseline (pretrained model trained on the target "
    "directly), in points.",
    "relatedness": "Mean delta vs baseline over the (intermediate task, target) pairs of each "
    "(intermediate-task type, target-task type), after the paper's grouping of tasks; other "
    "tasks are typed by their kind (or `other`).",
    "resources": "Mean score over all / high-resource / low-resource languages "
    "(`jaxstilts.evaluate.results.HIGH_RESOURCE`) and the gain of each group over the baseline, "
    "computed over the languages both runs report.",
    "languages": "Per-language task figure of each finished run (`score` rows) and its gain over "
    "the baseline (`delta` rows); `(h)`/`(l)` marks high- and low-resource languages. `avg` is "
    f"the mean over all languages (the target's score), {OTHERS} (zero-shot transfer: the "
    "figure `jaxstilts demo` prints and the language heatmap's last column).",
}


def _signed(table: Table) -> str:
    return to_markdown(table, signed=True) if table[1] and len(table[0]) > 2 else "_No deltas._\n"


def _relatedness_md(table: Table) -> str:
    """A matrix of intermediate type x target type (mean delta, n), then the long table."""
    rows = table[1]
    if not rows:
        return "_No deltas (no baseline), so no relatedness analysis._\n"
    inter = list(dict.fromkeys(str(r[0]) for r in rows))
    targets = type_order(TARGET_TYPES, (str(r[1]) for r in rows))
    cells = {(r[0], r[1]): f"{format_cell(r[2], True)} (n={r[3]})" for r in rows}
    matrix: Table = (
        ["intermediate type", *targets],
        [[i, *(cells.get((i, t)) for t in targets)] for i in inter],
    )
    long = ["| intermediate type | target type | mean delta | n | pairs |", "|---|---|---|---|---|"]
    long += [f"| {r[0]} | {r[1]} | {format_cell(r[2], True)} | {r[3]} | {r[4]} |" for r in rows]
    return to_markdown(matrix) + "\n" + "\n".join(long) + "\n"


def _resources_md(table: Table) -> str:
    """Group means of every run, the gains of the non-baseline runs, and the mean gains."""
    header, rows = table
    split = header.index("delta_all")
    md = to_markdown((header[:split], [r[:split] for r in rows]))
    deltas = [r for r in rows if r[1] != BASELINE]
    signed = to_markdown(
        (header[:2] + header[split:], [r[:2] + r[split:] for r in deltas]), signed=True
    )
    summary = ""
    for group in ("high", "low"):
        col = header.index(f"delta_{group}")
        values = [r[col] for r in deltas if isinstance(r[col], float)]
        if values:
            summary += (
                f"- mean gain on {group}-resource languages: {format_cell(mean(values), True)} "
                f"over {len(values)} runs\n"
            )
    return f"{md}\n### Gains vs baseline\n\n{signed}\n{summary}"


def _languages_md(table: Table) -> str:
    """One target's per-language scores, then its per-language deltas."""
    header, rows = table
    if not rows:
        return "_No finished runs._\n"
    langs = [f"{lang} ({resource_group(lang)[0]})" for lang in header[2:-2]]
    scores = [[r[0], *r[2:]] for r in rows if r[1] == "score"]
    deltas = [[r[0], *r[2:]] for r in rows if r[1] == "delta"]
    md = to_markdown((["intermediate", *langs, "avg", "others"], scores))
    if deltas:
        md += "\nDelta vs baseline:\n\n" + to_markdown(
            (["intermediate", *langs, "avg", "others"], deltas), signed=True
        )
    return md


def _notes(sweep: Sweep) -> dict[str, str]:
    """Notes per section: targets whose deltas are omitted for want of a baseline."""
    lacking = [t for t in sweep.targets if not sweep.has_baseline(t)]
    if not lacking:
        return {}
    note = (
        f"\nNo finished baseline run for {', '.join(lacking)}: "
        "deltas (and the analyses built on them) leave those targets out.\n"
    )
    return {stem: note for stem in ("deltas", "relatedness", "resources")}


def _index(sweeps: Mapping[str, Sweep], runs: list, sweep_dir: Path,
           paths: Mapping[str, Path]) -> str:
    """report.md: counts, the paper comparison, the study sections, per-setting tables, missing
    runs and notes."""
    missing = [r for r in runs if not r.done]
    seeds = sorted({r.seed for r in runs if r.seed is not None})
    lines = [
        "# STILTs sweep report",
        "",
        f"Sweep `{sweep_dir}`: {len(runs)} runs, {len(runs) - len(missing)} done, "
        f"{len(missing)} missing"
        + (f"; seeds {', '.join(map(str, seeds))} (cells are means over seeds)" if seeds else "")
        + (f"; {len(sweeps)} settings" if len(sweeps) > 1 else "") + ".",
        "",
    ]
    for label, sweep in sweeps.items():
        prefix = f"{_folder(label)}/" if len(sweeps) > 1 else ""
        lines += [f"## Setting `{label}`", ""] if len(sweeps) > 1 else []
        lines += [f"{len(sweep.intermediates)} intermediate rows x {len(sweep.targets)} "
                  "targets.", ""]
        if prefix + "heatmap.png" in paths:
            lines += [f"![heatmap]({prefix}heatmap.png)", ""]
        lines += [f"![{name}]({name})\n" for name in paths
                  if name.startswith(prefix) and name.endswith("_languages.png")
                  and "/" not in name[len(prefix):]]
        lines += paper_comparison(sweep)
        lines += ["### Tables", ""]
        for stem, title in (
            ("scores", "Target scores"),
            ("deltas", "Deltas vs baseline"),
            ("relatedness", "Task relatedness"),
            ("resources", "High- vs low-resource languages"),
        ):
            lines.append(f"- [{title}]({prefix}{stem}.md) ([csv]({prefix}{stem}.csv))")
        per_target = ", ".join(f"[{t}]({prefix}languages_{t}.csv)" for t in sweep.targets)
        lines += [f"- [Per-language scores]({prefix}languages.md) (csv: {per_target})"]
        if prefix + "checklist.md" in paths:
            lines.append(f"- [MultiCheckList failure rates]({prefix}checklist.md) "
                         f"([csv]({prefix}checklist.csv))")
        lines.append("")
        note = _notes(sweep).get("deltas", "")
        if note:
            lines += ["### Notes", note.strip(), ""]
    lines += study_index(paths)
    if missing:
        lines += ["## Missing runs", "", "| run | status |", "|---|---|"]
        lines += [f"| {r.name} | {r.status} |" for r in missing] + [""]
    return "\n".join(lines)


def paper_comparison(sweep: Sweep) -> list[str]:
    """The paper's headline comparison: this sweep's figures beside the paper's."""
    h = headline(sweep)
    if not h["best_per_target"]:
        return []
    lines = ["### Against the paper", "",
             f"The paper ({PAPER['source']}): MNLI, SQuAD and HellaSwag are the best "
             "intermediate tasks overall; multi-task intermediate training gives small "
             "additional improvements; the best intermediate task per target gains "
             f"+{PAPER['best_per_target_gain']} XTREME points over XLM-R Large.", "",
             "| | this sweep | paper |", "|---|---|---|"]
    top = ", ".join(f"{short_name(r)} ({format_cell(g, True)})" for r, g in
                    h["average_gain"][:3])
    paper_top = ", ".join(PAPER["best_overall"])
    lines.append(f"| best intermediate tasks (mean gain over targets) | {top or '–'} | "
                 f"{paper_top} |")
    multi = [(r, g) for r, g in h["average_gain"] if "+" in r]
    singles = [g for r, g in h["average_gain"] if "+" not in r]
    if multi and singles:
        lines.append(f"| multi-task vs best single task | "
                     f"{format_cell(multi[0][1] - max(singles), True)} | small gain |")
    lines.append(f"| mean gain of the best intermediate per target | "
                 f"{format_cell(h['best_per_target_gain'], True)} | "
                 f"+{PAPER['best_per_target_gain']} |")
    lines += ["", "Best intermediate task per target (score: the mean over all its languages):",
              ""]
    for target, (row, score, base, gain) in h["best_per_target"].items():
        versus = (f"{format_cell(score, False)} vs baseline {format_cell(base, False)} "
                  f"({format_cell(gain, True)})")
        if float(format_cell(gain, False)) > 0:  # as printed: a -0.0 or +0.0 gain is no gain
            lines.append(f"- {target}: {short_name(row)} {versus}")
        else:
            lines.append(f"- {target}: no intermediate task beats the baseline (closest: "
                         f"{short_name(row)} {versus})")
    return lines + [""]
