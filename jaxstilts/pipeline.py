"""The STILTs protocol as phases: pretrained → [intermediate] → target → zero-shot evaluation.

    run_experiment(load_config("demo"), "runs/demo")

Each phase works in its own folder and leaves `done.json` when it finishes, so a re-run skips
finished phases and resumes an interrupted one from its checkpoints. The intermediate phase's
folder can be shared by every target of a sweep. A target whose recipe names preparatory English
stages (XCOPA: SIQA, then COPA) trains each as a phase of its own under `prepare/`, in order,
each starting from the one before. Retrieval targets without training data (BUCC, Tatoeba) are
evaluated straight from the intermediate encoder; those XTREME-R fine-tunes (Mewsli-X, LAReQA)
train a dual encoder on English pairs in the target phase.
"""

from __future__ import annotations

import importlib.metadata as md
import itertools
import json
import logging
import math
import platform
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import ml_collections
import numpy as np
from etils import epath
from flax import nnx

from jaxstilts import __version__
from jaxstilts.config import ConfigError, apply_override
from jaxstilts.data.arrays import ArraySource
from jaxstilts.data.mlm import MaskedSource
from jaxstilts.data.multitask import TaskSampler, task_probabilities
from jaxstilts.data.pipeline import BatchLoader, LoaderConfig
from jaxstilts.evaluate.phase import evaluate_target
from jaxstilts.evaluate.validation import Validation, first_examples
from jaxstilts.evaluate.xtreme import average_over_languages, scorer_of, task_score
from jaxstilts.kinds import Kind
from jaxstilts.model import XLMRConfig, load_pretrained, load_tokenizer
from jaxstilts.model.hf import resolve_folder
from jaxstilts.model.modeling import MultiTaskModel
from jaxstilts.model.partitioning import make_mesh, place_params
from jaxstilts.model.tokenizer import tiny_tokenizer_dir
from jaxstilts.naming import run_name
from jaxstilts.paths import abs_path
from jaxstilts.tasks import (
    demo_mlm_files,
    features_of,
    get_task,
    has_target_phase,
    target_recipe,
    target_training,
    task_from_config,
)
from jaxstilts.train.checkpoint import (
    NoRestorableCheckpoint,
    handoff_checkpoint,
    restore_encoder,
    restore_params,
)
from jaxstilts.train.loop import LoopConfig, TaskFeed, train
from jaxstilts.train.optim import OptimConfig
from jaxstilts.workdir import open_run, record_evaluation

log = logging.getLogger(__name__)
notice = logging.getLogger("jaxstilts.train.notice")  # shown without -v: what a re-run skips

MLM_TASK = "mlm"
STAGES = "-then-"  # a preparatory stage's folder names the stages so far: siqa, siqa-then-x
SWEEP_COORDINATES = ("name", "seed", "settings")  # where a sweep's run.json places the run


# ---------------------------------------------------------------- set-up


def validate_config(config: ml_collections.ConfigDict) -> None:
    """Check names and values before any compute: unknown tasks, impossible settings."""
    for spec in config.user_tasks:
        task_from_config(spec, register_task=True)
    for name in config.intermediate.tasks:
        task = get_task(name)
        if task.kind == Kind.RETRIEVAL:
            raise ValueError(f"intermediate.tasks: {name} is a retrieval task (no training data)")
    if config.target.task:
        target_recipe(config.target.task)  # the target and every task of its recipe exist
    if config.target.prepare_epochs < 0:
        raise ValueError(f"target.prepare_epochs must be >= 0 (0: no preparatory stage), got "
                         f"{config.target.prepare_epochs}")
    if config.intermediate.mlm_rate and not config.intermediate.tasks:
        raise ValueError("intermediate.mlm_rate needs intermediate.tasks")
    for phase in ("intermediate", "target"):
        p = config[phase]
        if p.batch_size < 1:
            raise ValueError(f"{phase}.batch_size must be >= 1, got {p.batch_size}")
        if p.max_length < 0:
            raise ValueError(f"{phase}.max_length must be >= 0 (0: data.max_length), "
                             f"got {p.max_length}")
        if p.steps < 0 or p.epochs < 0 or (p.steps == 0 and p.epochs == 0):
            raise ValueError(f"{phase}: set steps > 0 or epochs > 0")
        for key in ("log_every", "checkpoint_every"):
            if p[key] < 1:
                raise ValueError(f"{phase}.{key} must be >= 1, got {p[key]}")
        if p.validate_every < 0:
            raise ValueError(f"{phase}.validate_every must be >= 0 (0: no validation), "
                             f"got {p.validate_every}")
        if p.train_examples < 0:
            raise ValueError(f"{phase}.train_examples must be >= 0 (0: all), "
                             f"got {p.train_examples}")
    if not config.model.pretrained and not config.model.preset:
        raise ValueError("model: set model.pretrained (HF folder or hub id) or model.preset")


