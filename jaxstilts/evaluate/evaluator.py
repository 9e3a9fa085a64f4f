"""Evaluate a model on an XTREME task: predict all languages in one pass, score each language with
the official metrics, write the submission files and `results.json`.

    result = evaluate_task(model, "xnli", features, output_dir="runs/x")

The task is a `Scorer` (`xtreme.scorer_of(task)`: its folder, kind and metric) or the name of
one of XTREME's tasks (its official scorer, as above).

`features` is featurized examples (the tasks package's `Features`: the one input evaluation
takes), with a `language` per row; its columns (`Features.column`) and its examples' rows give
what a task needs:

| task                    | needs                                                              |
|-------------------------|--------------------------------------------------------------------|
| xnli, pawsx             | `label` (or `gold`); label names (`Features.labels`) to write them |
| xcopa                   | `label` (or `gold`)                                                |
| panx, udpos             | `labels` with -100 off first sub-words (or `word_ids`), label      |
|                         | names; gold from the examples' `tags`, else from `labels`          |
| xquad, mlqa, tydiqa     | `offset_mapping`, `example_index`; examples with `id`, `context`,  |
|                         | `answers` (SQuAD `{"text": [...]}` or a list)                      |
| tatoeba, bucc2018,      | `id`, `side` (query / candidate), optionally `group` and `text`;  |
| mewslix, lareqa         | `links` (query id -> gold candidate ids)                          |

The evaluator knows nothing of training: it takes a model (or graphdef and params) and features.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from flax import nnx
from jax.sharding import Mesh

from jaxstilts.evaluate import postprocess, results, submission
from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.evaluate.predict import predict
from jaxstilts.evaluate.scoring import Scorer
from jaxstilts.evaluate.span_decode import decode_answers
from jaxstilts.evaluate.xtreme import Benchmark, as_scorer, summarize_task

if TYPE_CHECKING:
    from jaxstilts.tasks.features import Features

log = logging.getLogger("jaxstilts.evaluate")


@dataclass
class TaskEvaluation:
    """One task's evaluation: per-language predictions and scores, the summary, written files.
    `scorer` may be given as an XTREME task's name."""

    scorer: Scorer | str
    predictions: dict[str, Any]
    gold: dict[str, Any]
    scores: dict[str, dict[str, float]]
    summary: dict[str, Any]
    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


    def __post_init__(self):
        self.scorer = as_scorer(self.scorer)

    @property
    def task(self) -> str:
        """The name its predictions are filed under."""
        return self.scorer.name


def _column(table: Any, key: str) -> Any:
    """A host column of `Features` (padded per-token columns) or of its examples' rows."""
    if hasattr(table, "column"):
        return table.column(key)
    return table[key] if key in table.column_names else None


def _required(table: Any, key: str, what: str) -> Any:
    value = _column(table, key)
    if value is None:
        raise ScoringError(f"{what}: missing {key!r}")
    return value


def _by_language(values: Sequence, languages: np.ndarray) -> dict[str, list]:
    return {lang: [values[i] for i in np.flatnonzero(languages == lang)]
            for lang in dict.fromkeys(languages.tolist())}


def _answers(value: Any) -> list[str]:
    return list(value["text"]) if isinstance(value, Mapping) else [str(a) for a in value]


def _squad_dataset(ids: Sequence[str], answers: Sequence[Any]) -> list[dict]:
    qas = [{"id": str(i), "answers": [{"text": t} for t in _answers(a)]}
           for i, a in zip(ids, answers)]
    return [{"paragraphs": [{"qas": qas}]}]


def _no_gold(task: str, lang: str) -> str:
    """The note for a language predicted without gold (and so not scored)."""
    return (f"{task} {lang}: no gold (test labels removed, as XTREME's download_data.sh does): "
            "predictions written, scores need the labels")


