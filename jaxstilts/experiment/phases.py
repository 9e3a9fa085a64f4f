"""One phase in its folder: trained (or evaluated) once, marked `done.json`, skipped after."""

from __future__ import annotations

import json
import logging

import jax
from etils import epath

from jaxstilts.data.multitask import TaskSampler, task_probabilities
from jaxstilts.evaluate.phase import evaluate_target
from jaxstilts.evaluate.validation import first_examples
from jaxstilts.experiment.feeds import (
    _feed,
    _mlm_feed,
    _phase_data,
    _phase_steps,
    _validation,
    head_of,
    training_task,
    validates,
)
from jaxstilts.experiment.model import build_model, phase_model
from jaxstilts.kinds import Kind
from jaxstilts.tasks import features_of, get_task
from jaxstilts.train.checkpoint import NoRestorableCheckpoint, abs_path, handoff_checkpoint
from jaxstilts.train.loop import LoopConfig, train
from jaxstilts.train.optim import OptimConfig

log = logging.getLogger(__name__)
notice = logging.getLogger("jaxstilts.train.notice")  # shown without -v: what a re-run skips

log = logging.getLogger(__name__)

MLM_TASK = "mlm"


def _done(folder: epath.Path) -> dict | None:
    marker = folder / "done.json"
    return json.loads(marker.read_text()) if marker.exists() else None


def _mark_done(folder: epath.Path, record: dict) -> None:
    if jax.process_index() == 0:
        (folder / "done.json").write_text(json.dumps(record, indent=2))


def _handoff_problem(folder: epath.Path, record: dict) -> str | None:
    """Why the checkpoint a finished training phase hands on is not the one its record names
    (its best validated step, else its last step), or None when it is: a phase is done only
    when what the next phase reads is there."""
    want = record.get("best_step")
    want = record.get("steps") if want is None else want
    try:
        root, step = handoff_checkpoint(folder)
    except (NoRestorableCheckpoint, FileNotFoundError) as e:
        return str(e)
    if want is not None and step != want:
        return f"it would hand on {root}/{step}, but its record names step {want}"
    return None


def _loop_config(p, total: int, seed: int, progress: bool, folder: epath.Path) -> LoopConfig:
    """The loop's settings; its progress bar is labelled by the phase's folder and its parent
    (`demo_nli__demo_xnli__seed=1/target`, `intermediate/demo_nli__seed=1`): run, seed, phase."""
    return LoopConfig(total_steps=total, log_every=p.log_every,
                      checkpoint_every=p.checkpoint_every, validate_every=p.validate_every,
                      patience=p.patience, seed=seed, progress=progress,
                      label=f"{folder.parent.name}/{folder.name}")


