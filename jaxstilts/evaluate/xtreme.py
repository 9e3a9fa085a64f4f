"""XTREME and XTREME-R: which metric scores each task, and how the scores are averaged.

Conventions, as XTREME's official `evaluate.py` applies them:

- a task's figure is its metric averaged over the task's languages (unweighted); for the QA tasks
  (XQuAD, MLQA, TyDiQA-GoldP) it is (average EM + average F1) / 2; otherwise average F1 if the task
  has F1, else accuracy, else mAP@20;
- the XTREME score is the unweighted mean over its nine tasks' figures; the XTREME-R score is the
  same mean over its ten (XNLI, XCOPA, UD-POS, PAN-X, XQuAD, MLQA, TyDiQA, Mewsli-X, LAReQA,
  Tatoeba). It is only given when every task was scored in every language;
- category averages (classification, structured prediction, QA, retrieval) are means of the task
  figures of complete categories. XTREME-R's retrieval category includes LAReQA, as in the
  XTREME-R paper (the official script leaves LAReQA out because it cannot score it).

Language lists are the official script's; LAReQA's are XQuAD-R's eleven languages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from jaxstilts.evaluate import submission
from jaxstilts.evaluate.metrics import bucc, classification, mlqa, retrieval, squad, tagging
from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.kinds import Kind
from jaxstilts.languages import LANGUAGES

Benchmark = Literal["xtreme", "xtreme-r"]
Scores = dict[str, float]


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

# The official scorers and the task kind each reads; what a scorer predicts follows from its kind.
SCORER_KINDS: dict[str, Kind] = {
    "xnli": Kind.PAIR_CLASSIFICATION, "pawsx": Kind.PAIR_CLASSIFICATION,
    "xcopa": Kind.MULTIPLE_CHOICE, "panx": Kind.TAGGING, "udpos": Kind.TAGGING,
    "xquad": Kind.SPAN_EXTRACTION, "mlqa": Kind.SPAN_EXTRACTION, "tydiqa": Kind.SPAN_EXTRACTION,
    "tatoeba": Kind.RETRIEVAL, "bucc2018": Kind.RETRIEVAL, "mewslix": Kind.RETRIEVAL,
    "lareqa": Kind.RETRIEVAL,
}  # fmt: skip


def scorer_of(task: str, kind: Kind | str, metric: str) -> str:
    """The official scorer a task is scored with: its own (`xquad_xtreme_r` as `xquad`), else
    the XTREME task of its kind and metric (the demo's `demo_xnli` as `xnli`)."""
    for candidate in (task, task.removesuffix("_xtreme_r")):
        if candidate in SCORER_KINDS:
            return candidate
    kind = Kind(kind)
    by_kind = {Kind.PAIR_CLASSIFICATION: "xnli", Kind.MULTIPLE_CHOICE: "xcopa",
               Kind.TAGGING: "panx" if metric == "seqeval_f1" else "udpos",
               Kind.SPAN_EXTRACTION: "mlqa" if metric == "mlqa" else "xquad"}
    if kind not in by_kind:
        raise ValueError(f"task {task}: no official scorer for a {kind} task")
    return by_kind[kind]

Metric = Callable[[Any, Any, str], Scores]
METRICS: dict[str, Metric] = {
    "xnli": lambda p, g, lang: classification.accuracy(p, g),
    "pawsx": lambda p, g, lang: classification.accuracy(p, g),
    "xcopa": lambda p, g, lang: classification.accuracy(p, g),
    "tatoeba": lambda p, g, lang: retrieval.tatoeba_accuracy(p, g),
    "panx": lambda p, g, lang: tagging.ner_scores(p, g),
    "udpos": lambda p, g, lang: tagging.pos_scores(p, g),
    "bucc2018": lambda p, g, lang: bucc.bucc_scores(g, p),
    "xquad": lambda p, g, lang: squad.evaluate_v1(g, p),
    "tydiqa": lambda p, g, lang: squad.evaluate_v1(g, p),
    "mlqa": lambda p, g, lang: mlqa.evaluate(g, p, lang),
    "mewslix": lambda p, g, lang: retrieval.mewslix_map(p, g),
    "lareqa": lambda p, g, lang: retrieval.map_at_k(p, g),
}


def _check_benchmark(benchmark: str) -> None:
    if benchmark not in LANGUAGES:
        raise ScoringError(f"unknown benchmark {benchmark!r} (xtreme, xtreme-r)")


def score_language(task: str, predictions: Any, labels: Any, language: str) -> Scores:
    """One language's metrics for `task` (`predictions`/`labels` as the submission readers give)."""
    if task not in METRICS:
        raise ScoringError(f"unknown task {task!r} (known: {', '.join(sorted(METRICS))})")
    return METRICS[task](predictions, labels, language)


def average_over_languages(per_language: Mapping[str, Mapping[str, float]]) -> Scores:
    """Each metric's unweighted mean over the languages that report it."""
    sums: dict[str, list[float]] = {}
    for scores in per_language.values():
        for metric, value in scores.items():
            sums.setdefault(metric, []).append(value)
    return {metric: sum(values) / len(values) for metric, values in sums.items()}


def figure(scores: Mapping[str, float], metric: str | None = None) -> float | None:
    """The one number of a set of scores (a language's, or their average): (EM + F1) / 2 for QA
    (the scores with an exact match), else `metric` if given and present, else F1, accuracy or
    mAP@20; None if there is none of them."""
    if "exact_match" in scores and "f1" in scores:
        return (scores["exact_match"] + scores["f1"]) / 2
    for key in (metric, "f1", "accuracy", "map@20"):
        if key in scores:
            return scores[key]
    return None


def task_score(task: str, average: Mapping[str, float]) -> float:
    """The task's figure (`figure` of its language average)."""
    score = figure(average)
    if score is None:
        raise ScoringError(f"{task}: no f1, accuracy or map@20 among {sorted(average)}")
    return score


def summarize_task(
    task: str, per_language: Mapping[str, Mapping[str, float]], benchmark: Benchmark = "xtreme"
) -> dict[str, Any]:
    """Per-language scores, their averages, the task figure, and which languages are missing."""
    _check_benchmark(benchmark)
    expected = LANGUAGES[benchmark].get(task, tuple(per_language))
    ordered = {lang: dict(per_language[lang]) for lang in expected if lang in per_language}
    ordered.update({lang: dict(s) for lang, s in per_language.items() if lang not in ordered})
    average = average_over_languages(ordered) if ordered else {}
    missing = [lang for lang in expected if lang not in ordered]
    return {
        "languages": ordered,
        "average": average,
        "score": task_score(task, average) if average else None,
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


def _score_file(task: str, language: str, prediction_path: Path, label_path: Path) -> Scores:
    kind = submission.task_format(task)
    if not label_path.is_file():
        raise ScoringError(
            f"no label file for {task} {language} (looked for {label_path})", path=prediction_path
        )
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
        predictions = submission.read_prediction_file(task, prediction_path)
        labels = submission.read_label_file(task, label_path)
        if kind in ("label", "jsonl") and len(predictions) != len(labels):
            raise ScoringError(
                f"{len(predictions)} predictions, but {label_path} has {len(labels)} labels",
                path=prediction_path,
            )
    try:
        return score_language(task, predictions, labels, language)
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
        present = submission.languages_in(predictions_dir, task)
        if not present:
            continue
        for language in present:
            if language not in languages:
                raise ScoringError(
                    f"language {language!r} is not one of {task}'s languages in {benchmark} "
                    f"({', '.join(languages)})",
                    path=predictions_dir / task / submission.file_name(task, language),
                )
        per_language = {
            language: _score_file(
                task,
                language,
                predictions_dir / task / submission.file_name(task, language),
                labels_dir / task / submission.file_name(task, language),
            )
            for language in languages
            if language in present
        }
        tasks_out[task] = summarize_task(task, per_language, benchmark)

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
