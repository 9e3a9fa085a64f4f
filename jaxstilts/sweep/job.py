"""One job of a sweep plan, run in this process: what every launcher runs.

`run_job(sweep_dir, job_id)` reads the job from `<sweep>/plan.json`, refuses to start before the
jobs it waits for are done, takes the lock of the job's own folder (so two processes never run
one job, and processes running different jobs never refuse each other), and runs it. A job that
fails leaves `jobs/<id>/failed.json` (its one-line error) and raises; a finished one leaves
`jobs/<id>/times.json` (when it ran, how long, where), from which status estimates time left.
A preempted job (SIGTERM) has saved its checkpoint and raises `Preempted`, as a run does.
"""

from __future__ import annotations

import datetime
import json
import logging
import socket
import time
import traceback
from pathlib import Path

import jax

from jaxstilts.config import ConfigError
from jaxstilts.experiment.model import tokenizer_of
from jaxstilts.experiment.phases import run_phase
from jaxstilts.experiment.run import run_experiment
from jaxstilts.experiment.setup import mesh_of
from jaxstilts.paths import abs_path
from jaxstilts.sweep.plan import Job, is_done, job_state, read_plan, record_dir
from jaxstilts.train.preemption import Preempted
from jaxstilts.workdir import hold, open_run

notice = logging.getLogger("jaxstilts.train.notice")  # shown without -v: what a re-run skips

FAILED, TIMES = "failed.json", "times.json"


class JobNotReady(RuntimeError):
    """A job asked to run before the jobs it waits for are done."""


def find_job(jobs: list[Job], job_id: str) -> Job:
    by_id = {job.id: job for job in jobs}
    if job_id not in by_id:
        raise ConfigError(f"job {job_id!r} is not in the sweep's plan; its jobs: "
                          f"{', '.join(by_id)}")
    return by_id[job_id]


def run_job(sweep_dir: str | Path, job_id: str, *, jobs: list[Job] | None = None,
            progress: bool = False, allow_config_change: bool = False) -> dict:
    """Run one job of the plan in `sweep_dir` (`jobs`: the plan, when the caller has read it);
    returns its record (`done.json`'s, or a run's `run.json`). Raises `WorkdirBusy` when another
    process runs it, `JobNotReady` when a job it waits for is not done."""
    sweep_dir = abs_path(sweep_dir)
    jobs = read_plan(sweep_dir) if jobs is None else jobs
    job = find_job(jobs, job_id)
    by_id = {j.id: j for j in jobs}
    for dep in job.waits_for:
        if not is_done(by_id[dep], sweep_dir):
            raise JobNotReady(f"job {job.id} waits for {dep}, which is "
                              f"{job_state(by_id[dep], sweep_dir, by_id)}")
    records = record_dir(sweep_dir, job.id)
    with hold(sweep_dir / job.id, f"job {job.id}"):
        if jax.process_index() == 0 and (records / FAILED).exists():
            (records / FAILED).unlink()  # a new try
        started = time.time()
        try:
            record, worked = _run(job, sweep_dir, progress, allow_config_change)
        except Exception as e:
            if not isinstance(e, Preempted):  # preempted: saved, a re-run resumes
                _write(records / FAILED, {"error": one_line(e), "type": type(e).__name__,
                                          "at": _now(), "host": socket.gethostname(),
                                          "traceback": traceback.format_exc()})
            raise
    if worked:
        _write(records / TIMES, {"started": started, "finished": time.time(),
                                 "seconds": round(time.time() - started, 1),
                                 "host": socket.gethostname()})
    return record


def one_line(e: BaseException) -> str:
    """An error as the command line says it: its message on one line."""
    text = e.args[0] if isinstance(e, KeyError) and e.args else e
    return " ".join(f"{type(e).__name__}: {text}".split()) if not isinstance(
        e, (ConfigError, OSError, ValueError)) else " ".join(str(text).split())


def _run(job: Job, sweep_dir, progress: bool, allow_config_change: bool) -> tuple[dict, bool]:
    """(the job's record, whether it did any work)."""
    config = job.run_config()
    folder = sweep_dir / job.id
    if job.kind == "run":
        spec = job.spec
        if (folder / "run.json").exists():
            open_run(config, folder, allow_config_change)  # may reopen phases
        if (folder / "run.json").exists():
            notice.info("%s is finished; skipping it", folder.name)
            return json.loads((folder / "run.json").read_text()), False
        inter = spec["intermediate"]
        record = run_experiment(config, folder,
                                intermediate_dir=sweep_dir / inter if inter else None,
                                prepare_dir=sweep_dir / spec["prepare"], progress=progress,
                                allow_config_change=allow_config_change,
                                coordinates=spec["coordinates"])
        return record, True
    worked = not is_done(job, sweep_dir)
    mesh = mesh_of(config)
    tokenizer = tokenizer_of(config)
    if job.kind == "intermediate":
        return run_phase(config, "intermediate", job.spec["tasks"], folder, mesh, tokenizer,
                         progress=progress), worked
    init = job.spec["init_from"]
    return run_phase(config, "target", [config.target.task], folder, mesh, tokenizer,
                     init_encoder_from=sweep_dir / init if init else None, progress=progress,
                     stage=job.spec["stage"]), worked


def read_record(sweep_dir, job_id: str, name: str) -> dict | None:
    file = record_dir(sweep_dir, job_id) / name
    return json.loads(file.read_text()) if file.exists() else None


def _write(file, record: dict) -> None:
    if jax.process_index() == 0:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(record, indent=2))


def _now() -> str:
    return datetime.datetime.now().isoformat(timespec="seconds")
