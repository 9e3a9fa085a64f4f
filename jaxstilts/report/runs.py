"""Runs of a sweep: reading `run.json` records and grouping tasks by type (run names:
`jaxstilts.naming`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any

from etils import epath

from jaxstilts.evaluate.scoring import headline
from jaxstilts.naming import BASELINE, run_name
from jaxstilts.tasks.problems import INVALID_JSON, DataError

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


# ---------------------------------------------------------------- task types


def _registered_kind(name: str) -> str:
    from jaxstilts.tasks.registry import get_task  # imported lazily: it loads `datasets`

    try:
        return str(get_task(name).kind)
    except KeyError:
        return "other"


def chance_level(target: str) -> float | None:
    """The accuracy (in points) of guessing among a classification target's labels; None for
    other kinds and metrics (or an unknown task)."""
    from jaxstilts.tasks.registry import get_task

    try:
        task = get_task(target)
    except KeyError:
        return None
    if str(task.kind) != "pair_classification" or task.metric != "accuracy" or not task.labels:
        return None
    return 100.0 / len(task.labels)


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


# The one definition of the zero-shot figure, as the demo and the report say it.
OTHERS = "others = the mean score over the target's languages other than English"


@dataclass(frozen=True)
class Run:
    """One `run.json`: its row (baseline / task / a+b), target, status and scores; in a sweep
    with axes or seeds, also its settings (axis key, value as text) and seed."""

    name: str
    row: str
    target: str
    status: str
    score: float | None
    languages: dict[str, float]  # language -> task figure
    settings: tuple[tuple[str, str], ...] = ()  # (axis key, value as text), in axis order
    seed: int | None = None  # None: no seed axis
    noise: dict[float, float] = field(default_factory=dict)  # noise rate -> language mean
    # MultiCheckList: test -> language -> failure rate (%), when the run evaluated it
    checklist: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def others_mean(self) -> float | None:
        """The mean score over the non-English languages: zero-shot transfer (`OTHERS`). The
        demo's gains and the report's "others" columns are all differences of this figure."""
        others = [s for lang, s in self.languages.items() if lang != "en"]
        return mean(others) if others else None

    @property
    def transfer_gap(self) -> float | None:
        """English minus the mean of the other languages (XTREME's cross-lingual transfer gap,
        Hu et al. 2020); None without English or another language."""
        others = self.others_mean
        if "en" not in self.languages or others is None:
            return None
        return self.languages["en"] - others


def setting_label(settings: Sequence[tuple[str, str]]) -> str:
    """`key=value, key=value` ("" without axes): the name of one combination of axis values."""
    return ", ".join(f"{key}={value}" for key, value in settings)


def value_text(value: Any) -> str:
    """An axis value as the report prints it (a tuple as its items joined by commas)."""
    if isinstance(value, list | tuple):
        return ",".join(value_text(v) for v in value)
    return str(value)


def language_score(scores: Mapping[str, float], metric: str | None = None) -> float | None:
    """One language's task figure: the headline number of the run's metric
    (`evaluate.scoring.METRICS`)."""
    value = headline(metric, scores)
    return None if value is None else float(value)


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
    noise = {}
    for rate, per_lang in (record.get("noise") or {}).items():
        figures = [f for scores in per_lang.values()
                   if (f := language_score(scores, record.get("metric"))) is not None]
        if figures:
            noise[float(rate)] = mean(figures)
    settings = tuple((k, value_text(v)) for k, v in (record.get("settings") or {}).items())
    return Run(
        name=record.get("name") or run_name(intermediate, target),
        row="+".join(intermediate) or BASELINE,
        target=target,
        status=status,
        score=None if score is None else float(score),
        languages=languages,
        settings=settings,
        seed=record.get("seed"),
        noise=noise,
        checklist=(record.get("checklist") or {}).get("failure_rate") or {},
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
            runs.append(_incomplete(folder.name))
    return runs


def _incomplete(name: str) -> Run:
    """A started run without `run.json`, placed by its folder name
    (`<row>__<target>[__key=value...][__seed=N]`)."""
    row, target, *rest = name.split("__")
    seeds = [int(p[5:]) for p in rest if re.fullmatch(r"seed=-?\d+", p)]
    settings = tuple(tuple(p.split("=", 1)) for p in rest if "=" in p and not p.startswith("seed="))
    return Run(name, row, target, "incomplete (no run.json)", None, {}, settings,
               seeds[0] if seeds else None)


def _listdir(folder: epath.Path) -> list[str]:
    return [p.name for p in folder.iterdir()] if folder.exists() else []


def by_setting(runs: Sequence[Run]) -> dict[str, list[Run]]:
    """The runs of each combination of axis values ("" without axes), each with its baseline
    runs: a baseline has no intermediate phase, so it carries no `intermediate.*` settings and
    serves every value of them."""
    intermediate_settings = list(dict.fromkeys(r.settings for r in runs if r.row != BASELINE))
    if not intermediate_settings:
        intermediate_settings = list(dict.fromkeys(r.settings for r in runs))
    groups = {}
    for settings in intermediate_settings:
        base = tuple(s for s in settings if not s[0].startswith("intermediate."))
        groups[setting_label(settings)] = [
            r for r in runs
            if r.settings == (settings if r.row != BASELINE else base)]
    return groups


def sweeps_by_setting(runs: Sequence[Run]) -> dict[str, Sweep]:
    """A `Sweep` per combination of axis values (`by_setting`), by its label."""
    return {label: Sweep(group, label) for label, group in by_setting(runs).items()}


class Sweep:
    """The runs of one combination of axis values, indexed by (row, target), with the baseline
    deltas. Several seeds of a cell make one mean run (scores and languages averaged over its
    finished seeds); `seed_runs` keeps them apart for the spread and the paired tests."""

    def __init__(self, runs: Sequence[Run], setting: str = ""):
        self.runs = list(runs)
        self.setting = setting
        cells: dict[tuple[str, str], list[Run]] = {}
        for r in runs:
            cells.setdefault((r.row, r.target), []).append(r)
        self._cells = {k: sorted(v, key=lambda r: (r.seed is None, r.seed or 0))
                       for k, v in cells.items()}
        self._by_key = {k: _mean_run(v) for k, v in self._cells.items()}
        self.targets = _ordered((r.target for r in runs), list(TARGET_TYPES))
        self.rows = _ordered((r.row for r in runs), [BASELINE, *INTERMEDIATE_TYPES])
        self.intermediates = [row for row in self.rows if row != BASELINE]

    def run(self, row: str, target: str) -> Run | None:
        """The run of (row, target), done or not; over seeds, their mean."""
        return self._by_key.get((row, target))

    def seed_runs(self, row: str, target: str) -> dict[int | None, Run]:
        """seed -> finished run of (row, target)."""
        return {r.seed: r for r in self._cells.get((row, target), []) if r.done}

    def paired(self, row: str, target: str, value: Callable[[Run], float | None]
               ) -> list[tuple[float, float]]:
        """(value of the run, value of the baseline) for each seed both finished."""
        base = self.seed_runs(BASELINE, target)
        pairs = []
        for seed, run in self.seed_runs(row, target).items():
            if seed in base:
                a, b = value(run), value(base[seed])
                if a is not None and b is not None:
                    pairs.append((a, b))
        return pairs

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


def _mean_run(runs: list[Run]) -> Run:
    """One run standing for a cell's seeds: the mean over its finished seeds (languages that
    every finished seed reports); the first run's status when none finished."""
    done = [r for r in runs if r.done]
    if len(runs) == 1 or not done:
        return runs[0]
    first = done[0]
    langs = [lang for lang in first.languages if all(lang in r.languages for r in done)]
    rates = [x for x in first.noise if all(x in r.noise for r in done)]
    checklist = {t: {lang: mean(r.checklist[t][lang] for r in done) for lang in by_lang
                     if all(lang in r.checklist.get(t, {}) for r in done)}
                 for t, by_lang in first.checklist.items()}
    return Run(name=first.name, row=first.row, target=first.target, status="done",
               score=mean(r.score for r in done),
               languages={lang: mean(r.languages[lang] for r in done) for lang in langs},
               settings=first.settings, seed=None,
               noise={x: mean(r.noise[x] for r in done) for x in rates},
               checklist={t: v for t, v in checklist.items() if v})
