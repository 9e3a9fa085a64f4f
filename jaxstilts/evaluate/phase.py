"""Zero-shot evaluation of a target: the pipeline's one call into `evaluate/`.

    record = evaluate_target(config, "xnli", (graphdef, params), mesh, tokenizer, "runs/x/eval")

The target's evaluation split is read and featurized in all its languages at once, predicted
with the trained model, scored per language by the task's scorer (`xtreme.scorer_of`: its own
metric and folder, or the XTREME task it is scored as), and written as submission files and
`results.json`. Retrieval targets are embedded by their trained dual encoder (Mewsli-X, LAReQA,
as XTREME-R), else straight from the encoder (BUCC's mining threshold is chosen on dev, then
applied to test). With `evaluate.noise_rates`, the inputs are scored again under character
noise at each rate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ml_collections
from jax.sharding import Mesh

from jaxstilts.evaluate.evaluator import TaskEvaluation, evaluate_task
from jaxstilts.evaluate.metrics import bucc
from jaxstilts.evaluate.perturb import with_noise
from jaxstilts.evaluate.predict import predict
from jaxstilts.evaluate.scoring import Scorer
from jaxstilts.evaluate.xtreme import scorer_of
from jaxstilts.kinds import Kind
from jaxstilts.tasks import Features, Task, features_of, get_task
from jaxstilts.tasks.readers import POOL_FORMATS


def evaluate_target(config: ml_collections.ConfigDict, target: str, model: Any, mesh: Mesh,
                    tokenizer: Any, folder: str | Path, labels: tuple[str, ...] | None = None,
                    progress: bool = False) -> dict:
    """Scores of `target` in its (or `evaluate.languages`) languages, files written in `folder`.

    `model` is `(graphdef, params)` with the parameters already on `mesh`; `labels` are the label
    names the head was trained with. Returns `{"target", "languages", "results": {target:
    {language: scores}}}` and, with noise rates, `"noise": {rate: {language: scores}}` (also
    written to `noise.json`).
    """
    task, e = get_task(target), config.evaluate
    languages = tuple(e.languages) or task.languages_of(e.split)
    scorer = scorer_of(task)
    if task.kind == Kind.RETRIEVAL:
        head = target if _trained_head(model, target) else None
        groups = [languages] if _one_pool(task, config.data.source) else [(x,) for x in languages]
        evaluations = [_retrieval(config, target, scorer, group, model, mesh, tokenizer, folder,
                                  progress, head) for group in groups]
        scores = {k: v for ev in evaluations for k, v in ev.scores.items()}
    else:
        features = features_of(config.data, target, e.split, tokenizer, languages, labels)
        scores = _evaluate(config, scorer, target, model, mesh, features, folder, progress).scores
    record = {"target": target, "languages": list(languages), "results": {target: scores}}
    if e.noise_rates and task.kind != Kind.RETRIEVAL:
        record["noise"] = {}
        for rate in (float(r) for r in e.noise_rates):
            noisy = features_of(config.data, target, e.split, tokenizer, languages, labels,
                                transform=lambda ex, r=rate: with_noise(ex, r, e.noise_seed))
            record["noise"][str(rate)] = _evaluate(config, scorer, target, model, mesh, noisy,
                                                   None, False).scores
        (Path(folder) / "noise.json").write_text(json.dumps(record["noise"], indent=2))
    return record


def _evaluate(config, scorer: Scorer, head: str, model, mesh, features: Features, folder,
              progress: bool) -> TaskEvaluation:
    return evaluate_task(model, scorer, features, output_dir=folder, mesh=mesh, head=head,
                         batch_size=config.evaluate.batch_size, progress=progress, name=head)


def _trained_head(model, target: str) -> bool:
    """Whether the model (`(graphdef, params)`) has a head trained for `target` (a dual
    encoder: the target phase of Mewsli-X or LAReQA)."""
    return target in (model[1].get("heads") or {})


def _one_pool(task: Task, source: str) -> bool:
    """Whether all languages' queries search one candidate pool, read whole whichever languages
    are asked for (Mewsli-X, LAReQA): then they are read, embedded and scored in one pass, not
    the pool once per language. The source is the one `features_of` reads."""
    parts = task.sources.of(source) or task.sources.local
    return bool(parts) and all(getattr(c, "format", None) in POOL_FORMATS for c in parts)


def _retrieval(config, target: str, scorer: Scorer, languages: tuple[str, ...], model, mesh,
               tokenizer, folder, progress: bool, head: str | None = None) -> TaskEvaluation:
    e = config.evaluate
    layer = e.retrieval_layer or None  # None: the model's default retrieval layer
    features = features_of(config.data, target, e.split, tokenizer, languages)
    threshold = None
    if scorer.name == "bucc2018":  # the mining threshold is chosen on dev, then applied to test
        dev = features_of(config.data, target, "validation", tokenizer, languages)
        vectors = predict(model, dev, "retrieval", e.batch_size, mesh, layer=layer)["vectors"]
        threshold = bucc.dev_threshold(dev.column("id"), dev.column("side"),
                                       vectors, dev.examples.gold, dev.column("text"))
    return evaluate_task(model, scorer, features, output_dir=folder, batch_size=e.batch_size,
                         mesh=mesh, layer=layer, head=head, links=features.examples.gold,
                         bucc_threshold=threshold, progress=progress, name=target)
