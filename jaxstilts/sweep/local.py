"""The local launcher: every job of a sweep's plan in this process, one after another, in the
plan's order (today's order: a shared phase just before the first run that needs it).

A job that fails is recorded (`jobs/<id>/failed.json`) and the grid goes on without the jobs
that wait on it; they are listed at the end (`SweepFailed`). A job another process is running
(its folder's lock is held) is left for later and waited for, so several launchers, or `jaxstilts
job` processes, can work on one grid at once. Finished jobs are skipped; running the same sweep
again retries the failed ones and resumes an interrupted one from its checkpoints.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import ml_collections

from jaxstilts.sweep.job import JobNotReady, one_line, run_job
from jaxstilts.sweep.plan import Job, plan_sweep, write_plan
from jaxstilts.sweep.status import counts, duration, grid_states, job_seconds, time_left
from jaxstilts.train.checkpoint import abs_path
from jaxstilts.train.preemption import Preempted
from jaxstilts.workdir import ConfigChanged, WorkdirBusy

log = logging.getLogger(__name__)
notice = logging.getLogger("jaxstilts.train.notice")  # shown without -v

POLL_S = 5.0  # how often to look again at jobs that other processes are running


class SweepFailed(RuntimeError):
    """Some jobs failed; the rest of the grid ran. `records`: the runs that finished."""

    def __init__(self, records: list[dict], failed: dict[str, str], blocked: dict[str, str]):
        self.records, self.failed, self.blocked = records, failed, blocked
        text = "; ".join(f"{job}: {error}" for job, error in failed.items())
        more = (f"; {len(blocked)} job(s) not run, as they wait on a failed one: "
                f"{', '.join(blocked)}" if blocked else "")
        super().__init__(f"{len(failed)} job(s) failed ({text}){more}; the other jobs are "
                         "finished: run the sweep again to retry")


def run_sweep(config: ml_collections.ConfigDict, sweep_dir: str | Path,
              progress: bool = False, allow_config_change: bool = False) -> list[dict]:
    """Every job of the sweep; returns the run records (`run.json`) in the plan's order.

    The plan is made (and every run's config checked) before any compute and written to
    `sweep_dir/plan.json`. Intermediate phases live in `sweep_dir/intermediate/<tasks>
    [__settings][__seed=N]`, shared by every run with the same intermediate settings (all
    targets, all values of target-only axes); a target's preparatory stages (XCOPA's SIQA) in
    `sweep_dir/prepare/<run name without AFTER_PREPARE settings>/`; each run in
    `sweep_dir/runs/<name>`. Raises `SweepFailed` after the rest of the grid when jobs failed.
    """
    jobs = plan_sweep(config)
    sweep_dir = abs_path(sweep_dir)
    write_plan(jobs, sweep_dir)
    return run_plan(jobs, sweep_dir, progress=progress, allow_config_change=allow_config_change)


def run_plan(jobs: list[Job], sweep_dir, *, progress: bool = False,
             allow_config_change: bool = False) -> list[dict]:
    """The jobs of a written plan, in order (see the module's docstring). The workdir is read
    once for the jobs' states and times, then kept up to date here (on cloud storage each
    look is a request)."""
    records: dict[str, dict] = {}
    failed: dict[str, str] = {}
    blocked: dict[str, str] = {}
    states = grid_states(jobs, sweep_dir)
    measured = job_seconds(jobs, sweep_dir)
    pending = list(jobs)
    while pending:
        later = []
        for job in pending:
            blocker = next((d for d in job.waits_for if d in failed or d in blocked), None)
            if blocker is not None:
                blocked[job.id], states[job.id] = blocker, "blocked"
                notice.warning("%s is not run: it waits for %s, which failed", job.id, blocker)
                continue
            fresh = states[job.id] != "done"
            if fresh:
                _say_progress(job, jobs, states, measured)
            started = time.monotonic()
            try:
                record = run_job(sweep_dir, job.id, jobs=jobs, progress=progress,
                                 allow_config_change=allow_config_change)
            except (WorkdirBusy, JobNotReady) as e:  # another process runs it, or its input
                log.info("%s: later (%s)", job.id, e)
                later.append(job)
                continue
            except (Preempted, ConfigChanged):  # saved; or this command's config is not the grid's
                raise
            except Exception as e:  # noqa: BLE001 -- recorded in failed.json, the grid goes on
                failed[job.id] = one_line(e)
                states[job.id] = "failed"
                log.error("job %s failed: %s (the rest of the grid goes on)", job.id,
                          failed[job.id])
                continue
            states[job.id] = "done"
            if fresh:
                measured[job.id] = time.monotonic() - started
            if job.kind == "run":
                records[job.id] = record
        if later:  # jobs other processes run: look at the workdir again, then wait
            states = grid_states(jobs, sweep_dir)
            for job in list(later):  # failed in another process: what waits on it cannot run
                if states[job.id] == "blocked":
                    later.remove(job)
                    blocked[job.id] = next(d for d in job.waits_for
                                           if states[d] in ("failed", "blocked"))
            if later:
                notice.info("waiting for %d job(s) that other processes run: %s", len(later),
                            ", ".join(j.id for j in later))
                time.sleep(POLL_S)
        pending = later
    out = [records[j.id] for j in jobs if j.id in records]
    if failed or blocked:
        raise SweepFailed(out, failed, blocked)
    return out


def _say_progress(job: Job, jobs: list[Job], states: dict[str, str],
                  measured: dict[str, float]) -> None:
    """`job 3 of 8: runs/mnli__xnli (2 done, 0 running, 6 waiting, 0 failed; about 4 min
    left for this and the rest)`; time left from the measured times of finished jobs."""
    left = time_left(jobs, states, measured)
    place = next(i for i, j in enumerate(jobs, 1) if j.id == job.id)
    tail = f"; about {duration(left)} left for this and the rest" if left is not None else ""
    notice.info("job %d of %d: %s (%s%s)", place, len(jobs), job.id, counts(states), tail)