def setup_distributed(config: ml_collections.ConfigDict) -> None:
    """`jax.distributed.initialize` when configured; must run before JAX touches a device."""
    d = config.distributed
    if d.coordinator:
        jax.distributed.initialize(d.coordinator, d.num_processes,
                                   d.process_id if d.process_id >= 0 else None)
    elif d.auto:
        jax.distributed.initialize()


def tokenizer_of(config: ml_collections.ConfigDict):
    source = config.model.tokenizer or config.model.pretrained or tiny_tokenizer_dir()
    return load_tokenizer(source)


def model_config(config: ml_collections.ConfigDict) -> XLMRConfig:
    m = config.model
    extra = dict(dtype=m.dtype, remat=m.remat, matmul_precision=m.matmul_precision,
                 scan_layers=m.scan_layers)
    if m.pretrained:
        return XLMRConfig.from_hf(resolve_folder(m.pretrained), **extra)
    return XLMRConfig.preset(m.preset, **extra)


def build_model(config: ml_collections.ConfigDict, heads: dict[str, tuple[str, int | None]],
                seed: int, encoder_from: str | Path | None = None) -> MultiTaskModel:
    """A multi-task model (heads seeded). Where its encoder comes from is decided here, once:
    a finished phase's folder (`encoder_from`, restored by whoever places the parameters), else
    the pretrained weights (`model.pretrained`), else a seeded init. The pretrained checkpoint is
    only read when it is the source."""
    model = MultiTaskModel(model_config(config), heads, rngs=nnx.Rngs(seed))
    if config.model.pretrained and encoder_from is None:
        pretrained = load_pretrained(config.model.pretrained, dtype=config.model.dtype,
                                     remat=config.model.remat,
                                     scan_layers=config.model.scan_layers)
        nnx.update(model.encoder, nnx.state(pretrained.encoder, nnx.Param))
    return model


# ---------------------------------------------------------------- data


def head_of(task_name: str, features) -> tuple[str, int | None]:
    """(head kind, labels) of the head that learns `task_name` (labels: classification and
    tagging only)."""
    kind = get_task(task_name).kind.head
    n = len(features.labels) if kind in ("classification", "tagging") else None
    return kind, n


def training_task(task_name: str) -> str:
    """The task whose English data trains a target (XNLI is trained on MNLI)."""
    return get_task(task_name).train_task or task_name


def validates(config: ml_collections.ConfigDict, phase: str, train_name: str) -> bool:
    """Whether `phase` validates while it trains on `train_name` (it has English validation)."""
    return bool(config[phase].validate_every) and (
        "en" in get_task(train_name).splits.get("validation", ()))


def _feed(config, features, phase, seed: int, validation=None) -> TaskFeed:
    shard = dict(shard_index=jax.process_index(), shard_count=jax.process_count())
    p = config[phase]
    if len(features) < p.batch_size:  # training drops the last partial batch: none would be left
        raise ConfigError(f"{phase}.batch_size={p.batch_size}: task {features.task.name} has "
                          f"only {len(features)} training rows; lower "
                          f"--config.{phase}.batch_size or give the task more data")
    loader = BatchLoader(features, LoaderConfig(batch_size=p.batch_size, seed=seed,
                                                num_epochs=None, **shard))
    return TaskFeed(features.task.kind.head, iter(loader), scorer=validation)