def language_predictions(
    scorer: Scorer | str, outputs: Mapping[str, np.ndarray], features: Features, *,
    label_names: Sequence[str] | None = None, links: Mapping[str, Sequence[str]] | None = None,
    n_best: int = 20, max_answer_length: int = 30, bucc_threshold: float | None = None,
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(predictions, gold, notes) per language, in the forms the scorer's metric takes."""
    scorer = as_scorer(scorer)
    task, kind = scorer.name, scorer.kind.head
    languages = np.asarray(_required(features, "language", task))
    examples = features.examples.rows
    notes: list[str] = []
    if kind in ("classification", "multiple_choice"):
        names = label_names or features.labels
        names = names if kind == "classification" else None
        as_label = (lambda i: names[int(i)]) if names else int
        preds = _by_language([as_label(i) for i in outputs["label"]], languages)
        gold_ids = _column(features, "label")
        gold = {}
        by_language = _by_language(gold_ids, languages) if gold_ids is not None else {}
        for lang, ids in by_language.items():
            if any(int(i) < 0 for i in ids):  # IGNORE: a row without its label
                notes.append(_no_gold(task, lang))
            else:
                gold[lang] = [as_label(i) for i in ids]
        return preds, gold, notes
    if kind == "tagging":
        return _tagging(task, outputs, features, examples, languages, label_names, notes)
    if kind == "span":
        return _span(task, outputs, features, examples, languages, notes, n_best=n_best,
                     max_answer_length=max_answer_length)
    pairs = postprocess.retrieval_predictions(
        task, outputs["vectors"], _required(features, "id", task),
        _required(features, "side", task), languages, links or {},
        groups=_column(features, "group"), texts=_column(features, "text"),
        bucc_threshold=bucc_threshold)
    if task == "bucc2018" and bucc_threshold is None:
        notes.append("bucc2018: threshold chosen on the evaluated split itself (oracle)")
    notes += [_no_gold(task, lang) for lang, (_, g) in pairs.items() if g is None]
    return ({lang: p for lang, (p, _) in pairs.items()},
            {lang: g for lang, (_, g) in pairs.items() if g is not None}, notes)


def evaluate_task(
    model: nnx.Module | tuple[nnx.GraphDef, Any], task: Scorer | str, features: Features,
    *, gold: Mapping[str, Any] | None = None, label_names: Sequence[str] | None = None,
    links: Mapping[str, Sequence[str]] | None = None, output_dir: str | Path | None = None,
    benchmark: Benchmark = "xtreme", batch_size: int = 32, mesh: Mesh | None = None,
    head: str | None = None, layer: int | None = None, n_best: int = 20,
    max_answer_length: int = 30, bucc_threshold: float | None = None, progress: bool = False,
    name: str | None = None,
) -> TaskEvaluation:
    """Predict, score every language, and (with `output_dir`) write `predictions/<task>/test-*`
    and merge this task into `results.json` (plus its Markdown and CSV tables).

    `gold` (language -> labels in the metric's form) overrides gold taken from the features and
    their examples; `label_names` default to `features.labels`; languages without gold are
    predicted and written but not scored. `head` names the task's head in a multi-task model;
    `layer` the retrieval layer; `name` the task's name in results.json when it is not the
    scorer's (a run's `demo_xnli` scored as `xnli`).
    """
    scorer = as_scorer(task)
    outputs = predict(model, features, scorer.kind.head, batch_size, mesh, task=head, layer=layer,
                      progress=progress)
    predictions, derived, notes = language_predictions(
        scorer, outputs, features, label_names=label_names, links=links, n_best=n_best,
        max_answer_length=max_answer_length, bucc_threshold=bucc_threshold)
    for note in notes:  # said, not only recorded: e.g. scores that need the removed labels
        log.warning("%s", note)
    gold = {**derived, **(gold or {})}
    scores = {lang: scorer.metric.score(preds, gold[lang], lang)
              for lang, preds in predictions.items() if lang in gold}
    evaluation = TaskEvaluation(scorer, predictions, gold, scores,
                                summarize_task(scorer, scores, benchmark), notes=notes)
    if output_dir is not None:
        evaluation.paths = write_evaluation(evaluation, output_dir, name)
    return evaluation


def write_evaluation(evaluation: TaskEvaluation, output_dir: str | Path,
                     name: str | None = None) -> list[Path]:
    """Submission files under `output_dir/predictions`, and the task's languages merged into
    results.json (retrieval targets are evaluated a language at a time into one folder)."""
    output_dir = Path(output_dir)
    fmt = evaluation.scorer.metric.submission
    paths = [submission.write_predictions(output_dir / "predictions", evaluation.task, lang, p,
                                          fmt)
             for lang, p in evaluation.predictions.items()]
    existing = output_dir / "results.json"
    merged = results.read_results(existing) if existing.is_file() else {}
    if evaluation.scores:
        key = name or evaluation.task
        merged[key] = {**merged.get(key, {}), **evaluation.scores}
    if merged:
        paths += list(results.write_results(merged, output_dir).values())
    return paths


def _example_languages(example_index: np.ndarray, languages: np.ndarray, examples: Any,
                       count: int, task: str, notes: list[str]) -> np.ndarray:
    """Each example's language, from its feature rows (or the examples, for one without any)."""
    out = np.empty(count, dtype=object)
    out[example_index] = languages
    seen = np.zeros(count, bool)
    seen[example_index] = True
    if not seen.all():
        notes.append(f"{task}: {int((~seen).sum())} examples have no feature row")
        out[~seen] = np.asarray(_required(examples, "language", task), dtype=object)[~seen]
    return out.astype(str)


def _tagging(task, outputs, features, examples, languages, label_names, notes):
    """Tags per word, rows of one sentence merged; gold from the examples' tags when given."""
    label_names = label_names or features.labels
    if not label_names:
        raise ScoringError(f"{task}: label_names are needed to write tags")
    word_ids = _column(features, "word_ids")
    labels = _column(features, "labels")
    if word_ids is None:
        word_ids = postprocess.word_ids_from_labels(_required(features, "labels", task))
    word_ids = np.asarray(word_ids)
    example_index = _column(features, "example_index")
    example_index = (np.arange(len(word_ids)) if example_index is None
                     else np.asarray(example_index))
    words = postprocess.word_predictions(outputs["token_label"], word_ids, example_index)
    ex_language = _example_languages(example_index, languages, examples, len(words), task, notes)
    gold_tags = _column(examples, "tags")
    if gold_tags is None and labels is not None:
        gold_ids = postprocess.word_predictions(np.asarray(labels), word_ids, example_index)
        gold_tags = postprocess.tag_sentences(gold_ids, label_names)[0]
    preds, gold = {}, {}
    for lang in dict.fromkeys(ex_language.tolist()):
        rows = np.flatnonzero(ex_language == lang)
        if gold_tags is not None and any(gold_tags[i] is None for i in rows):
            notes.append(_no_gold(task, lang))
        elif gold_tags is not None:
            gold[lang] = [list(gold_tags[i]) for i in rows]
        lengths = [len(s) for s in gold[lang]] if lang in gold else None
        preds[lang], filled = postprocess.tag_sentences([words[i] for i in rows], label_names,
                                                        lengths)
        if filled:
            notes.append(f"{task} {lang}: {filled} words had no prediction (filled in)")
    return preds, gold, notes


def _span(task, outputs, features, examples, languages, notes, *, n_best, max_answer_length):
    """Answer text per question id, by `span_decode` (XTREME's rules, see there)
    for arrays and `Features` alike; XTREME's QA tasks have no unanswerable questions."""
    ids = _required(examples, "id", task)
    contexts = _required(examples, "context", task)
    example_index = np.asarray(_required(features, "example_index", task))
    answers = decode_answers(
        outputs["start_logits"], outputs["end_logits"],
        np.asarray(_required(features, "offset_mapping", task)), example_index, contexts,
        context_mask=_column(features, "context_mask"), n_best=n_best,
        max_answer_length=max_answer_length)
    ex_language = _example_languages(example_index, languages, examples, len(contexts), task,
                                     notes)
    gold_answers = _column(examples, "answers")
    preds, gold = {}, {}
    for lang in dict.fromkeys(ex_language.tolist()):
        rows = np.flatnonzero(ex_language == lang)
        preds[lang] = {str(ids[i]): answers[i] for i in rows}
        if gold_answers is not None and any(_answers(gold_answers[i]) for i in rows):
            gold[lang] = _squad_dataset([ids[i] for i in rows], [gold_answers[i] for i in rows])
        elif gold_answers is not None:
            notes.append(_no_gold(task, lang))
    return preds, gold, notes
