"""Sweep report: tables, a heatmap and two analyses from `SWEEP_DIR/runs/*/run.json`.

Files written into `out_dir` (default `SWEEP_DIR/report`):

  report.md                 index: runs found, missing runs, notes, best task per target, links
  scores.md, scores.csv     target score per intermediate task (rows) and target (columns), + avg
  deltas.md, deltas.csv     the same minus each target's baseline (no intermediate task)
  languages.md, languages_<target>.csv   per-language scores (and deltas) of every target
  relatedness.md/.csv       mean delta per (intermediate-task type, target-task type)
  resources.md/.csv         high- vs low-resource language averages and deltas per run
  heatmap.png               intermediate x target deltas (raw scores when no target has a baseline)
  heatmap_<target>_languages.png   intermediate x language deltas of each target with a baseline

A row is "baseline" (pretrained -> target), one intermediate task, or "a+b+..." for multi-task.
Runs whose status is not "done" are listed as missing and left out of every number.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

from etils import epath

from jaxstilts.evaluate.results import resource_group
from jaxstilts.tasks.problems import INVALID_JSON, DataError

BASELINE = "baseline"
MULTI_TASK = "multi-task"

# The paper's grouping of its intermediate and target tasks; dict order is the table order.
INTERMEDIATE_TYPES = {
    "anli_plus": "NLI/paraphrase",
    "mnli": "NLI/paraphrase",
    "qqp": "NLI/paraphrase",
    "sst2": "single-sentence classification",
    "squad_v2": "extractive QA",
    "squad_v1": "extractive QA",
    "hellaswag": "commonsense multiple choice",
    "ccg": "tagging",
    "cosmos_qa": "commonsense multiple choice",
    "commonsense_qa": "commonsense multiple choice",
}
TARGET_TYPES = {
    "xnli": "sentence-pair classification",
    "pawsx": "sentence-pair classification",
    "udpos": "structured prediction",
    "udpos_xtreme_r": "structured prediction",
    "panx": "structured prediction",
    "panx_xtreme_r": "structured prediction",
    "xquad": "QA",
    "xquad_xtreme_r": "QA",
    "mlqa": "QA",
    "tydiqa": "QA",
    "bucc2018": "retrieval",
    "tatoeba": "retrieval",
    "tatoeba_xtreme_r": "retrieval",
}
# Figure labels as the paper prints them; other names are shown as they are.
LABELS = {
    "anli_plus": "ANLI+", "mnli": "MNLI", "qqp": "QQP", "sst2": "SST-2", "squad_v2": "SQuAD",
    "squad_v1": "SQuAD v1.1", "hellaswag": "HellaSwag", "ccg": "CCG", "cosmos_qa": "Cosmos QA",
    "commonsense_qa": "CSQA", "xnli": "XNLI", "pawsx": "PAWS-X", "udpos": "POS", "panx": "NER",
    "xquad": "XQuAD", "mlqa": "MLQA", "tydiqa": "TyDiQA", "bucc2018": "BUCC",
    "tatoeba": "Tatoeba",
}  # fmt: skip


class Status(str):
    """A table cell naming an unfinished run's status: shown in Markdown, empty in CSV."""


Cell = float | int | str | None  # a number, a count, a name or `Status`, or nothing
Table = tuple[list[str], list[list[Cell]]]


# ---------------------------------------------------------------- task types


def _registered_kind(name: str) -> str:
    from jaxstilts.tasks.registry import get_task  # imported lazily: it loads `datasets`

    try:
        return str(get_task(name).kind)
    except KeyError:
        return "other"


def intermediate_type(row: str) -> str:
    """The type of an intermediate row: the paper's group, else the task kind, else "other"."""
    if "+" in row:
        return MULTI_TASK
    return INTERMEDIATE_TYPES.get(row) or _registered_kind(row)


def target_type(target: str) -> str:
    """The type of a target task: the paper's group, else the task kind, else "other"."""
    return TARGET_TYPES.get(target) or _registered_kind(target)


def _ordered(names: Iterable[str], known: Sequence[str]) -> list[str]:
    """`names` in `known` order first, then the rest sorted (multi-task rows last)."""
    rank = {name: i for i, name in enumerate(known)}
    return sorted(set(names), key=lambda n: (n not in rank, "+" in n, rank.get(n, 0), n))


# ---------------------------------------------------------------- runs


