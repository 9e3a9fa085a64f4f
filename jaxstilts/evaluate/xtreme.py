"""XTREME and XTREME-R: which metric scores each task, and how the scores are averaged.

The only module that speaks XTREME's task names (`SCORERS`); `jaxstilts score` reads a
submission folder in its layout (`score_folder`).

Conventions, as XTREME's official `evaluate.py` applies them:

- a task's figure is its metric's headline number (`scoring.METRICS`) of the metric averaged
  over the task's languages (unweighted): (average EM + average F1) / 2 for the QA tasks (XQuAD,
  MLQA, TyDiQA-GoldP), F1 for PAN-X, UD-POS and BUCC, accuracy for XNLI, PAWS-X, XCOPA and
  Tatoeba, mAP@20 for Mewsli-X and LAReQA;
- the XTREME score is the unweighted mean over its nine tasks' figures; the XTREME-R score is the
  same mean over its ten (XNLI, XCOPA, UD-POS, PAN-X, XQuAD, MLQA, TyDiQA, Mewsli-X, LAReQA,
  Tatoeba). It is only given when every task was scored in every language;
- category averages (classification, structured prediction, QA, retrieval) are means of the task
  figures of complete categories. XTREME-R's retrieval category includes LAReQA, as in the
  XTREME-R paper (the official script leaves LAReQA out because it cannot score it).

Language lists are the official script's; LAReQA's are XQuAD-R's eleven languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from jaxstilts.evaluate import submission
from jaxstilts.evaluate.metrics import retrieval, tagging
from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.evaluate.scoring import (
    METRICS,
    Metric,
    Scorer,
    Scores,
    average_over_languages,
    task_score,
)
from jaxstilts.kinds import Kind
from jaxstilts.languages import LANGUAGES

if TYPE_CHECKING:  # the tasks package loads `datasets`; `jaxstilts score` does without it
    from jaxstilts.tasks.base import Task

Benchmark = Literal["xtreme", "xtreme-r"]


CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "xtreme": {
        "classification": ("pawsx", "xnli"),
        "structured_prediction": ("udpos", "panx"),
        "qa": ("xquad", "mlqa", "tydiqa"),
        "retrieval": ("bucc2018", "tatoeba"),
    },
    "xtreme-r": {
        "classification": ("xnli", "xcopa"),
        "structured_prediction": ("udpos", "panx"),
        "qa": ("xquad", "mlqa", "tydiqa"),
        "retrieval": ("tatoeba", "mewslix", "lareqa"),
    },
}

def _as(metric: str, **changes: Any) -> Metric:
    return replace(METRICS[metric], **changes)


# XTREME's official scorers: each task's kind, metric and submission format, as its evaluate.py
# scores them (UD-POS adds token accuracy, XCOPA writes JSON lines, Mewsli-X scores the first
# gold entity). A catalog task that is one of these says so (`Task.scored_as`).
SCORERS: dict[str, Scorer] = {s.name: s for s in (
    Scorer("xnli", Kind.PAIR_CLASSIFICATION, METRICS["accuracy"]),
    Scorer("pawsx", Kind.PAIR_CLASSIFICATION, METRICS["accuracy"]),
    Scorer("xcopa", Kind.MULTIPLE_CHOICE, _as("accuracy", submission="jsonl")),
    Scorer("panx", Kind.TAGGING, METRICS["seqeval_f1"]),
    Scorer("udpos", Kind.TAGGING, _as("seqeval_f1", score=lambda p, g, lang:
                                      tagging.pos_scores(p, g))),
    Scorer("xquad", Kind.SPAN_EXTRACTION, METRICS["squad"]),
    Scorer("mlqa", Kind.SPAN_EXTRACTION, METRICS["mlqa"]),
    Scorer("tydiqa", Kind.SPAN_EXTRACTION, METRICS["squad"]),
    Scorer("tatoeba", Kind.RETRIEVAL, METRICS["tatoeba_accuracy"]),
    Scorer("bucc2018", Kind.RETRIEVAL, METRICS["bucc_f1"]),
    Scorer("mewslix", Kind.RETRIEVAL, _as("map@20", score=lambda p, g, lang:
                                          retrieval.mewslix_map(p, g))),
    Scorer("lareqa", Kind.RETRIEVAL, METRICS["map@20"]),
)}  # fmt: skip


def as_scorer(scorer: Scorer | str) -> Scorer:
    """`scorer` itself, or XTREME's official scorer of that task name (`xnli`, `panx`, ...)."""
    if isinstance(scorer, Scorer):
        return scorer
    if scorer not in SCORERS:
        raise ScoringError(f"no scorer for task {scorer!r} (XTREME's: {', '.join(SCORERS)})")
    return SCORERS[scorer]


