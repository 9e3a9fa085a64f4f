"""The training loop: sample a task, step, log, validate, checkpoint, resume, stop.

Host synchronisation happens only at log, validation and checkpoint boundaries; in between the
loop just enqueues jitted steps. Only good checkpoints are written (`good_rule`: finite losses and
a parameter norm within `max_param_growth` of the start), so "the last good checkpoint" of a
diverged run is the newest one on disk. SIGTERM/SIGINT save at the next step and raise
`Preempted` (see `preemption.py`). Everything that decides the future of a run — parameters,
optimizer state, step, iterator positions, early-stopping counters — is in the checkpoint, so a
killed run resumes exactly where its last checkpoint left it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import jax
import jax.numpy as jnp
import numpy as np
from etils import epath
from jax.sharding import Mesh

from jaxstilts.config_schema import check_fields
from jaxstilts.data.multitask import TaskSampler
from jaxstilts.model.attention import check_right_padded
from jaxstilts.model.modeling import MultiTaskModel
from jaxstilts.model.partitioning import batch_sharding
from jaxstilts.train.checkpoint import Checkpointer, restore_encoder, restore_params
from jaxstilts.train.events import ScalarLog
from jaxstilts.train.optim import OptimConfig, make_optimizer
from jaxstilts.train.preemption import Preempted, StopRequests
from jaxstilts.train.state import abstract_like, create_train_state
from jaxstilts.train.step import Steps

log = logging.getLogger(__name__)
# Where a run resumes from, and why it stopped, are always said: this logger shows INFO records
# even when the command logs only warnings (no -v).
notice = logging.getLogger("jaxstilts.train.notice")
notice.setLevel(logging.INFO)


class BatchSource(Protocol):
    """An endless iterator of numpy batches whose position can be saved and restored."""

    def __next__(self) -> dict[str, np.ndarray]: ...
    def get_state(self) -> Any: ...
    def set_state(self, state: Any) -> None: ...


@dataclasses.dataclass
class TaskFeed:
    """kind: the head kind. validation: batches scored by plain accuracy (synthetic data without
    examples); scorer: the task's metric on its validation examples (`evaluate/validation.py`,
    what the pipeline uses), called as `scorer(graphdef, params, mesh) -> 0..1`; it replaces
    `validation` when given."""

    kind: str
    train: BatchSource
    validation: list[dict[str, np.ndarray]] = dataclasses.field(default_factory=list)
    scorer: Callable[[Any, dict, Mesh], float] | None = None

    def validates(self) -> bool:
        return self.scorer is not None or bool(self.validation)


@dataclasses.dataclass(frozen=True)
class LoopConfig:
    total_steps: int
    log_every: int = 50
    checkpoint_every: int = 500
    validate_every: int = 1000  # jiant: every 1000 steps on 500 examples; 0: never
    patience: int = 30  # validations without improvement before stopping
    keep: int = 2  # last checkpoints kept (the best is kept apart)
    async_checkpoints: bool = True
    seed: int = 0  # dropout keys
    progress: bool = False  # a tqdm bar with ETA
    label: str = "train"  # the bar's: which run and phase
    max_param_growth: float = 10.0  # sane: |params| <= this x |params| at the start

    def __post_init__(self):
        check_fields(self, "target.")  # cadences and patience: the experiment keys' rules
        for name in ("total_steps", "keep"):
            if getattr(self, name) < 1:
                raise ValueError(f"LoopConfig.{name} must be >= 1, got {getattr(self, name)}")
        if not self.max_param_growth > 1:
            raise ValueError(f"LoopConfig.max_param_growth must be > 1, got "
                             f"{self.max_param_growth}")


class TrainingDiverged(RuntimeError):
    """The loss or the parameters left the sane range; names the step and the last good one."""


def good_rule(loop: LoopConfig) -> str:
    """What makes a checkpoint "good" (only good ones are saved)."""
    return (f"every loss and gradient norm up to it finite, and the global parameter norm finite "
            f"and at most {loop.max_param_growth:g}x the norm at the start of the phase")


@jax.jit
def _param_norm(params) -> jax.Array:
    leaves = jax.tree.leaves(params)
    return jnp.sqrt(sum(jnp.sum(jnp.square(x.astype(jnp.float32))) for x in leaves))


@dataclasses.dataclass
class TrainResult:
    workdir: str
    final_step: int
    best_score: float | None
    best_step: int | None
    stopped_early: bool
    resumed_from: int | None
    history: list[dict]
    params: dict  # the final parameters (pure dict of global arrays)


def put_batch(batch: dict[str, np.ndarray], mesh: Mesh) -> dict[str, jax.Array]:
    """A global array per key from this process's rows (multi-host: each process its shard)."""
    if "attention_mask" in batch:
        check_right_padded(batch["attention_mask"], "training batch attention_mask")
    return {k: jax.make_array_from_process_local_data(batch_sharding(mesh, v.ndim), v)
            for k, v in batch.items() if not isinstance(v, (str, bytes)) and v.dtype.kind in "iufb"}