@dataclass(frozen=True)
class Run:
    """One `run.json`: its row (baseline / task / a+b), target, status and scores."""

    name: str
    row: str
    target: str
    status: str
    score: float | None
    languages: dict[str, float]  # language -> task figure

    @property
    def done(self) -> bool:
        return self.status == "done"


def language_score(scores: Mapping[str, float], metric: str | None = None) -> float | None:
    """One language's task figure: (EM + F1) / 2 for QA, else the run's metric, F1, accuracy or
    mAP@20 (the order `xtreme.task_score` uses)."""
    if "exact_match" in scores and "f1" in scores:
        return (scores["exact_match"] + scores["f1"]) / 2
    for key in (metric, "f1", "accuracy", "map@20"):
        if key in scores:
            return float(scores[key])
    return None


def run_from_record(record: Mapping[str, Any]) -> Run:
    """A `Run` from the pipeline's `run.json` dict."""
    target = record["target"]
    intermediate = list(record.get("intermediate") or [])
    results = record.get("results") or {}
    per_language = results.get(target) or (next(iter(results.values())) if results else {})
    languages = {
        lang: s
        for lang, scores in per_language.items()
        if (s := language_score(scores, record.get("metric"))) is not None
    }
    score = record.get("score")
    if score is None and languages:
        score = mean(languages.values())
    status = record.get("status", "done")
    if status == "done" and score is None:
        status = "done, no score"
    return Run(
        name=record.get("name") or f"{'+'.join(intermediate) or BASELINE}__{target}",
        row="+".join(intermediate) or BASELINE,
        target=target,
        status=status,
        score=None if score is None else float(score),
        languages=languages,
    )


def load_runs(sweep_dir: str | Path) -> list[Run]:
    """Every run under `sweep_dir/runs`; a folder without `run.json` is an incomplete run."""
    runs = []
    for folder in sorted(epath.Path(sweep_dir) / "runs" / name
                         for name in _listdir(epath.Path(sweep_dir) / "runs")):
        path = folder / "run.json"
        if path.is_file():
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{e.lineno}", INVALID_JSON, e.msg) from None
            runs.append(run_from_record(record))
        elif folder.is_dir() and "__" in folder.name:
            row, target = folder.name.rsplit("__", 1)
            runs.append(Run(folder.name, row, target, "incomplete (no run.json)", None, {}))
    return runs


def _listdir(folder: epath.Path) -> list[str]:
    return [p.name for p in folder.iterdir()] if folder.exists() else []


class Sweep:
    """Runs indexed by (row, target), with the baseline deltas."""

    def __init__(self, runs: Sequence[Run]):
        self.runs = list(runs)
        self._by_key = {(r.row, r.target): r for r in sorted(runs, key=lambda r: r.done)}
        self.targets = _ordered((r.target for r in runs), list(TARGET_TYPES))
        self.rows = _ordered((r.row for r in runs), [BASELINE, *INTERMEDIATE_TYPES])
        self.intermediates = [row for row in self.rows if row != BASELINE]
        self.missing = [r for r in self.runs if not r.done]

    def run(self, row: str, target: str) -> Run | None:
        """The run of (row, target), done or not."""
        return self._by_key.get((row, target))

    def score(self, row: str, target: str) -> float | None:
        run = self.run(row, target)
        return run.score if run and run.done else None

    def has_baseline(self, target: str) -> bool:
        return self.score(BASELINE, target) is not None

    def delta(self, row: str, target: str) -> float | None:
        score, base = self.score(row, target), self.score(BASELINE, target)
        return None if score is None or base is None else score - base

    def language_deltas(self, row: str, target: str) -> dict[str, float]:
        """language -> delta vs the baseline, over the languages both runs report."""
        run, base = self.run(row, target), self.run(BASELINE, target)
        if not (run and run.done and base and base.done):
            return {}
        return {
            lang: s - base.languages[lang]
            for lang, s in run.languages.items()
            if lang in base.languages
        }

    def languages(self, target: str) -> list[str]:
        """The target's languages over its finished runs, English first."""
        langs = {lang for r in self.runs if r.target == target and r.done for lang in r.languages}
        return sorted(langs, key=lambda lang: (lang != "en", lang))


# ---------------------------------------------------------------- formatting


def _avg(values: Sequence[Cell]) -> float | None:
    """Mean of `values` when all are numbers, else None."""
    if not values or any(not isinstance(v, float) for v in values):
        return None
    return mean(values)  # type: ignore[arg-type]