def scorer_of(task: Task) -> Scorer:
    """How `task` is scored: as the XTREME task its catalog entry names (`scored_as`: XNLI's
    folder and format for `demo_xnli`, XQuAD's for `xquad_xtreme_r`), else by its own metric
    under its own name (a user's pair-classification task files `predictions/<its name>/`)."""
    if task.scored_as:
        scorer = SCORERS.get(task.scored_as)
        if scorer is None or scorer.kind != task.kind:
            raise ValueError(f"task {task.name}: scored_as={task.scored_as!r} is not an XTREME "
                             f"task of kind {task.kind}")
        return scorer
    if task.metric not in METRICS:
        raise ValueError(f"task {task.name}: unknown metric {task.metric!r} "
                         f"(known: {', '.join(METRICS)})")
    if task.kind in (Kind.RETRIEVAL, Kind.RETRIEVAL_PAIRS):  # mined or ranked by XTREME's rules
        raise ValueError(f"task {task.name}: no scorer for a {task.kind} task of its own (a "
                         "retrieval task is scored as one of XTREME's: tatoeba, bucc2018, "
                         "mewslix, lareqa)")
    metric = METRICS[task.metric]
    if task.kind not in metric.kinds:
        fitting = [m.name for m in METRICS.values() if task.kind in m.kinds]
        raise ValueError(f"task {task.name}: metric {task.metric!r} cannot score a {task.kind} "
                         f"task ({', '.join(fitting)} can)")
    return Scorer(task.name, task.kind, metric)


def _check_benchmark(benchmark: str) -> None:
    if benchmark not in LANGUAGES:
        raise ScoringError(f"unknown benchmark {benchmark!r} (xtreme, xtreme-r)")


def summarize_task(
    scorer: Scorer, per_language: Mapping[str, Mapping[str, float]],
    benchmark: Benchmark = "xtreme",
) -> dict[str, Any]:
    """Per-language scores, their averages, the task figure, and which languages are missing
    (of the benchmark's list for an XTREME task, else of those scored)."""
    _check_benchmark(benchmark)
    expected = LANGUAGES[benchmark].get(scorer.name, tuple(per_language))
    ordered = {lang: dict(per_language[lang]) for lang in expected if lang in per_language}
    ordered.update({lang: dict(s) for lang, s in per_language.items() if lang not in ordered})
    average = average_over_languages(ordered) if ordered else {}
    missing = [lang for lang in expected if lang not in ordered]
    return {
        "languages": ordered,
        "average": average,
        "score": task_score(scorer, average) if average else None,
        "missing_languages": missing,
        "complete": not missing and bool(ordered),
    }


def overall_score(task_scores: Mapping[str, float], benchmark: Benchmark = "xtreme") -> float:
    """The XTREME (or XTREME-R) score: the mean of every task's figure."""
    _check_benchmark(benchmark)
    tasks = LANGUAGES[benchmark]
    missing = [t for t in tasks if t not in task_scores]
    if missing:
        raise ScoringError(f"the {benchmark} score needs every task; missing: {', '.join(missing)}")
    return sum(task_scores[t] for t in tasks) / len(tasks)


def category_scores(task_scores: Mapping[str, float], benchmark: Benchmark = "xtreme") -> Scores:
    """The mean task figure of each category whose tasks are all scored."""
    _check_benchmark(benchmark)
    return {
        category: sum(task_scores[t] for t in tasks) / len(tasks)
        for category, tasks in CATEGORIES[benchmark].items()
        if all(t in task_scores for t in tasks)
    }


