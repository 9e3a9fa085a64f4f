"""The STILTs protocol as phases: pretrained → [intermediate] → target → zero-shot evaluation.

    run_experiment(load_config("configs/demo.py"), "runs/demo")

Each phase works in its own folder and leaves `done.json` when it finishes, so a re-run skips
finished phases and resumes an interrupted one from its checkpoints. The intermediate phase's
folder can be shared by every target of a sweep. Retrieval targets (BUCC, Tatoeba) have no
training data: they are evaluated straight from the intermediate encoder.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import subprocess
from pathlib import Path

import jax
import ml_collections
import numpy as np
from etils import epath
from flax import nnx

from jaxstilts.data.arrays import ArraySource
from jaxstilts.data.mlm import MaskedSource
from jaxstilts.data.multitask import TaskSampler, task_probabilities
from jaxstilts.data.pipeline import BatchLoader, LoaderConfig
from jaxstilts.evaluate.evaluator import evaluate_task
from jaxstilts.model import XLMRConfig, load_pretrained, load_tokenizer
from jaxstilts.model.heads import default_retrieval_layer
from jaxstilts.model.modeling import MultiTaskModel
from jaxstilts.model.partitioning import make_mesh
from jaxstilts.model.tokenizer import tiny_tokenizer_dir
from jaxstilts.tasks import FeaturizeConfig, featurize, get_task, load_examples, task_from_config
from jaxstilts.tasks.base import Kind
from jaxstilts.train.checkpoint import abs_path, restore_encoder, restore_params
from jaxstilts.train.loop import LoopConfig, TaskFeed, train
from jaxstilts.train.optim import OptimConfig

log = logging.getLogger(__name__)

HEAD_OF_KIND = {Kind.PAIR_CLASSIFICATION: "classification",
                Kind.MULTIPLE_CHOICE: "multiple_choice",
                Kind.SPAN_EXTRACTION: "span", Kind.TAGGING: "tagging"}
MLM_TASK = "mlm"


# ---------------------------------------------------------------- set-up


def validate_config(config: ml_collections.ConfigDict) -> None:
    """Check names and values before any compute: unknown tasks, impossible settings."""
    for spec in config.get("user_tasks", ()):
        task_from_config(spec, register_task=True)
    for name in config.intermediate.tasks:
        task = get_task(name)
        if task.kind == Kind.RETRIEVAL:
            raise ValueError(f"intermediate.tasks: {name} is a retrieval task (no training data)")
    if config.target.task:
        get_task(config.target.task)
    if config.intermediate.mlm_rate and not config.intermediate.tasks:
        raise ValueError("intermediate.mlm_rate needs intermediate.tasks")
    for phase in ("intermediate", "target"):
        p = config[phase]
        if p.batch_size < 1:
            raise ValueError(f"{phase}.batch_size must be >= 1, got {p.batch_size}")
        if p.steps < 0 or p.epochs < 0 or (p.steps == 0 and p.epochs == 0):
            raise ValueError(f"{phase}: set steps > 0 or epochs > 0")
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
    extra = dict(dtype=m.dtype, remat=m.remat, matmul_precision=m.matmul_precision)
    if m.pretrained:
        from jaxstilts.model.hf import resolve_folder

        return XLMRConfig.from_hf(resolve_folder(m.pretrained), **extra)
    return XLMRConfig.preset(m.preset, **extra)


def build_model(config: ml_collections.ConfigDict, heads: dict[str, tuple[str, int | None]],
                seed: int) -> MultiTaskModel:
    """A multi-task model whose encoder holds the pretrained weights (or a seeded init)."""
    model = MultiTaskModel(model_config(config), heads, rngs=nnx.Rngs(seed))
    if config.model.pretrained:
        pretrained = load_pretrained(config.model.pretrained, dtype=config.model.dtype,
                                     remat=config.model.remat)
        nnx.update(model.encoder, nnx.state(pretrained.encoder, nnx.Param))
    return model


# ---------------------------------------------------------------- data


# Input fields that character noise may touch, per kind; never contexts of QA (the gold answers
# are spans of them) and never labels.
NOISY_FIELDS = {Kind.PAIR_CLASSIFICATION: ("text_a", "text_b"),
                Kind.MULTIPLE_CHOICE: ("context", "choices"),
                Kind.SPAN_EXTRACTION: ("question",), Kind.TAGGING: ("tokens",)}


def with_noise(examples, perturb, tag: str):
    """A copy of `examples` whose input text went through `perturb` (lists element-wise)."""
    import dataclasses

    fields = [f for f in NOISY_FIELDS.get(examples.task.kind, ()) if f in examples.rows.features]

    def noisy(row):
        return {f: [perturb(t) for t in row[f]] if isinstance(row[f], list) else perturb(row[f])
                for f in fields}

    rows = examples.rows.map(noisy, keep_in_memory=True, desc=f"noise {tag}")
    return dataclasses.replace(examples, rows=rows, fingerprint=f"{examples.fingerprint}-{tag}")


def features_of(config, task_name: str, split: str, tokenizer, language=None, labels=None,
                perturb=None, tag: str = ""):
    """Examples of one split, featurized (cached under data.cache_dir). A task with no source
    of the configured kind (a user task with local files only) is read from its local files.
    `perturb` (with a `tag` naming it) adds character noise to the inputs."""
    data = config.data
    task = get_task(task_name)
    source = data.source if task.sources.of(data.source) else "local"
    examples = load_examples(task, split, language, source=source,
                             data_dir=data.data_dir or None, skip_invalid=data.skip_invalid)
    if perturb is not None:
        examples = with_noise(examples, perturb, tag)
    return featurize(examples, tokenizer, FeaturizeConfig(max_length=data.max_length or None),
                     labels=labels, cache_dir=data.cache_dir or None)


def head_of(task_name: str, features) -> tuple[str, int | None]:
    task = get_task(task_name)
    kind = HEAD_OF_KIND[task.kind]
    n = len(features.labels) if kind in ("classification", "tagging") else None
    return kind, n


def training_task(task_name: str) -> str:
    """The task whose English data trains a target (XNLI is trained on MNLI)."""
    return get_task(task_name).train_task or task_name


def _feed(config, features, phase, seed: int, valid_features=None) -> TaskFeed:
    shard = dict(shard_index=jax.process_index(), shard_count=jax.process_count())
    p = config[phase]
    loader = BatchLoader(features, LoaderConfig(batch_size=p.batch_size, train=True, seed=seed,
                                                num_epochs=None, **shard))
    validation = []
    if valid_features is not None:
        cap = min(len(valid_features), p.validation_examples)
        vloader = BatchLoader(valid_features, LoaderConfig(batch_size=p.batch_size, train=False,
                                                           num_epochs=1, **shard))
        seen = 0
        for batch in vloader:
            if seen >= cap:
                break
            validation.append(batch)
            seen += int(batch["valid"].sum())
    kind = HEAD_OF_KIND[features.task.kind]
    return TaskFeed(kind, iter(loader), validation)


def _mlm_feed(config, tokenizer, seed: int) -> TaskFeed:
    """Continued multilingual MLM over plain-text files (one sentence per line)."""
    from jaxstilts.tasks import demo_mlm_files

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


def _phase_steps(p, sizes: dict[str, int]) -> int:
    if p.steps:
        return p.steps
    return max(1, math.ceil(p.epochs * sum(sizes.values()) / p.batch_size))


def _loop_config(p, total: int, seed: int, progress: bool) -> LoopConfig:
    return LoopConfig(total_steps=total, log_every=p.log_every,
                      checkpoint_every=p.checkpoint_every, validate_every=p.validate_every,
                      patience=p.patience, seed=seed, progress=progress)


def _optim(p) -> OptimConfig:
    o = p.optim
    return OptimConfig(lr=o.lr, eps=o.eps, weight_decay=o.weight_decay, clip_norm=o.clip_norm,
                       warmup_fraction=o.warmup_fraction,
                       accumulation_steps=o.accumulation_steps,
                       frozen_embeddings=o.frozen_embeddings)


def run_phase(config, phase: str, tasks: list[str], folder, mesh, tokenizer,
              init_encoder_from=None, progress: bool = False) -> dict:
    """Train `tasks` (intermediate: several; target: its English training task) in `folder`."""
    folder = abs_path(folder)
    if (done := _done(folder)) is not None:
        log.info("%s phase in %s is done; skipping", phase, folder)
        return done
    folder.mkdir(parents=True, exist_ok=True)
    p, seed = config[phase], config.seed
    feeds, heads, sizes = {}, {}, {}
    for i, name in enumerate(tasks):
        train_name = training_task(name) if phase == "target" else name
        train_features = features_of(config, train_name, "train", tokenizer, "en")
        labels = train_features.labels
        valid = None
        if p.validate_every and "validation" in get_task(train_name).splits:
            valid = features_of(config, train_name, "validation", tokenizer, "en", labels)
        feeds[name] = _feed(config, train_features, phase, seed + i, valid)
        heads[name] = head_of(train_name, train_features)
        sizes[name] = len(train_features)
    sampling = p.get("sampling", "proportional")
    probs = task_probabilities(sizes, sampling, p.get("temperature", 2.0), p.get("cap") or None)
    mlm_rate = p.get("mlm_rate", 0.0)
    if mlm_rate:
        feeds[MLM_TASK] = _mlm_feed(config, tokenizer, seed)
        heads[MLM_TASK] = ("mlm", None)
    sampler = TaskSampler(probs, seed=seed, mlm_task=MLM_TASK if mlm_rate else None,
                          mlm_rate=mlm_rate)
    model = build_model(config, heads, seed)
    if jax.process_index() == 0:
        (folder / "model_config.json").write_text(json.dumps(model.config.to_hf_dict(), indent=2))
    total = _phase_steps(p, sizes)
    result = train(model, feeds, sampler, _optim(p), _loop_config(p, total, seed, progress),
                   folder, mesh, init_encoder_from=init_encoder_from)
    record = {"phase": phase, "tasks": tasks, "heads": {k: list(v) for k, v in heads.items()},
              "sizes": sizes, "steps": result.final_step, "best_score": result.best_score,
              "best_step": result.best_step, "stopped_early": result.stopped_early,
              "history": result.history}
    if not result.preempted:
        _mark_done(folder, record)
    return record


def evaluate_phase(config, target: str, folder, mesh, tokenizer, encoder_from,
                   head_record: dict | None, progress: bool = False) -> dict:
    """Zero-shot evaluation of `target` in all its (or the configured) languages."""
    folder = abs_path(folder)
    if (done := _done(folder)) is not None:
        return done
    folder.mkdir(parents=True, exist_ok=True)
    task = get_task(target)
    languages = tuple(config.evaluate.languages) or task.languages_of(config.evaluate.split)
    if head_record:
        heads = {k: tuple(v) for k, v in head_record["heads"].items()}
    else:
        heads = {}
    model = build_model(config, heads, config.seed)
    graphdef, state = nnx.split(model, nnx.Param)
    params = on_mesh(state, mesh)
    if encoder_from is not None:
        params["encoder"] = restore_encoder(encoder_from, params["encoder"])
        if head_record:
            params["heads"] = restore_params(encoder_from, params["heads"], "heads")
    layer = config.evaluate.retrieval_layer or default_retrieval_layer(model.config)
    if task.kind == Kind.RETRIEVAL:
        evaluations = [_evaluate_retrieval(config, target, lang, (graphdef, params), mesh,
                                           tokenizer, layer, folder, progress)
                       for lang in languages]
        scores = {k: v for e in evaluations for k, v in e.scores.items()}
    else:
        labels = tuple(head_record["labels"]) if head_record and head_record.get("labels") else None
        features = features_of(config, target, config.evaluate.split, tokenizer, languages,
                               labels)
        evaluation = evaluate_task((graphdef, params), _metric_task(target), features,
                                   output_dir=folder, batch_size=config.evaluate.batch_size,
                                   mesh=mesh, head=target, label_names=features.labels,
                                   progress=progress)
        scores = evaluation.scores
    record = {"target": target, "languages": list(languages), "results": {target: scores}}
    if config.evaluate.noise_rates and task.kind != Kind.RETRIEVAL:
        record["noise"] = _noise_scores(config, target, (graphdef, params), mesh, tokenizer,
                                        languages, labels)
        (folder / "noise.json").write_text(json.dumps(record["noise"], indent=2))
    _mark_done(folder, record)
    return record


def _noise_scores(config, target, model, mesh, tokenizer, languages, labels) -> dict:
    """Per-language scores under character noise at each configured rate (fixed seed)."""
    from jaxstilts.evaluate.perturb import perturber

    seed, out = config.evaluate.noise_seed, {}
    for rate in (float(r) for r in config.evaluate.noise_rates):
        features = features_of(config, target, config.evaluate.split, tokenizer, languages,
                               labels, perturb=perturber(rate, seed=seed),
                               tag=f"noise-{rate}-{seed}")
        out[str(rate)] = evaluate_task(model, _metric_task(target), features, mesh=mesh,
                                       head=target, batch_size=config.evaluate.batch_size,
                                       label_names=features.labels).scores
    return out


def _metric_task(name: str) -> str:
    """The official scorer a task is scored with: its own, or the XTREME task of its kind
    (`xquad_xtreme_r` as `xquad`; the demo's `demo_xnli` as `xnli`)."""
    from jaxstilts.evaluate.evaluator import TASK_KINDS

    for candidate in (name, name.removesuffix("_xtreme_r")):
        if candidate in TASK_KINDS:
            return candidate
    task = get_task(name)
    by_kind = {Kind.PAIR_CLASSIFICATION: "xnli", Kind.MULTIPLE_CHOICE: "xcopa",
               Kind.TAGGING: "panx" if task.metric == "seqeval_f1" else "udpos",
               Kind.SPAN_EXTRACTION: "mlqa" if task.metric == "mlqa" else "xquad"}
    if task.kind not in by_kind:
        raise ValueError(f"task {name}: no official scorer for a {task.kind} task")
    return by_kind[task.kind]


def on_mesh(state: nnx.State, mesh) -> dict:
    """Parameters as global arrays laid out by the partitioning rules; every process passes the
    same host values (seeded init or loaded weights), so this works across hosts too."""
    from jaxstilts.model.partitioning import state_shardings

    shardings = nnx.to_pure_dict(state_shardings(state, mesh))
    values = jax.tree.map(np.asarray, nnx.to_pure_dict(state))
    return jax.tree.map(lambda v, s: jax.make_array_from_callback(v.shape, s, lambda i: v[i]),
                        values, shardings)


def _evaluate_retrieval(config, target, lang, model, mesh, tokenizer, layer, folder,
                        progress=False):
    features = features_of(config, target, config.evaluate.split, tokenizer, lang)
    threshold = None
    if target == "bucc2018":  # the mining threshold is chosen on dev, then applied to test
        threshold = _bucc_dev_threshold(config, lang, model, mesh, tokenizer, layer)
    return evaluate_task(model, _metric_task(target), features, output_dir=folder,
                         batch_size=config.evaluate.batch_size, mesh=mesh, layer=layer,
                         links=features.examples.gold, bucc_threshold=threshold,
                         progress=progress)


def _bucc_dev_threshold(config, lang, model, mesh, tokenizer, layer) -> float:
    from jaxstilts.evaluate.metrics import bucc
    from jaxstilts.evaluate.predict import feature_column, predict

    dev = features_of(config, "bucc2018", "validation", tokenizer, lang)
    vectors = predict(model, dev, "retrieval", config.evaluate.batch_size, mesh,
                      layer=layer)["vectors"]
    ids = np.asarray(feature_column(dev, "id"))
    sides = np.asarray(feature_column(dev, "side"))
    q, c = np.flatnonzero(sides == "query"), np.flatnonzero(sides == "candidate")
    candidates = bucc.mine_candidates(ids[q].tolist(), vectors[q], ids[c].tolist(), vectors[c])
    gold = [(qid, cid) for qid in ids[q].tolist() for cid in dev.examples.gold.get(qid, ())]
    return bucc.best_threshold(candidates, gold)


# ---------------------------------------------------------------- experiments


def run_name(intermediate: list[str], target: str) -> str:
    inter = "+".join(intermediate) if intermediate else "baseline"
    return f"{inter}__{target}"


def describe_environment() -> dict:
    import importlib.metadata as md

    from jaxstilts import __version__

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
                   intermediate_dir: str | Path | None = None, progress: bool = False) -> dict:
    """One experiment; `intermediate_dir` lets a sweep share intermediate phases."""
    validate_config(config)
    workdir = abs_path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if jax.process_index() == 0:
        (workdir / "config.json").write_text(config.to_json_best_effort(indent=2))
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
    task = get_task(target)
    head_record = None
    if task.kind != Kind.RETRIEVAL:
        target_dir = workdir / "target"
        head_record = run_phase(config, "target", [target], target_dir, mesh, tokenizer,
                                init_encoder_from=encoder_from, progress=progress)
        head_record["labels"] = _labels_of(config, target, tokenizer)
        encoder_from = target_dir
    evaluation = evaluate_phase(config, target, workdir / "eval", mesh, tokenizer, encoder_from,
                                head_record, progress)
    record = _run_record(config, inter_tasks, target, evaluation)
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
        raise FileNotFoundError(f"{run_file}: not a finished run (no run.json)")
    previous = json.loads(run_file.read_text())
    target = previous["target"]
    mesh = make_mesh(config.mesh.data, config.mesh.fsdp, config.mesh.tensor)
    tokenizer = tokenizer_of(config)
    head_record = None
    if get_task(target).kind != Kind.RETRIEVAL:
        head_record = json.loads((workdir / "target" / "done.json").read_text())
        head_record["labels"] = _labels_of(config, target, tokenizer)
    marker = workdir / "eval" / "done.json"
    if marker.exists():
        marker.unlink()
    encoder_from = previous.get("encoder_from")
    evaluation = evaluate_phase(config, target, workdir / "eval", mesh, tokenizer,
                                encoder_from, head_record)
    record = {**_run_record(config, previous["intermediate"], target, evaluation),
              "encoder_from": encoder_from}
    if jax.process_index() == 0:
        run_file.write_text(json.dumps(record, indent=2))
    return record


