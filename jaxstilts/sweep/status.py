"""The state of a grid from its workdir alone, at any time and from any machine: jobs done,
running, waiting, failed (with each failure's one-line error), and the time left estimated from
the measured times of finished jobs."""

from __future__ import annotations

import statistics

from jaxstilts.sweep.job import FAILED, TIMES, read_record
from jaxstilts.sweep.plan import Job, job_state


def grid_states(jobs: list[Job], sweep_dir) -> dict[str, str]:
    """Job id -> state; a job that waits (directly or not) on a failed job is `blocked`."""
    by_id = {job.id: job for job in jobs}
    states = {job.id: job_state(job, sweep_dir, by_id) for job in jobs}
    for job in jobs:  # plan order: a job's dependencies come before it
        if states[job.id] in ("waiting", "ready") and any(
                states.get(d) in ("failed", "blocked") for d in job.waits_for):
            states[job.id] = "blocked"
    return states


def counts(states: dict[str, str]) -> str:
    """'3 done, 1 running, 4 waiting, 0 failed' (blocked jobs counted with the failed)."""
    n = {s: sum(1 for v in states.values() if v == s)
         for s in ("done", "running", "ready", "waiting", "failed", "blocked")}
    text = (f"{n['done']} done, {n['running']} running, {n['ready'] + n['waiting']} waiting, "
            f"{n['failed']} failed")
    return text + (f" ({n['blocked']} more wait on a failed job)" if n["blocked"] else "")


def job_seconds(jobs: list[Job], sweep_dir) -> dict[str, float]:
    """Job id -> seconds it took, for the finished jobs that recorded it."""
    out = {}
    for job in jobs:
        times = read_record(sweep_dir, job.id, TIMES)
        if times is not None:
            out[job.id] = float(times["seconds"])
    return out


def time_left(jobs: list[Job], states: dict[str, str], measured: dict[str, float]
              ) -> float | None:
    """Seconds of job time the unfinished jobs need, one after another: each costed at the
    median `measured` time (job id -> seconds) of finished jobs of its kind (any kind when none
    of its own); None before any job has been measured. Jobs that wait on a failed job are
    left out."""
    if not measured:
        return None
    kinds = {job.id: job.kind for job in jobs}
    by_kind: dict[str, list[float]] = {}
    for job_id, seconds in measured.items():
        by_kind.setdefault(kinds[job_id], []).append(seconds)
    overall = statistics.median(measured.values())
    return sum(statistics.median(by_kind.get(job.kind, [overall])) for job in jobs
               if states[job.id] in ("running", "ready", "waiting"))


def duration(seconds: float) -> str:
    if seconds >= 5400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def status_lines(jobs: list[Job], sweep_dir) -> list[str]:
    """What `jaxstilts sweep --status` prints: the counts and time left, each job's state, the
    one-line error of each failed job and what waits on it."""
    states = grid_states(jobs, sweep_dir)
    measured = job_seconds(jobs, sweep_dir)
    left = time_left(jobs, states, measured)
    lines = [f"{len(jobs)} jobs: {counts(states)}" + (
        f"; about {duration(left)} of job time left" if left else "")]
    for job in jobs:
        state = states[job.id]
        extra = f"  ({duration(measured[job.id])})" if job.id in measured else ""
        if state == "failed":
            extra = f"  {read_record(sweep_dir, job.id, FAILED)['error']}"
        elif state in ("waiting", "blocked"):
            extra = f"  waits for {', '.join(job.waits_for)}"
        lines.append(f"  {state:8s} {job.id}{extra}")
    return lines


def plan_lines(jobs: list[Job], sweep_dir) -> list[str]:
    """What `jaxstilts sweep --plan` prints: each job in order, its state in `sweep_dir` (all
    waiting or ready before the sweep has started), its resources and what it waits for."""
    states = grid_states(jobs, sweep_dir)
    kinds = {k: sum(1 for j in jobs if j.kind == k) for k in ("intermediate", "prepare", "run")}
    lines = [f"{len(jobs)} jobs ({kinds['intermediate']} intermediate phases, "
             f"{kinds['prepare']} preparatory stages, {kinds['run']} runs): {counts(states)}"]
    for job in jobs:
        resources = ",".join(f"{k}={v:g}" for k, v in job.resources.items()) or "-"
        waits = f"  after {', '.join(job.waits_for)}" if job.waits_for else ""
        lines.append(f"  {states[job.id]:8s} {job.id}  [{resources}]{waits}")
    return lines