def run_phase(config, phase: str, tasks: list[str], folder, mesh, tokenizer,
              init_encoder_from=None, progress: bool = False, stage: str | None = None) -> dict:
    """Train `tasks` (intermediate: several; target: its English training task) in `folder`.

    `stage`: a preparatory stage of the target that trains its head on this English task
    instead, for `target.prepare_epochs`. A target phase that starts from such a stage with the
    same heads starts from their trained weights too, as XTREME-R's COPA stage starts from the
    SIQA model (an intermediate phase passes on its encoder only)."""
    folder = abs_path(folder)
    label = f"{phase} stage {stage}" if stage else f"{phase} phase"
    if (done := _done(folder)) is not None:
        problem = _handoff_problem(folder, done)
        if problem is None:
            notice.info("%s is finished (%s, step %s); skipping it", label, folder,
                        done.get("steps"))
            return done
        notice.warning("%s in %s is marked finished, but %s; finishing it again", label, folder,
                       problem)
        if jax.process_index() == 0:
            (folder / "done.json").unlink()
    folder.mkdir(parents=True, exist_ok=True)
    p, seed = config[phase], config.seed
    data = _phase_data(config, phase)
    feeds, heads, sizes, lengths = {}, {}, {}, {}
    for i, name in enumerate(tasks):
        train_name = stage or (training_task(name) if phase == "target" else name)
        n = p.train_examples if not stage else 0  # a preparatory stage keeps all its data
        train_features = features_of(
            data, train_name, "train", tokenizer, "en",
            transform=(lambda examples, n=n: first_examples(examples, n)) if n else None)
        labels = train_features.labels
        valid = None
        if validates(config, phase, train_name):
            valid = _validation(config, phase, name, train_name, tokenizer, labels)
        feeds[name] = _feed(config, train_features, phase, seed + i, valid)
        heads[name] = head_of(train_name, train_features)
        sizes[name] = len(train_features)
        lengths[name] = train_features.max_length
    probs = task_probabilities(sizes, p.sampling, p.temperature, p.cap or None)
    mlm_rate = p.mlm_rate
    if mlm_rate:
        feeds[MLM_TASK] = _mlm_feed(config, tokenizer, seed)
        heads[MLM_TASK] = ("mlm", None)
    sampler = TaskSampler(probs, seed=seed, mlm_task=MLM_TASK if mlm_rate else None,
                          mlm_rate=mlm_rate)
    model = build_model(config, heads, seed, encoder_from=init_encoder_from)
    if jax.process_index() == 0:
        (folder / "model_config.json").write_text(json.dumps(model.config.to_hf_dict(), indent=2))
    total = _phase_steps(p, sizes, config.target.prepare_epochs if stage else None)
    head_list = {k: list(v) for k, v in heads.items()}
    previous = _done(abs_path(init_encoder_from)) if init_encoder_from is not None else None
    result = train(model, feeds, sampler, OptimConfig(**p.optim.to_dict()),
                   _loop_config(p, total, seed, progress, folder), folder, mesh,
                   init_encoder_from=init_encoder_from,
                   init_heads=(previous or {}).get("phase") == "target"
                   and previous.get("heads") == head_list)
    record = {"phase": phase, "stage": stage, "tasks": tasks, "heads": head_list,
              "trained_on": [stage or (training_task(t) if phase == "target" else t)
                             for t in tasks],
              "sizes": sizes, "max_length": lengths, "steps": result.final_step,
              "best_score": result.best_score, "best_step": result.best_step,
              "stopped_early": result.stopped_early, "history": result.history}
    if (problem := _handoff_problem(folder, record)) is not None:
        raise NoRestorableCheckpoint(f"{label} in {folder} trained to step {result.final_step} "
                                     f"but cannot be marked finished: {problem}")
    _mark_done(folder, record)  # a preempted phase raised `Preempted` before this
    return record


def evaluate_phase(config, target: str, folder, mesh, tokenizer, encoder_from,
                   head_record: dict | None, progress: bool = False) -> dict:
    """Zero-shot evaluation of `target` in all its (or the configured) languages, with the
    encoder (and the target head) of the phase in `encoder_from`."""
    folder = abs_path(folder)
    if (done := _done(folder)) is not None:
        return done
    _empty(folder)  # every file in it comes from this evaluation, never from an earlier one
    model = phase_model(config, mesh, encoder_from, head_record)
    labels = tuple(head_record["labels"]) if head_record and head_record.get("labels") else None
    record = evaluate_target(config, target, model, mesh, tokenizer, folder, labels, progress)
    if config.evaluate.checklist:
        if get_task(target).kind == Kind.SPAN_EXTRACTION:
            record["checklist"] = checklist_target(config, target, model, mesh, tokenizer, folder)
        else:
            log.warning("evaluate.checklist: %s is not span QA; no MultiCheckList for it", target)
    _mark_done(folder, record)
    return record


def checklist_target(config, target: str, model, mesh, tokenizer, folder) -> dict:
    """MultiCheckList on the target's span head: checklist.json, .csv and .png in `folder`;
    returns what run.json keeps (failure rates and case counts)."""
    from jaxstilts.evaluate.checklist import PNG_FILE, run_checklist
    from jaxstilts.report.checklist import plot_failure_heatmap

    e = config.evaluate
    summary = run_checklist(model, tokenizer, target, folder=folder,
                            cases_per_test=e.checklist_cases, seed=config.seed,
                            languages=tuple(e.checklist_languages) or None,
                            batch_size=e.batch_size, mesh=mesh, head=target,
                            max_length=config.data.max_length or None)
    plot_failure_heatmap(summary["failure_rate"], epath.Path(folder) / PNG_FILE,
                         f"MultiCheckList: {target} head, failure rate (%)")
    return {"failure_rate": summary["failure_rate"], "cases": summary["cases"]}


def _empty(folder: epath.Path) -> None:
    """`folder` made and emptied (results, predictions and noise scores of an evaluation that
    was interrupted, or that other settings made) before an evaluation writes into it."""
    if jax.process_index() == 0:
        if folder.exists():
            folder.rmtree()
        folder.mkdir(parents=True, exist_ok=True)
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(f"jaxstilts: {folder} emptied")