def validate(steps: Steps, params: dict, feeds: dict[str, TaskFeed], mesh: Mesh) -> dict:
    """Each task's validation score (its metric via `scorer`, else accuracy on its batches),
    and their mean as the score."""
    per_task = {}
    for task, feed in feeds.items():
        if feed.scorer is not None:
            per_task[task] = float(feed.scorer(steps.graphdef, params, mesh))
            continue
        if not feed.validation:
            continue
        hits = count = 0.0
        for batch in feed.validation:
            m = jax.device_get(steps.evaluate(task, params, put_batch(batch, mesh)))
            hits += float(m["accuracy"]) * float(m["count"])
            count += float(m["count"])
        per_task[task] = hits / max(count, 1.0)
    score = float(np.mean(list(per_task.values()))) if per_task else None
    return {"score": score, "tasks": per_task}


def train(model: MultiTaskModel, feeds: dict[str, TaskFeed], sampler: TaskSampler,
          optim: OptimConfig, loop: LoopConfig, workdir: str | Path, mesh: Mesh, *,
          init_encoder_from: str | Path | None = None, init_heads: bool = False,
          on_log: Callable[[int, dict], None] | None = None) -> TrainResult:
    """Train `model` on `feeds` in `workdir`, resuming from its checkpoints if it has any.
    `init_heads`: the heads start from those of `init_encoder_from` too (a stage that goes on
    training the same heads, such as XCOPA's COPA after SIQA)."""
    kinds = {t: f.kind for t, f in feeds.items()}
    missing = set(kinds) - set(model.kinds)
    if missing:
        raise ValueError(f"tasks without a head in the model: {sorted(missing)}")
    tx = make_optimizer(optim, max(loop.total_steps // optim.accumulation_steps, 1))
    graphdef, state, shardings = create_train_state(model, tx, mesh)
    if init_encoder_from is not None:
        params = dict(state.params)
        params["encoder"] = restore_encoder(init_encoder_from, state.params["encoder"])
        if init_heads:
            params["heads"] = restore_params(init_encoder_from, state.params["heads"], "heads")
        state = state._replace(params=params)
        log.info("encoder%s initialised from %s", " and heads" if init_heads else "",
                 init_encoder_from)
    steps = Steps(graphdef, model.kinds, tx, shardings, mesh, dropout_seed=loop.seed,
                  frozen_embeddings=optim.frozen_embeddings)
    ckpt = Checkpointer(workdir, keep=loop.keep, async_save=loop.async_checkpoints)
    meta = {"best_score": None, "best_step": None, "bad_validations": 0, "history": []}
    resumed_from = None
    restored = ckpt.restore_latest(abstract_like(state, shardings))
    if restored is not None:
        state, data_state, meta = restored
        for task, s in data_state.items():
            feeds[task].train.set_state(s)
        resumed_from = int(jax.device_get(state.step))
        notice.info("resuming from step %d (%s/checkpoints/%d)", resumed_from, ckpt.workdir,
                    resumed_from)
        ckpt.restore_best(state, data_state, meta)
    if meta.get("start_param_norm") is None:  # fixed once per phase, kept across resumes
        meta["start_param_norm"] = float(jax.device_get(_param_norm(state.params)))

    writer = _summary_writer(workdir, resumed_from)
    bar = _progress(loop, resumed_from or 0)
    pending: list[tuple[int, str, dict]] = []
    last_good = resumed_from

    def flush() -> None:
        """Fetch queued metrics; stop on a non-finite loss before anything is saved."""
        records = jax.device_get([m for _, _, m in pending])
        for (step, task, _), m in zip(pending, records):
            if not (math.isfinite(float(m["loss"])) and math.isfinite(float(m["grad_norm"]))):
                ckpt.wait()
                raise TrainingDiverged(
                    f"loss became {float(m['loss'])} (grad norm {float(m['grad_norm'])}) at step "
                    f"{step + 1} on task {task!r}; {last_good_text()}")
        if records:
            summary = {f"train/{k}": float(np.mean([float(r[k]) for r in records]))
                       for k in ("loss", "accuracy", "grad_norm")}
            step = pending[-1][0] + 1
            if on_log:
                on_log(step, summary)
            if writer:
                writer.add(summary, step)
            if bar:
                bar.set_postfix(loss=f"{summary['train/loss']:.4f}")
        pending.clear()

    def last_good_text() -> str:
        where = (f"step {last_good} in {ckpt.workdir}/checkpoints" if last_good is not None
                 else "none (no checkpoint was saved)")
        return f"the last good checkpoint ({good_rule(loop)}) is {where}"

    def save(best: bool = False) -> None:
        """Save the state if it is sane (see `good_rule`); stop the run if it is not."""
        nonlocal last_good
        at = int(jax.device_get(state.step))
        norm = float(jax.device_get(_param_norm(state.params)))
        start = meta["start_param_norm"]
        if not (math.isfinite(norm) and norm <= loop.max_param_growth * start):
            ckpt.wait()
            raise TrainingDiverged(
                f"parameter norm {norm:.3g} at step {at} (on task {task!r}) is not within "
                f"{loop.max_param_growth:g}x its start {start:.3g}; not saved; "
                f"{last_good_text()}")
        data_state = {t: f.train.get_state() for t, f in feeds.items()}
        ckpt.save(state, data_state, meta, best=best)
        last_good = int(jax.device_get(state.step))

    def validate_and_save() -> bool:
        """Validate, keep the best, save; True when patience is exhausted."""
        flush()
        result = validate(steps, state.params, feeds, mesh)
        improved = result["score"] is not None and (
            meta["best_score"] is None or result["score"] > meta["best_score"])
        if improved:
            meta.update(best_score=result["score"], best_step=step, bad_validations=0)
        else:
            meta["bad_validations"] += 1
        meta["history"].append({"step": step, **result})
        if writer and result["score"] is not None:
            writer.add({"validation/score": result["score"]}, step)
        save(best=improved)
        return bool(loop.patience and meta["bad_validations"] >= loop.patience)

    step = int(jax.device_get(state.step))
    task = None
    stopped_early = False
    try:
        with StopRequests(ckpt.reached_preemption) as stop:
            while step < loop.total_steps:
                task = sampler.task_at(step)
                batch = put_batch(next(feeds[task].train), mesh)
                state, metrics = steps.train(task, state, batch)
                pending.append((step, task, metrics))
                step += 1
                if bar:
                    bar.update(1)
                if step % loop.log_every == 0:
                    flush()
                if loop.validate_every and step % loop.validate_every == 0:
                    if validate_and_save():
                        stopped_early = True
                        log.info("early stop at step %d: %d validations without improvement", step,
                                 meta["bad_validations"])
                        break
                elif step % loop.checkpoint_every == 0:
                    flush()
                    save()
                if stop.requested(step):
                    notice.warning("%s received: saving a checkpoint at step %d and stopping",
                                   stop.received, step)
                    flush()
                    save()
                    break
            flush()
            finished = not (stopped_early or stop.received)
            has_validation = any(f.validates() for f in feeds.values())
            validated = bool(meta["history"]) and meta["history"][-1]["step"] == step
            if (finished and has_validation and loop.validate_every and step % loop.validate_every
                    and not validated):  # (validated: resumed after the final validation)
                validate_and_save()  # the final state competes for "best" too
            if finished and step not in ckpt.latest.all_steps():
                save()
            ckpt.wait()
    finally:  # async saves finish and Orbax's threads stop, whatever happened
        ckpt.close()
        if writer:
            writer.close()
    if bar:
        bar.close()
    if stop.received:  # saved above (a signal after the last step finds the final save)
        preempted = Preempted(stop.received, step, ckpt.workdir)
        notice.warning("%s", preempted)
        raise preempted
    return TrainResult(str(workdir), step, meta["best_score"], meta["best_step"], stopped_early,
                       resumed_from, meta["history"], state.params)


def _summary_writer(workdir, resumed_from: int | None) -> ScalarLog | None:
    """TensorBoard scalars of process 0 (see `events.py`: no holes after a kill and resume)."""
    if jax.process_index() != 0:
        return None
    try:
        folder = epath.Path(workdir) / "tensorboard"
        folder.mkdir(parents=True, exist_ok=True)
        return ScalarLog(folder, resumed_from)
    except Exception as e:  # e.g. gs:// without a filesystem plugin: train on, without events
        log.warning("no TensorBoard events for %s (%s: %s)", workdir, type(e).__name__, e)
        return None


def _progress(loop: LoopConfig, start: int):
    if not loop.progress or jax.process_index() != 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=loop.total_steps, initial=start, unit="step", desc=loop.label)
