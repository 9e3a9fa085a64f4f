"""A sweep as a plan: the runs its config names, and the phase jobs that make them.

`plan_sweep(config)` lists the jobs in the order the local launcher runs them: each intermediate
phase once (shared by every run with the same intermediate settings), each preparatory stage of a
target once (XCOPA's SIQA), and each run (its target phase and evaluation). A job is data: its
folder in the sweep (`id`), its run's config as plain JSON, the jobs it waits for and the
resources a launcher gives it. `write_plan` stores the plan in `<sweep>/plan.json`, so that any
process on any machine can run one job, or tell the state of the grid, from the workdir alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import ml_collections

from jaxstilts.config import ConfigError
from jaxstilts.experiment.run import STAGES, config_from_json
from jaxstilts.experiment.setup import validate_config
from jaxstilts.sweep.grid import sweep_configs
from jaxstilts.tasks import target_training
from jaxstilts.train.checkpoint import abs_path
from jaxstilts.workdir import lock_holder

PLAN_FILE = "plan.json"
RECORDS = "jobs"  # <sweep>/jobs/<job id>/: what launchers record of a job (failed.json, times.json)
KINDS = ("intermediate", "prepare", "run")
STATES = ("done", "running", "failed", "waiting", "ready")


@dataclass(frozen=True)
class Job:
    """One phase job of a sweep. `id` is its folder in the sweep (`intermediate/<name>`,
    `prepare/<run>/<stages>`, `runs/<name>`); `spec` says what it runs: an intermediate phase's
    tasks, a preparatory stage's task and the job whose encoder it starts from, a run's shared
    folders and its place in the sweep."""

    id: str
    kind: str
    config: dict  # the run's config as JSON (`config.to_json_best_effort`)
    waits_for: tuple[str, ...] = ()
    resources: dict = field(default_factory=dict)  # e.g. {"CPU": 1.0}, {"GPU": 1.0}
    spec: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "waits_for": list(self.waits_for),
                "resources": self.resources, "spec": self.spec, "config": self.config}

    @classmethod
    def from_json(cls, record: dict) -> Job:
        return cls(record["id"], record["kind"], record["config"], tuple(record["waits_for"]),
                   dict(record["resources"]), dict(record["spec"]))

    def run_config(self) -> ml_collections.ConfigDict:
        """The experiment config this job runs with (checked; user tasks registered), built as
        `SweepRun.config` builds it, so that it records (`config.json`) the same."""
        config = ml_collections.ConfigDict(config_from_json(self.config).to_dict())
        validate_config(config)
        return config


def job_resources(config: ml_collections.ConfigDict) -> dict[str, float]:
    """`sweep.job_resources` less the zero entries: what a launcher reserves for each job."""
    resources = {}
    for key, value in config.sweep.job_resources.items():
        if not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"sweep.job_resources.{key}: expected a number >= 0, got {value!r}")
        if value:
            resources[key] = float(value)
    return resources


def plan_sweep(config: ml_collections.ConfigDict) -> list[Job]:
    """The sweep's jobs in the local launcher's order (a shared phase just before the first run
    that needs it). Every run's config is built and checked first: a bad one is a one-line
    `ConfigError` naming the run, before any compute."""
    runs = sweep_configs(config)
    for run, run_config in runs:
        try:
            validate_config(run_config)
        except (ValueError, KeyError) as e:
            raise ConfigError(f"sweep run {run.name}: {e}") from None
    resources = job_resources(config)
    jobs: dict[str, Job] = {}
    for run, run_config in runs:
        plain = json.loads(run_config.to_json_best_effort())
        waits: tuple[str, ...] = ()
        inter = None
        if run.intermediate_name:
            inter = f"intermediate/{run.intermediate_name}"
            jobs.setdefault(inter, Job(inter, "intermediate", plain, (), resources,
                                       {"tasks": list(run.intermediate)}))
            waits = (inter,)
        prepare = f"prepare/{run.prepare_name}"
        stages = target_training(run_config)[:-1]  # e.g. XCOPA: (siqa,); the rest: ()
        for i, stage in enumerate(stages):
            job_id = f"{prepare}/{STAGES.join(stages[:i + 1])}"
            jobs.setdefault(job_id, Job(job_id, "prepare", plain, waits, resources,
                                        {"stage": stage, "init_from": waits[0] if waits else None}))
            waits = (job_id,)
        job_id = f"runs/{run.name}"
        jobs[job_id] = Job(job_id, "run", plain, waits, resources,
                           {"intermediate": inter, "prepare": prepare,
                            "coordinates": run.coordinates()})
    return list(jobs.values())


def write_plan(jobs: list[Job], sweep_dir) -> None:
    """`<sweep>/plan.json`: the jobs, in order, with their configs and dependencies."""
    import jax

    if jax.process_index() == 0:
        sweep_dir = abs_path(sweep_dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        (sweep_dir / PLAN_FILE).write_text(json.dumps({"jobs": [j.to_json() for j in jobs]},
                                                      indent=1))


def read_plan(sweep_dir) -> list[Job]:
    """The jobs of the sweep in `sweep_dir` (its `plan.json`)."""
    file = abs_path(sweep_dir) / PLAN_FILE
    if not file.exists():
        raise FileNotFoundError(f"{file}: no sweep plan here (`jaxstilts sweep CONFIG --workdir "
                                f"{sweep_dir}` writes it)")
    return [Job.from_json(record) for record in json.loads(file.read_text())["jobs"]]


def record_dir(sweep_dir, job_id: str):
    """Where launchers keep what they know of a job (`failed.json`, `times.json`), apart from
    its results, so that a job's folder holds what the job wrote and nothing else."""
    return abs_path(sweep_dir) / RECORDS / job_id


def is_done(job: Job, sweep_dir) -> bool:
    folder = abs_path(sweep_dir) / job.id
    return (folder / ("run.json" if job.kind == "run" else "done.json")).exists()


def job_state(job: Job, sweep_dir, jobs: dict[str, Job] | None = None) -> str:
    """done (its result is there), running (a live process holds its folder's lock), failed (its
    last try left `failed.json`), waiting (a job it waits for is not done) or ready."""
    if is_done(job, sweep_dir):
        return "done"
    if lock_holder(abs_path(sweep_dir) / job.id) is not None:
        return "running"
    if (record_dir(sweep_dir, job.id) / "failed.json").exists():
        return "failed"
    jobs = jobs or {}
    if any(not is_done(jobs[d], sweep_dir) if d in jobs else True for d in job.waits_for):
        return "waiting"
    return "ready"