def _fmt(value: Cell, signed: bool, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, str | int):
        return str(value)
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def to_markdown(table: Table, signed: bool = False) -> str:
    """A Markdown table; numbers to one decimal (signed for deltas), missing cells as "–"."""
    header, rows = table
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row[0]] + [_fmt(c, signed) for c in row[1:]]
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


def language_table(sweep: Sweep, target: str) -> Table:
    """Per-language scores (value "score") and deltas vs the baseline (value "delta")."""
    langs = sweep.languages(target)
    rows: list[list[Cell]] = []
    for row in sweep.rows:
        run = sweep.run(row, target)
        if run and run.done:
            cells = [run.languages.get(lang) for lang in langs]
            rows.append([row, "score", *cells, _avg(cells)])
    if sweep.has_baseline(target):
        for row in sweep.intermediates:
            deltas = sweep.language_deltas(row, target)
            if deltas:
                cells = [deltas.get(lang) for lang in langs]
                rows.append([row, "delta", *cells, _avg(cells)])
    return ["intermediate", "value", *langs, "avg"], rows


def relatedness_table(sweep: Sweep) -> Table:
    """Mean delta per (intermediate type, target type), with the pairs averaged."""
    groups: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
    for row in sweep.intermediates:
        for target in sweep.targets:
            delta = sweep.delta(row, target)
            if delta is not None:
                key = (intermediate_type(row), target_type(target))
                groups.setdefault(key, []).append((row, target, delta))
    order_i = _type_order(INTERMEDIATE_TYPES, (k[0] for k in groups))
    order_t = _type_order(TARGET_TYPES, (k[1] for k in groups))
    rows: list[list[Cell]] = []
    for key in sorted(groups, key=lambda k: (order_i.index(k[0]), order_t.index(k[1]))):
        pairs = groups[key]
        names = "; ".join(f"{_short(r)}->{t}" for r, t, _ in pairs)
        rows.append([*key, mean(d for *_, d in pairs), len(pairs), names])
    return ["intermediate_type", "target_type", "mean_delta", "n", "pairs"], rows


def _short(row: str) -> str:
    """A row name, multi-task rows of more than three tasks shortened to "multi-task(n)"."""
    n = row.count("+") + 1
    return f"{MULTI_TASK}({n})" if n > 3 else row


def _type_order(table: Mapping[str, str], present: Iterable[str]) -> list[str]:
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
                cells.append(_group_mean(run.languages, group))
            for group in ("all", "high", "low"):
                cells.append(_group_mean(deltas, group))
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


def _group_mean(per_language: Mapping[str, float], group: str) -> float | None:
    values = [s for lang, s in per_language.items() if _in_group(lang, group)]
    return mean(values) if values else None


def _group_count(per_language: Mapping[str, float], group: str) -> int:
    return sum(_in_group(lang, group) for lang in per_language)


# ---------------------------------------------------------------- heatmap


def heatmap_data(sweep: Sweep) -> tuple[list[str], list[str], list[list[float | None]], bool]:
    """(rows, columns, values, is_delta): deltas vs baseline when any target has a baseline
    (and there are intermediates), else raw scores; the last column is the row average."""
    deltas = delta_table(sweep)
    is_delta = len(deltas[0]) > 2 and bool(deltas[1])
    header, rows = deltas if is_delta else score_table(sweep)
    values = [[c if isinstance(c, float) else None for c in r[1:]] for r in rows]
    return [str(r[0]) for r in rows], header[1:], values, is_delta


def label(name: str) -> str:
    """The figure label of a task or row (`LABELS`; multi-task rows joined or counted)."""
    parts = name.split("+")
    if len(parts) > 3:
        return f"Multi-task ({len(parts)})"
    return "+".join(LABELS.get(p, p) for p in parts)


def plot_heatmap(sweep: Sweep, path: Path) -> bool:
    """Write the intermediate × target heatmap; False (nothing written) when nothing to plot."""
    rows, cols, values, is_delta = heatmap_data(sweep)
    title = ("Gain over the baseline (no intermediate task)" if is_delta
             else "Target-task scores (no baseline run: raw scores)")
    return _draw(rows, [label(c) if c != "avg" else "Avg" for c in cols], values, is_delta, path,
                 "Target task", title)


def plot_language_heatmap(sweep: Sweep, target: str, path: Path) -> bool:
    """Intermediate × language deltas of one target (the zero-shot gain per language)."""
    table = language_table(sweep, target)
    header, rows = table
    deltas = [r for r in rows if r[1] == "delta"]
    if not deltas:
        return False
    values = [[c if isinstance(c, float) else None for c in r[2:]] for r in deltas]
    cols = [c if c != "avg" else "Avg" for c in header[2:]]
    return _draw([str(r[0]) for r in deltas], cols, values, True, path, "Language",
                 f"{label(target)}: zero-shot gain over the baseline per language")


