"""Evaluation results on disk: `results.json` (task -> language -> metric), Markdown and CSV tables.

Languages are grouped by resource level so tables show whether gains reach low-resource languages.
Criterion: a language is **high-resource** if its Wikipedia had at least one million articles in
2020-21 (Wikipedia's "List of Wikipedias"; the XTREME paper likewise characterises its languages by
Wikipedia size). Among XTREME and XTREME-R languages these are the ones in `HIGH_RESOURCE`:
Arabic, Dutch, English, French, German, Italian, Japanese, Polish, Portuguese, Russian, Spanish,
Ukrainian, Vietnamese and Chinese (Vietnamese counts thanks to many bot-made stubs). Every other
language is low-resource.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from jaxstilts.evaluate.xtreme import average_over_languages

HIGH_RESOURCE = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "nl", "pl", "pt", "ru", "uk", "vi", "zh"}
)

Results = Mapping[str, Mapping[str, Mapping[str, float]]]  # task -> language -> metric -> value
Group = Literal["high", "low"]


def resource_group(language: str) -> Group:
    """ "high" for the languages in `HIGH_RESOURCE`, else "low"."""
    return "high" if language in HIGH_RESOURCE else "low"


def group_averages(per_language: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """`{"all", "high", "low"}` -> metric -> mean over those languages (empty groups left out)."""
    out = {"all": average_over_languages(per_language)}
    for group in ("high", "low"):
        members = {lang: s for lang, s in per_language.items() if resource_group(lang) == group}
        if members:
            out[group] = average_over_languages(members)
    return out


def summarize(results: Results) -> dict[str, dict[str, dict[str, float]]]:
    """task -> {"all", "high", "low"} -> metric -> average."""
    return {task: group_averages(per_language) for task, per_language in results.items()}


def from_scores(scored: Mapping[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """task -> language -> metric, from `xtreme.score_folder`'s output."""
    return {task: dict(summary["languages"]) for task, summary in scored["tasks"].items()}


def _metrics(per_language: Mapping[str, Mapping[str, float]]) -> list[str]:
    seen: dict[str, None] = {}
    for scores in per_language.values():
        seen.update(dict.fromkeys(scores))
    return list(seen)


def markdown_table(results: Results, digits: int = 2) -> str:
    """A summary table (task, metric, average over all / high / low-resource languages), then one
    table per task with every language, each header marking the group."""
    fmt = f"{{:.{digits}f}}"

    def cell(group: Mapping[str, float] | None, metric: str) -> str:
        return fmt.format(group[metric]) if group and metric in group else "–"

    lines = ["| task | metric | all | high-resource | low-resource |", "|---|---|---|---|---|"]
    summary = summarize(results)
    for task, per_language in results.items():
        for metric in _metrics(per_language):
            groups = summary[task]
            lines.append(
                f"| {task} | {metric} | {cell(groups['all'], metric)} | "
                f"{cell(groups.get('high'), metric)} | {cell(groups.get('low'), metric)} |"
            )
    for task, per_language in results.items():
        languages = list(per_language)
        header = [f"{lang} ({resource_group(lang)[0]})" for lang in languages]
        lines += ["", f"### {task}", "", "| metric | " + " | ".join(header) + " |"]
        lines.append("|---" * (len(languages) + 1) + "|")
        for metric in _metrics(per_language):
            row = [cell(per_language[lang], metric) for lang in languages]
            lines.append(f"| {metric} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def csv_table(results: Results) -> str:
    """Long format: task, language, resource, metric, value; group means as languages
    `avg`, `avg_high`, `avg_low` (resource column empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["task", "language", "resource", "metric", "value"])
    summary = summarize(results)
    for task, per_language in results.items():
        for lang, scores in per_language.items():
            for metric, value in scores.items():
                writer.writerow([task, lang, resource_group(lang), metric, repr(float(value))])
        for group, name in (("all", "avg"), ("high", "avg_high"), ("low", "avg_low")):
            for metric, value in summary[task].get(group, {}).items():
                writer.writerow([task, name, "", metric, repr(float(value))])
    return buffer.getvalue()


def write_results(results: Results, folder: str | Path) -> dict[str, Path]:
    """Write `results.json`, `results.md` and `results.csv` into `folder`; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plain = {
        t: {lang: {m: float(v) for m, v in s.items()} for lang, s in pl.items()}
        for t, pl in results.items()
    }
    paths = {
        "json": folder / "results.json",
        "markdown": folder / "results.md",
        "csv": folder / "results.csv",
    }
    paths["json"].write_text(
        json.dumps(plain, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    paths["markdown"].write_text(markdown_table(plain), encoding="utf-8")
    paths["csv"].write_text(csv_table(plain), encoding="utf-8")
    return paths


def read_results(path: str | Path) -> dict[str, dict[str, dict[str, float]]]:
    """`results.json` back as task -> language -> metric -> value."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