def _validation(config, phase: str, head: str, train_name: str, tokenizer, labels):
    """jiant's validation: the first `validation_examples` English validation examples in file
    order, scored with the task's metric (see `evaluate/validation.py`)."""
    p, task = config[phase], get_task(train_name)
    n = p.validation_examples
    features = features_of(_phase_data(config, phase), train_name, "validation", tokenizer,
                           "en", labels, transform=lambda examples: first_examples(examples, n))
    scorer = scorer_of(train_name, task.kind, task.metric)
    return Validation(head, features, scorer, task.metric, p.batch_size)


def _mlm_feed(config, tokenizer, seed: int) -> TaskFeed:
    """Continued multilingual MLM over plain-text files (one sentence per line)."""
    files = ({Path(f).stem: Path(f) for f in config.intermediate.mlm_files}
             or demo_mlm_files())
    lines = [ln.strip() for f in files.values() for ln in f.read_text("utf-8").splitlines()
             if ln.strip()]
    enc = tokenizer(lines, truncation=True, max_length=config.data.mlm_max_length,
                    padding="max_length", return_tensors="np")
    arrays = {"input_ids": enc["input_ids"].astype(np.int32),
              "attention_mask": enc["attention_mask"].astype(np.int32)}
    shard = (jax.process_index(), jax.process_count())
    source = ArraySource(arrays, config.intermediate.batch_size, seed, shard=shard)
    masked = MaskedSource(source, mask_id=tokenizer.mask_token_id, vocab_size=len(tokenizer),
                          special_ids=tuple(tokenizer.all_special_ids), seed=seed)
    return TaskFeed("mlm", masked)


# ---------------------------------------------------------------- phases


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


def _phase_data(config, phase: str) -> ml_collections.ConfigDict:
    """The `data` section a phase reads its training data with: `<phase>.max_length` (when set)
    in place of `data.max_length`, so that one phase's length can vary alone."""
    if not config[phase].max_length:
        return config.data
    data = ml_collections.ConfigDict(config.data.to_dict())
    data.max_length = config[phase].max_length
    return data


def _phase_steps(p, sizes: dict[str, int], epochs: float | None = None) -> int:
    """`epochs` (a preparatory stage's length) in place of the phase's steps/epochs."""
    if p.steps and epochs is None:
        return p.steps
    epochs = p.epochs if epochs is None else epochs
    return max(1, math.ceil(epochs * sum(sizes.values()) / p.batch_size))


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


def phase_model(config, mesh, encoder_from, head_record: dict | None) -> tuple:
    """(graphdef, params on `mesh`): the encoder (and the target heads) of the phase in
    `encoder_from`, else as `build_model` makes them."""
    heads = {k: tuple(v) for k, v in head_record["heads"].items()} if head_record else {}
    graphdef, state = nnx.split(build_model(config, heads, config.seed, encoder_from), nnx.Param)
    params = place_params(state, mesh)
    if encoder_from is not None:
        params["encoder"] = restore_encoder(encoder_from, params["encoder"])
        if head_record:
            params["heads"] = restore_params(encoder_from, params["heads"], "heads")
    return graphdef, params


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
    mesh = make_mesh(config.mesh.data, config.mesh.fsdp, config.mesh.tensor)
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


# ---------------------------------------------------------------- experiments