def _draw(rows: list[str], cols: list[str], values: list[list[float | None]], is_delta: bool,
          path: Path, xlabel: str, title: str) -> bool:
    import matplotlib
    import numpy as np
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure  # no pyplot: no global state, Agg canvas

    data = np.ma.masked_invalid(np.array(values, dtype=float))
    if not rows or data.mask.all():
        return False
    low, high = float(data.min()), float(data.max())
    if is_delta:
        lim = max(abs(low), abs(high)) or 1.0
        cmap, norm = matplotlib.colormaps["RdBu"], Normalize(-lim, lim)
    else:
        cmap, norm = matplotlib.colormaps["viridis"], Normalize(low, high)
    fig = Figure(figsize=(max(5.0, 2.4 + 0.9 * len(cols)), max(3.0, 1.6 + 0.5 * len(rows))))
    ax = fig.add_subplot()
    image = ax.imshow(data, cmap=cmap.with_extremes(bad="0.88"), norm=norm, aspect="auto")
    _annotate(ax, data, image, is_delta)
    ax.axvline(len(cols) - 1.5, color="white", linewidth=4)  # sets the average column apart
    ax.set_xticks(range(len(cols)), cols, rotation=30 if len(cols) > 6 else 0,
                  ha="right" if len(cols) > 6 else "center")
    ax.set_yticks(range(len(rows)), [label(r) for r in rows])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Intermediate task" if is_delta else "Intermediate task (or baseline)")
    ax.set_title(title)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    bar.set_label("Δ score vs baseline (points)" if is_delta else "score")
    ax.tick_params(length=0)
    fig.tight_layout()
    buffer = io.BytesIO()  # via bytes, so that gs:// paths work too
    fig.savefig(buffer, format="png", dpi=150)
    path.write_bytes(buffer.getvalue())
    return True


def _annotate(ax: Any, data: Any, image: Any, signed: bool) -> None:
    """Each cell's value (n/a where missing), dark or light text by the cell's brightness."""
    for (i, j), value in _cells(data):
        if value is None:
            ax.text(j, i, "n/a", ha="center", va="center", fontsize=8, color="0.4")
            continue
        r, g, b, _ = image.cmap(image.norm(value))
        color = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"
        ax.text(j, i, _fmt(value, signed), ha="center", va="center", fontsize=9, color=color)


def _cells(data: Any) -> Iterable[tuple[tuple[int, int], float | None]]:
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            yield (i, j), None if data.mask[i, j] else float(data[i, j])


# ---------------------------------------------------------------- writing


def write_report(sweep_dir: str | Path, out_dir: str | Path | None = None) -> dict[str, Path]:
    """Write the sweep's report (see the module docstring) and return {name: path}."""
    sweep_dir = epath.Path(sweep_dir)  # local or gs:// alike
    runs = load_runs(sweep_dir)
    if not runs:
        raise FileNotFoundError(f"no runs under {sweep_dir / 'runs'}")
    sweep = Sweep(runs)
    out = epath.Path(out_dir) if out_dir is not None else sweep_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    def write(name: str, text: str) -> None:
        paths[name] = out / name
        paths[name].write_text(text, encoding="utf-8")

    notes = _notes(sweep)
    sections: list[tuple[str, str, Table, Callable[[Table], str]]] = [
        ("scores", "Target score per intermediate task", score_table(sweep), to_markdown),
        ("deltas", "Delta vs baseline", delta_table(sweep), _signed),
        ("relatedness", "Task relatedness", relatedness_table(sweep), _relatedness_md),
        ("resources", "High- vs low-resource languages", resource_table(sweep), _resources_md),
    ]
    for stem, title, table, render in sections:
        write(f"{stem}.md", f"# {title}\n\n{_INTRO[stem]}\n\n{render(table)}{notes.get(stem, '')}")
        write(f"{stem}.csv", to_csv(table))
    language_md = ["# Per-language scores\n", _INTRO["languages"] + "\n"]
    for target in sweep.targets:
        table = language_table(sweep, target)
        write(f"languages_{target}.csv", to_csv(table))
        language_md += [f"## {target}\n", _languages_md(table)]
    write("languages.md", "\n".join(language_md))
    if plot_heatmap(sweep, out / "heatmap.png"):
        paths["heatmap.png"] = out / "heatmap.png"
    for target in sweep.targets:
        name = f"heatmap_{target}_languages.png"
        if plot_language_heatmap(sweep, target, out / name):
            paths[name] = out / name
    write("report.md", _index(sweep, sweep_dir, paths, notes.get("deltas", "")))
    return paths


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
    "the baseline (`delta` rows); `(h)`/`(l)` marks high- and low-resource languages.",
}