def _labels_of(config, target, tokenizer) -> list[str] | None:
    """The label names the target head was trained with (from its training task)."""
    task = get_task(training_task(target))
    if task.labels is not None:
        return list(task.labels)
    return list(features_of(config, task.name, "train", tokenizer, "en").labels)


def _run_record(config, intermediate: list[str], target: str, evaluation: dict) -> dict:
    from jaxstilts.evaluate.xtreme import average_over_languages, task_score

    scores = evaluation["results"][target]
    metric_task = _metric_task(target)
    average = average_over_languages(scores) if scores else {}
    score = task_score(metric_task, average) if average else None
    record = {"name": run_name(intermediate, target), "intermediate": intermediate,
              "target": target, "status": "done", "metric": get_task(target).metric,
              "score": score, "average": average, "results": evaluation["results"]}
    if "noise" in evaluation:
        record["noise"] = evaluation["noise"]
    return record


def sweep_runs(config: ml_collections.ConfigDict) -> list[tuple[list[str], str]]:
    """(intermediate tasks, target) of every run in a sweep; 'a+b' is a multi-task entry."""
    s = config.sweep
    inters = [entry.split("+") for entry in s.intermediate]
    targets = list(s.targets) or [config.target.task]
    runs = [([], t) for t in targets] if s.baseline else []
    return runs + [(inter, t) for inter in inters for t in targets]


def run_sweep(config: ml_collections.ConfigDict, sweep_dir: str | Path,
              progress: bool = False) -> list[dict]:
    """Every run of the sweep; finished runs are skipped, interrupted ones resumed.

    Intermediate phases live in `sweep_dir/intermediate/<tasks>` and are shared by all targets.
    """
    sweep_dir = abs_path(sweep_dir)
    records = []
    for inter, target in sweep_runs(config):
        run_dir = sweep_dir / "runs" / run_name(inter, target)
        if (run_dir / "run.json").exists():
            records.append(json.loads((run_dir / "run.json").read_text()))
            log.info("%s is finished; skipping", run_dir.name)
            continue
        run_config = ml_collections.ConfigDict(config.to_dict())
        run_config.intermediate.tasks = tuple(inter)
        run_config.target.task = target
        inter_dir = sweep_dir / "intermediate" / "+".join(inter) if inter else None
        records.append(run_experiment(run_config, run_dir, intermediate_dir=inter_dir,
                                      progress=progress))
    return records