def describe_environment() -> dict:
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        rev = None
    libs = {}
    for pkg in ("jax", "flax", "optax", "orbax-checkpoint", "grain", "transformers"):
        try:
            libs[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            libs[pkg] = None
    return {"jaxstilts": __version__, "git_revision": rev, "libraries": libs,
            "python": platform.python_version(), "backend": jax.default_backend(),
            "devices": jax.device_count(), "processes": jax.process_count()}


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
    mesh = make_mesh(config.mesh.data, config.mesh.fsdp, config.mesh.tensor)
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
    mesh = make_mesh(config.mesh.data, config.mesh.fsdp, config.mesh.tensor)
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
    score = task_score(scorer_of(target, task.kind, task.metric), average) if average else None
    record = {"name": run_name(intermediate, target), "intermediate": intermediate,
              "target": target, "status": "done", "metric": task.metric,
              "score": score, "average": average, "results": evaluation["results"]}
    if "noise" in evaluation:
        record["noise"] = evaluation["noise"]
    if "checklist" in evaluation:
        record["checklist"] = evaluation["checklist"]
    return record


# ---------------------------------------------------------------- sweeps

AXIS_VALUES = "|"  # separates an axis's values: "data.max_length=128|256"
# Keys that only the target phase and the evaluation read: an axis over them shares the
# intermediate phase. Every other key (model, data, intermediate, seed) gets its own.
TARGET_ONLY = ("target.", "evaluate.")
# Keys that only the target's last stage and the evaluation read: an axis over them shares the
# target's preparatory stages (XCOPA's SIQA).
AFTER_PREPARE = ("evaluate.", "target.epochs", "target.steps")
# Keys a sweep varies by its own fields, never by an axis.
NOT_AXES = {"seed": "sweep.seeds", "intermediate.tasks": "sweep.intermediate",
            "target.task": "sweep.targets", "name": "the config file", "sweep": "the sweep itself"}


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its intermediate tasks, target, axis settings and seed."""

    intermediate: tuple[str, ...]
    target: str
    settings: tuple[tuple[str, str, Any], ...] = ()  # (key, value as written, parsed value)
    seed: int | None = None  # None: the config's own seed (no seed axis)

    @property
    def name(self) -> str:
        """`<row>__<target>[__key=value...][__seed=N]`: the run's folder in the sweep."""
        return "__".join([run_name(self.intermediate, self.target),
                          *_setting_labels(self.settings), *self._seed_label])

    @property
    def intermediate_name(self) -> str | None:
        """The shared intermediate phase's folder: the same for every run whose intermediate
        settings (tasks, non-target keys, seed) are the same; None for a baseline."""
        if not self.intermediate:
            return None
        settings = [s for s in self.settings if not s[0].startswith(TARGET_ONLY)]
        return "__".join(["+".join(self.intermediate), *_setting_labels(settings),
                          *self._seed_label])

    @property
    def prepare_name(self) -> str:
        """The folder of the target's preparatory stages: shared by every run with the same
        intermediate tasks, target and stage settings (all but `AFTER_PREPARE` keys), seed."""
        settings = [s for s in self.settings if not _is_after_prepare(s[0])]
        return "__".join([run_name(self.intermediate, self.target),
                          *_setting_labels(settings), *self._seed_label])

    @property
    def _seed_label(self) -> list[str]:
        return [] if self.seed is None else [f"seed={self.seed}"]

    def config(self, base: ml_collections.ConfigDict,
               per_task: list[tuple[str, str, Any]] | None = None) -> ml_collections.ConfigDict:
        """`base` with this run's tasks, their `sweep.per_task` settings (`per_task`: those
        already parsed, as `sweep_configs` passes them), the axis settings and the seed."""
        config = ml_collections.ConfigDict(base.to_dict())
        config.intermediate.tasks = self.intermediate
        config.target.task = self.target
        for task, key, value in sweep_per_task(base) if per_task is None else per_task:
            if task == self.target if key.split(".")[0] != "intermediate" else (
                    task in self.intermediate):
                _set(config, key, value)
        for key, _, value in self.settings:
            _set(config, key, value)
        if self.seed is not None:
            config.seed = self.seed
        return config

    def coordinates(self) -> dict:
        """name, seed and settings (values as written, as in the name) for `run.json`."""
        return {"name": self.name, "seed": self.seed,
                "settings": {key: _safe(text) for key, text, _ in self.settings}}


def _is_after_prepare(key: str) -> bool:
    return any(key == k or (k.endswith(".") and key.startswith(k)) for k in AFTER_PREPARE)


def _setting_labels(settings) -> list[str]:
    return [f"{key}={_safe(text)}" for key, text, _ in settings]


def _safe(text: str) -> str:
    """A value as written, kept to characters that are safe in a folder name."""
    return re.sub(r"[^A-Za-z0-9._+,=-]", "", text.replace(" ", ""))


def _set(config: ml_collections.ConfigDict, key: str, value: Any) -> None:
    *sections, leaf = key.split(".")
    node = config
    for part in sections:
        node = node[part]
    node[leaf] = value


def _parsed(config: ml_collections.ConfigDict, setting: str, where: str) -> Any:
    """The value of `KEY=VALUE` as an override would set it (checked the same way)."""
    probe = ml_collections.ConfigDict(config.to_dict())
    apply_override(probe, setting, source=f"the config ({where})")
    value = probe
    for part in setting.split("=", 1)[0].strip().split("."):
        value = value[part]
    return value


def sweep_axes(config: ml_collections.ConfigDict) -> list[list[tuple[str, str, Any]]]:
    """The parsed `sweep.axes`: per axis, (key, value as written, value) of each value. Keys and
    values are checked like command-line overrides; a bad one is a one-line `ConfigError`."""
    axes, seen = [], set()
    for i, entry in enumerate(config.sweep.axes):
        if not isinstance(entry, str) or "=" not in entry:
            previous = config.sweep.axes[i - 1] if i else None
            joined = (f"; the values of one axis are separated by '{AXIS_VALUES}' "
                      f"({previous}{AXIS_VALUES}{entry}), a comma separates axes"
                      if isinstance(previous, str) and "=" in previous else "")
            raise ConfigError(f"sweep.axes: {entry!r} is not KEY=VALUE{AXIS_VALUES}VALUE...{joined}"
                              " (on the command line, axes whose values hold commas go in a "
                              "tuple: --config.sweep.axes='(\"KEY=(1,2)|(3,)\",)')")
        key, raw = (part.strip() for part in entry.split("=", 1))
        reserved = next((k for k in NOT_AXES if key == k or key.startswith(k + ".")), None)
        if reserved:
            raise ConfigError(f"sweep.axes: {key} cannot be an axis (set {NOT_AXES[reserved]})")
        if key in seen:
            raise ConfigError(f"sweep.axes: {key} is given twice")
        seen.add(key)
        texts = [t.strip() for t in raw.split(AXIS_VALUES)]
        if not raw.strip() or not all(texts):
            raise ConfigError(f"sweep.axes: {key} has an empty value in {raw!r}")
        values = []
        for text in texts:
            value = _parsed(config, f"{key}={text}", "sweep.axes")
            if any(value == v for _, _, v in values):
                raise ConfigError(f"sweep.axes: {key} repeats the value {text!r}")
            values.append((key, text, value))
        axes.append(values)
    return axes


def sweep_per_task(config: ml_collections.ConfigDict) -> list[tuple[str, str, Any]]:
    """The parsed `sweep.per_task`: (task, key, value) per entry, checked like overrides. A task
    entry sets its own phase only (intermediate.* for an intermediate task; target.* or
    evaluate.* for a target), so that intermediate phases stay shared between targets."""
    from jaxstilts.tasks.registry import get_task

    parsed = []
    for entry in config.sweep.per_task:
        task, _, setting = str(entry).partition(":")
        task, setting = task.strip(), setting.strip()
        key = setting.split("=", 1)[0].strip()
        if not task or "=" not in setting:
            raise ConfigError(f"sweep.per_task: {entry!r} is not 'TASK: KEY=VALUE'")
        try:
            get_task(task)
        except KeyError:
            raise ConfigError(f"sweep.per_task: {entry!r} names no task {task!r}") from None
        if key.split(".")[0] not in ("intermediate", "target", "evaluate") or key in (
                "intermediate.tasks", "target.task"):
            raise ConfigError(f"sweep.per_task: {entry!r} sets {key}; a task entry sets "
                              "intermediate.*, target.* or evaluate.* settings")
        parsed.append((task, key, _parsed(config, setting, "sweep.per_task")))
    return parsed


def sweep_runs(config: ml_collections.ConfigDict) -> list[SweepRun]:
    """Every run of a sweep: (baseline and) each intermediate entry ('a+b': multi-task) x each
    target x each combination of axis values x each seed. A baseline has no intermediate phase,
    so it is run once over the values of `intermediate.*` axes."""
    s = config.sweep
    if not all(re.fullmatch(r"-?\d+", str(seed).strip()) for seed in s.seeds):
        raise ConfigError(f"sweep.seeds: expected whole numbers, got {tuple(s.seeds)}")
    seeds = [None] if not s.seeds else [int(str(seed).strip()) for seed in s.seeds]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"sweep.seeds repeats a seed: {tuple(s.seeds)}")
    inters = ([()] if s.baseline else []) + [tuple(e.split("+")) for e in s.intermediate]
    targets = list(s.targets) or [config.target.task]
    runs: dict[str, SweepRun] = {}
    for seed in seeds:
        for settings in itertools.product(*sweep_axes(config)):
            for inter in inters:
                kept = settings if inter else tuple(
                    x for x in settings if not x[0].startswith("intermediate."))
                for target in targets:
                    run = SweepRun(inter, target, kept, seed)
                    runs.setdefault(run.name, run)
    return list(runs.values())


