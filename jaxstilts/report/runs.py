"""Runs of a sweep: reading `run.json` records, naming runs, and grouping tasks by type."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

from etils import epath

from jaxstilts.evaluate.xtreme import figure
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
    """One language's task figure (`evaluate.xtreme.figure`: the run's metric preferred)."""
    value = figure(scores, metric)
    return None if value is None else float(value)


def run_name(intermediate: Sequence[str], target: str) -> str:
    """`<a+b>__<target>`, or `baseline__<target>`: a run's name and its folder in a sweep."""
    return f"{'+'.join(intermediate) or BASELINE}__{target}"


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
        name=record.get("name") or run_name(intermediate, target),
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