def _signed(table: Table) -> str:
    return to_markdown(table, signed=True) if table[1] and len(table[0]) > 2 else "_No deltas._\n"


def _relatedness_md(table: Table) -> str:
    """A matrix of intermediate type x target type (mean delta, n), then the long table."""
    rows = table[1]
    if not rows:
        return "_No deltas (no baseline), so no relatedness analysis._\n"
    inter = list(dict.fromkeys(str(r[0]) for r in rows))
    targets = _type_order(TARGET_TYPES, (str(r[1]) for r in rows))
    cells = {(r[0], r[1]): f"{_fmt(r[2], True)} (n={r[3]})" for r in rows}
    matrix: Table = (
        ["intermediate type", *targets],
        [[i, *(cells.get((i, t)) for t in targets)] for i in inter],
    )
    long = ["| intermediate type | target type | mean delta | n | pairs |", "|---|---|---|---|---|"]
    long += [f"| {r[0]} | {r[1]} | {_fmt(r[2], True)} | {r[3]} | {r[4]} |" for r in rows]
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
                f"- mean gain on {group}-resource languages: {_fmt(mean(values), True)} "
                f"over {len(values)} runs\n"
            )
    return f"{md}\n### Gains vs baseline\n\n{signed}\n{summary}"


def _languages_md(table: Table) -> str:
    """One target's per-language scores, then its per-language deltas."""
    header, rows = table
    if not rows:
        return "_No finished runs._\n"
    langs = [f"{lang} ({resource_group(lang)[0]})" for lang in header[2:-1]]
    scores = [[r[0], *r[2:]] for r in rows if r[1] == "score"]
    deltas = [[r[0], *r[2:]] for r in rows if r[1] == "delta"]
    md = to_markdown((["intermediate", *langs, "avg"], scores))
    if deltas:
        md += "\nDelta vs baseline:\n\n" + to_markdown(
            (["intermediate", *langs, "avg"], deltas), signed=True
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


def _index(sweep: Sweep, sweep_dir: Path, paths: Mapping[str, Path], note: str) -> str:
    """report.md: counts, best intermediate per target, missing runs, heatmap and links."""
    done = len(sweep.runs) - len(sweep.missing)
    lines = [
        "# STILTs sweep report",
        "",
        f"Sweep `{sweep_dir}`: {len(sweep.runs)} runs, {done} done, "
        f"{len(sweep.missing)} missing; {len(sweep.intermediates)} intermediate rows "
        f"x {len(sweep.targets)} targets.",
        "",
    ]
    if "heatmap.png" in paths:
        lines += ["![heatmap](heatmap.png)", ""]
    lines += [f"![{name}]({name})\n" for name in paths if name.endswith("_languages.png")]
    best = _best(sweep)
    if best:
        lines += ["## Best intermediate task per target", "", *best, ""]
    lines += ["## Tables", ""]
    for stem, title in (
        ("scores", "Target scores"),
        ("deltas", "Deltas vs baseline"),
        ("relatedness", "Task relatedness"),
        ("resources", "High- vs low-resource languages"),
    ):
        lines.append(f"- [{title}]({stem}.md) ([csv]({stem}.csv))")
    per_target = ", ".join(f"[{t}](languages_{t}.csv)" for t in sweep.targets)
    lines += [f"- [Per-language scores](languages.md) (csv: {per_target})", ""]
    if sweep.missing:
        lines += ["## Missing runs", "", "| run | status |", "|---|---|"]
        lines += [f"| {r.name} | {r.status} |" for r in sweep.missing] + [""]
    if note:
        lines += ["## Notes", note.strip(), ""]
    return "\n".join(lines)


def _best(sweep: Sweep) -> list[str]:
    """One line per target with a baseline: its best intermediate row and gain."""
    lines = []
    for target in sweep.targets:
        gains = {r: d for r in sweep.intermediates if (d := sweep.delta(r, target)) is not None}
        if gains:
            row = max(gains, key=gains.__getitem__)
            lines.append(f"- {target}: {_short(row)} ({_fmt(gains[row], True)})")
    return lines