def sweep_configs(config: ml_collections.ConfigDict
                  ) -> list[tuple[SweepRun, ml_collections.ConfigDict]]:
    """Every run of the sweep with its config (`sweep.per_task` parsed once for all)."""
    runs = sweep_runs(config)
    per_task = sweep_per_task(config)
    return [(run, run.config(config, per_task)) for run in runs]


def run_sweep(config: ml_collections.ConfigDict, sweep_dir: str | Path,
              progress: bool = False, allow_config_change: bool = False) -> list[dict]:
    """Every run of the sweep; finished runs are skipped, interrupted ones resumed.

    Each run's config is built and checked before any compute. Intermediate phases live in
    `sweep_dir/intermediate/<tasks>[__settings][__seed=N]` and are shared by every run with the
    same intermediate settings: all targets, and all values of target-only axes (`target.*`,
    `evaluate.*`). A different seed trains its own intermediate phase (the seed sets its head
    init, data order and dropout). A target's preparatory stages (XCOPA's SIQA) live in
    `sweep_dir/prepare/<run name without AFTER_PREPARE settings>/`, shared likewise.
    """
    runs = sweep_configs(config)
    for run, run_config in runs:
        try:
            validate_config(run_config)
        except (ValueError, KeyError) as e:
            raise ConfigError(f"sweep run {run.name}: {e}") from None
    sweep_dir = abs_path(sweep_dir)
    records = []
    started, ran = time.monotonic(), 0
    for i, (run, run_config) in enumerate(runs, 1):
        run_dir = sweep_dir / "runs" / run.name
        if (run_dir / "run.json").exists():
            open_run(run_config, run_dir, allow_config_change)  # may reopen phases
        if (run_dir / "run.json").exists():
            records.append(json.loads((run_dir / "run.json").read_text()))
            notice.info("%s is finished; skipping it", run_dir.name)
            continue
        left = ""
        if ran:  # runs of one sweep take alike (shared phases make later ones shorter)
            per_run = (time.monotonic() - started) / ran
            left = f"; about {_minutes(per_run * (len(runs) - i + 1))} left for this and the rest"
        notice.info("run %d of %d: %s%s", i, len(runs), run.name, left)
        inter = run.intermediate_name
        inter_dir = sweep_dir / "intermediate" / inter if inter else None
        records.append(run_experiment(run_config, run_dir, intermediate_dir=inter_dir,
                                      prepare_dir=sweep_dir / "prepare" / run.prepare_name,
                                      progress=progress, allow_config_change=allow_config_change,
                                      coordinates=run.coordinates()))
        ran += 1
    return records


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