def _score_file(scorer: Scorer, language: str, prediction_path: Path, label_path: Path
                ) -> Scores:
    kind = scorer.metric.submission
    if not label_path.is_file():
        raise ScoringError(f"no label file for {scorer.name} {language} (looked for "
                           f"{label_path})", path=prediction_path)
    if kind == "tags":
        predictions, pred_lines = submission.read_tagged(prediction_path)
        labels, gold_lines = submission.read_tagged(label_path)
        if len(predictions) != len(labels):
            raise ScoringError(
                f"{len(predictions)} sentences, but {label_path} has {len(labels)}",
                path=prediction_path,
            )
        for n, (pred, gold) in enumerate(zip(predictions, labels, strict=True)):
            if len(pred) != len(gold):
                raise ScoringError(
                    f"sentence {n + 1} has {len(pred)} tags, but in {label_path} "
                    f"(line {gold_lines[n]}) it has {len(gold)}",
                    path=prediction_path,
                    line=pred_lines[n],
                )
    else:
        predictions = submission.read_prediction_file(kind, prediction_path)
        labels = submission.read_label_file(kind, label_path)
        if kind in ("label", "jsonl") and len(predictions) != len(labels):
            raise ScoringError(
                f"{len(predictions)} predictions, but {label_path} has {len(labels)} labels",
                path=prediction_path,
            )
    try:
        return scorer.metric.score(predictions, labels, language)
    except ScoringError as err:
        raise ScoringError(f"{err.problem} (labels: {label_path})", path=prediction_path) from None


def score_folder(
    predictions_dir: str | Path, labels_dir: str | Path, benchmark: Benchmark = "xtreme"
) -> dict[str, Any]:
    """Score a submission folder against a label folder, both in the benchmark's layout.

    Returns JSON-serialisable data: `tasks` (per task: `languages` -> metrics, `average`, `score`,
    `missing_languages`, `complete`), `categories`, `score` (None unless every task is complete),
    `missing_tasks` (no predictions), `incomplete_tasks` (languages missing) and `ignored_folders`
    (prediction folders that are not tasks of this benchmark). A language
    missing from the predictions is reported, not an error; a prediction file for a language the
    task does not have, or without a label file, or that cannot be read, raises ScoringError.
    """
    _check_benchmark(benchmark)
    predictions_dir, labels_dir = Path(predictions_dir), Path(labels_dir)
    for folder in (predictions_dir, labels_dir):
        if not folder.is_dir():
            raise ScoringError("not a folder", path=folder)
    tasks_out: dict[str, Any] = {}
    for task, languages in LANGUAGES[benchmark].items():
        scorer = SCORERS[task]
        fmt = scorer.metric.submission
        present = submission.languages_in(predictions_dir, task, fmt)
        if not present:
            continue
        for language in present:
            if language not in languages:
                raise ScoringError(
                    f"language {language!r} is not one of {task}'s languages in {benchmark} "
                    f"({', '.join(languages)})",
                    path=predictions_dir / task / submission.file_name(fmt, language),
                )
        per_language = {
            language: _score_file(
                scorer,
                language,
                predictions_dir / task / submission.file_name(fmt, language),
                labels_dir / task / submission.file_name(fmt, language),
            )
            for language in languages
            if language in present
        }
        tasks_out[task] = summarize_task(scorer, per_language, benchmark)

    complete = {t: s["score"] for t, s in tasks_out.items() if s["complete"]}
    return {
        "benchmark": benchmark,
        "tasks": tasks_out,
        "categories": category_scores(complete, benchmark),
        "score": overall_score(complete, benchmark)
        if len(complete) == len(LANGUAGES[benchmark])
        else None,
        "missing_tasks": [t for t in LANGUAGES[benchmark] if t not in tasks_out],
        "incomplete_tasks": [t for t, s in tasks_out.items() if not s["complete"]],
        "ignored_folders": sorted(
            p.name
            for p in predictions_dir.iterdir()
            if p.is_dir() and p.name not in LANGUAGES[benchmark]
        ),
    }


def write_submission(
    folder: str | Path, predictions: Mapping[str, Mapping[str, Any]]
) -> list[Path]:
    """Write `{xtreme_task: {language: predictions}}` in the benchmark's layout; return the
    paths."""
    return [
        submission.write_predictions(folder, task, language, preds,
                                     as_scorer(task).metric.submission)
        for task, by_language in predictions.items()
        for language, preds in by_language.items()
    ]
