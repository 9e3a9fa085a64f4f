"""One experiment in its workdir: its phases in order, then `run.json`; again on a finished run."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jax
import ml_collections

from jaxstilts.config import ConfigError, apply_override
from jaxstilts.environment import describe_environment
from jaxstilts.evaluate.scoring import average_over_languages, task_score
from jaxstilts.evaluate.xtreme import scorer_of
from jaxstilts.experiment.feeds import training_task
from jaxstilts.experiment.model import phase_model, tokenizer_of
from jaxstilts.experiment.phases import checklist_target, evaluate_phase, run_phase
from jaxstilts.experiment.setup import mesh_of, validate_config
from jaxstilts.kinds import Kind
from jaxstilts.naming import run_name
from jaxstilts.paths import abs_path
from jaxstilts.tasks import features_of, get_task, has_target_phase, target_training
from jaxstilts.workdir import open_run, record_evaluation

log = logging.getLogger(__name__)

STAGES = "-then-"  # a preparatory stage's folder names the stages so far: siqa, siqa-then-x
SWEEP_COORDINATES = ("name", "seed", "settings")  # where a sweep's run.json places the run


def run_experiment(config: ml_collections.ConfigDict, workdir: str | Path, *,
                   intermediate_dir: str | Path | None = None,
                   prepare_dir: str | Path | None = None, progress: bool = False,
                   allow_config_change: bool = False, coordinates: dict | None = None) -> dict:
    """One experiment; `intermediate_dir` and `prepare_dir` (the folder of the target's
    preparatory stages, default `workdir/prepare`) let a sweep share those phases, and
    `coordinates` (name, seed, settings) place the run in its sweep's `run.json`. A workdir
    recorded with another config is refused (see `workdir.open_run`)."""
    validate_config(config)
    workdir = abs_path(workdir)
    open_run(config, workdir, allow_config_change)
    if jax.process_index() == 0:
        (workdir / "environment.json").write_text(json.dumps(describe_environment(), indent=2))
    mesh = mesh_of(config)
    tokenizer = tokenizer_of(config)
    inter_tasks = list(config.intermediate.tasks)
    encoder_from = None
    if inter_tasks:
        inter_dir = abs_path(intermediate_dir or workdir / "intermediate")
        run_phase(config, "intermediate", inter_tasks, inter_dir, mesh, tokenizer,
                  progress=progress)
        encoder_from = inter_dir
    target = config.target.task
    head_record = None
    if recipe := target_training(config):
        *stages, _ = recipe
        for i, stage in enumerate(stages):  # e.g. prepare/siqa, then target/ (COPA)
            stage_dir = abs_path(prepare_dir or workdir / "prepare") / STAGES.join(stages[:i + 1])
            run_phase(config, "target", [target], stage_dir, mesh, tokenizer,
                      init_encoder_from=encoder_from, progress=progress, stage=stage)
            encoder_from = stage_dir
        target_dir = workdir / "target"
        head_record = run_phase(config, "target", [target], target_dir, mesh, tokenizer,
                                init_encoder_from=encoder_from, progress=progress)
        head_record["labels"] = _labels_of(config, target, tokenizer)
        encoder_from = target_dir
    evaluation = evaluate_phase(config, target, workdir / "eval", mesh, tokenizer, encoder_from,
                                head_record, progress)
    record = {**_run_record(config, inter_tasks, target, evaluation), **(coordinates or {})}
    record["encoder_from"] = str(encoder_from) if encoder_from is not None else None
    if jax.process_index() == 0:
        (workdir / "run.json").write_text(json.dumps(record, indent=2))
    return record


def evaluate_workdir(config: ml_collections.ConfigDict, workdir: str | Path) -> dict:
    """Evaluate a finished run again (new languages, split or code) from its checkpoints."""
    validate_config(config)
    workdir = abs_path(workdir)
    run_file = workdir / "run.json"
    if not run_file.exists():
        runs = sorted(f.parent.name for f in (workdir / "runs").glob("*/run.json"))
        if runs:
            raise FileNotFoundError(
                f"{workdir} is a sweep, not one run: evaluate one of its {len(runs)} finished "
                f"runs, e.g. --workdir {workdir / 'runs' / runs[0]} (runs: {', '.join(runs)})")
        raise FileNotFoundError(f"{run_file}: not a finished run (no run.json)")
    previous = json.loads(run_file.read_text())
    target = previous["target"]
    mesh = mesh_of(config)
    tokenizer = tokenizer_of(config)
    head_record = None
    if has_target_phase(target):
        head_record = json.loads((workdir / "target" / "done.json").read_text())
        head_record["labels"] = _labels_of(config, target, tokenizer)
    marker = workdir / "eval" / "done.json"
    if marker.exists():
        marker.unlink()
    encoder_from = previous.get("encoder_from")
    evaluation = evaluate_phase(config, target, workdir / "eval", mesh, tokenizer,
                                encoder_from, head_record)
    coordinates = {k: previous[k] for k in SWEEP_COORDINATES if k in previous}
    record = {**_run_record(config, previous["intermediate"], target, evaluation), **coordinates,
              "encoder_from": encoder_from}
    if jax.process_index() == 0:
        run_file.write_text(json.dumps(record, indent=2))
    record_evaluation(config, workdir)  # config.json: the evaluation settings of these results
    return record


def _labels_of(config, target, tokenizer) -> list[str] | None:
    """The label names the target head was trained with (from its training task); None for
    kinds without label names (spans, choices)."""
    task = get_task(training_task(target))
    if task.labels is not None:
        return list(task.labels)
    if task.kind not in (Kind.PAIR_CLASSIFICATION, Kind.TAGGING):  # no label names to read
        return None
    labels = features_of(config.data, task.name, "train", tokenizer, "en").labels
    return None if labels is None else list(labels)


def _run_record(config, intermediate: list[str], target: str, evaluation: dict) -> dict:
    task = get_task(target)
    scores = evaluation["results"][target]
    average = average_over_languages(scores) if scores else {}
    score = task_score(scorer_of(task), average) if average else None
    record = {"name": run_name(intermediate, target), "intermediate": intermediate,
              "target": target, "status": "done", "metric": task.metric,
              "score": score, "average": average, "results": evaluation["results"]}
    if "noise" in evaluation:
        record["noise"] = evaluation["noise"]
    if "checklist" in evaluation:
        record["checklist"] = evaluation["checklist"]
    return record


def checklist_workdir(workdir: str | Path, overrides: list[str] = ()) -> dict:
    """MultiCheckList on a finished span-QA run's target head, with the run's own config
    (`workdir/config.json`) and `overrides` (`evaluate.checklist_*`); files in `workdir/eval`."""
    workdir = abs_path(workdir)
    run_file, config_file = workdir / "run.json", workdir / "config.json"
    for file in (run_file, config_file):
        if not file.exists():
            raise FileNotFoundError(f"{file}: not a finished run (no {file.name})")
    config = config_from_json(json.loads(config_file.read_text()))
    for item in overrides:
        if not item.removeprefix("--").removeprefix("config.").startswith("evaluate."):
            raise ConfigError(f"override {item!r}: `jaxstilts checklist` takes evaluate.* keys "
                              "only (the run's checkpoints were made with the rest)")
        apply_override(config, item, "command line")
    config.evaluate.checklist = True
    previous = json.loads(run_file.read_text())
    target = previous["target"]
    if get_task(target).kind != Kind.SPAN_EXTRACTION:
        raise ConfigError(f"{workdir}: target {target} is not span QA; MultiCheckList tests a "
                          "span-QA head (a run of xquad, mlqa or tydiqa)")
    validate_config(config)
    mesh = mesh_of(config)
    tokenizer = tokenizer_of(config)
    head_record = json.loads((workdir / "target" / "done.json").read_text())
    model = phase_model(config, mesh, previous.get("encoder_from"), head_record)
    result = checklist_target(config, target, model, mesh, tokenizer, workdir / "eval")
    previous["checklist"] = result
    if jax.process_index() == 0:
        run_file.write_text(json.dumps(previous, indent=2))
    record_evaluation(config, workdir)  # config.json: the settings that made checklist.json
    return result


def config_from_json(recorded: dict) -> ml_collections.ConfigDict:
    """A workdir's `config.json` back into the experiment config (lists back to tuples)."""
    from jaxstilts.config import experiment_defaults

    def update(node: ml_collections.ConfigDict, values: dict) -> None:
        for key, value in values.items():
            if key not in node:
                node[key] = value
            elif isinstance(node[key], ml_collections.ConfigDict) and isinstance(value, dict):
                update(node[key], value)
            else:
                node[key] = tuple(value) if isinstance(node[key], tuple) else value

    config = experiment_defaults()
    with config.unlocked():
        update(config, recorded)
    return config
