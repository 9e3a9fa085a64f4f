"""`--launcher ray`: every job of a sweep plan a Ray task, started as soon as the jobs it waits
for are done, so targets train side by side once their intermediate phase exists.

The driver (this module, in the `jaxstilts sweep --launcher ray` process) reads the plan, skips
the jobs already done (a restarted driver continues the grid), and keeps every ready job
submitted with the resources its config reserves (`sweep.job_resources`: {"GPU": 1.0}, TPU
chips, CPUs). A task runs the one-job command (`jaxstilts job SWEEP_DIR JOB_ID`) in a
subprocess of the Ray worker: a fresh JAX per job, killed with its worker (PR_SET_PDEATHSIG), so
a retry never races an orphan. The job takes its own folder's lock and writes into the one
shared workdir (a shared disk or gs://).

A try that is preempted (exit 75, the job saved its checkpoint on SIGTERM), killed (a signal) or
whose worker or node is lost is tried again, up to `tries` times, and resumes from the job's
checkpoint. A job that fails (exit 1) is recorded with its one-line error; the jobs that wait for
it are skipped; every other job goes on. Each try is recorded in `jobs/<id>/ray.json` (node,
start, end, exit) and its output in `jobs/<id>/try-N.log`.

A job whose config asks for several JAX processes (`distributed.num_processes`) gets them as one
Ray placement group, one bundle of `sweep.job_resources` per process (STRICT_SPREAD: one per
host, as a TPU slice or a multi-host GPU job needs); process 0's node is the coordinator.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from jaxstilts.config import ConfigError
from jaxstilts.paths import abs_path
from jaxstilts.sweep.plan import Job, is_done, job_state, record_dir
from jaxstilts.sweep.status import counts, duration, grid_states, job_seconds, time_left

notice = logging.getLogger("jaxstilts.train.notice")

PREEMPTED = 75  # the exit status of a job stopped by SIGTERM after saving (EX_TEMPFAIL)
TRIES = 3  # tries of a job that is preempted, killed or loses its worker or node
TAIL = 20000  # characters of a try's output kept in its log (the end)
STOP_WAIT_S = 300.0  # how long a stopped driver waits for its jobs to save and exit
RECORD = "ray.json"
HELD_POLL_S = 5.0  # how often a job whose folder another process holds is looked at again


@dataclass
class Attempt:
    """One try of one job: where and when it ran and how it ended."""

    job: str
    attempt: int
    node: str = ""
    started: float = 0.0
    finished: float = 0.0
    returncode: int | None = None  # None: the worker or its node was lost
    outcome: str = ""  # done | preempted | killed | lost | failed
    error: str = ""

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "job"}


@dataclass
class Drained:
    """What a drain did: the jobs done, failed (with their one-line error), skipped because a
    job they wait for failed, and every try."""

    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    stopped: bool = False


# ---------------------------------------------------------------- in the Ray worker

def _die_with_parent():
    """A `preexec_fn`: the job is killed when the Ray worker that started it dies (a killed
    worker, a lost node, a driver gone), so that no orphan keeps training beside its retry."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


def _run_command(argv: list[str], cwd: str | None) -> dict:
    """Run `argv` (the one-job command, without the interpreter) in a subprocess of this
    worker; on a cancel (KeyboardInterrupt) pass SIGTERM on, so the job saves and exits 75."""
    started = time.time()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jaxstilts.cli", *argv],
                                cwd=cwd if cwd and os.path.isdir(cwd) else None,
                                stdout=out, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)
        try:
            while proc.poll() is None:  # polled, so that a cancel interrupts the wait
                time.sleep(0.2)
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGTERM)
            proc.wait()
        out.seek(0)
        text = out.read()
    return {"returncode": proc.returncode, "node": socket.gethostname(), "pid": proc.pid,
            "started": started, "finished": time.time(), "output": text[-TAIL:]}


def _node_address() -> tuple[str, int]:
    """This node's IP and a free port on it: the coordinator of a multi-process job."""
    import ray

    with socket.socket() as s:
        s.bind(("", 0))
        port = s.getsockname()[1]
    return ray.util.get_node_ip_address(), port


def _remote_functions():
    """The two task functions, sent by value: a worker runs them without importing jaxstilts
    (and so JAX), which only the job's own subprocess does."""
    import ray
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    return ray.remote(_run_command), ray.remote(_node_address)


# ---------------------------------------------------------------- the driver

def ray_options(resources: dict) -> dict:
    """Ray task options for one process of a job from its `resources` ({"CPU": 1.0, "GPU":
    1.0, "TPU": 4.0, other custom resources}); every try is retried by the driver, not Ray."""
    rest = {k: float(v) for k, v in resources.items() if k not in ("CPU", "GPU") and v}
    options = {"num_cpus": float(resources.get("CPU", 0)),
               "num_gpus": float(resources.get("GPU", 0)), "max_retries": 0}
    if rest:
        options["resources"] = rest
    return options


def _outcome(result: dict) -> str:
    rc = result["returncode"]
    if rc == 0:
        return "done"
    if rc == PREEMPTED:
        return "preempted"
    if rc is not None and rc < 0:
        return "killed"
    return "failed"


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


class RayDriver:
    """Drains a plan on a Ray cluster; see the module docstring."""

    def __init__(self, jobs: Sequence[Job], sweep_dir, tries: int = TRIES,
                 cwd: str | None = None, spread: str = "STRICT_SPREAD"):
        self.jobs = {job.id: job for job in jobs}
        self.order = [job.id for job in jobs]
        self.sweep_dir = abs_path(sweep_dir)
        self.tries = tries
        self.cwd = cwd or os.getcwd()
        self.spread = spread
        self.result = Drained()
        self.running: dict = {}  # object ref -> (job id, this driver's try number)
        self.groups: dict[str, list] = {}  # job id -> the refs of its processes (multi-process)
        self.started = time.time()
        self.remote = _remote_functions()

    # -- submitting

    def _argv(self, job: Job, extra: Sequence[str] = ()) -> list[str]:
        """`jaxstilts job SWEEP_DIR JOB_ID` (its config is the plan's; `extra`: distributed.*),
        not quiet: its log says where it resumed from and what it skipped."""
        return ["job", str(self.sweep_dir), job.id, *extra]

    def _submit(self, job_id: str, attempt: int) -> None:
        import ray

        job = self.jobs[job_id]
        processes = int(job.config.get("distributed", {}).get("num_processes", 1) or 1)
        run, node_address = self.remote
        options = ray_options(job.resources)
        notice.info("job %s: started%s", job_id, f" (try {attempt} of {self.tries})"
                    if attempt > 1 else "")
        if processes == 1:
            ref = run.options(**options).remote(self._argv(job), self.cwd)
            self.running[ref] = (job_id, attempt)
            return
        from ray.util.placement_group import placement_group
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        bundle = {k: v for k, v in {"CPU": options["num_cpus"], "GPU": options["num_gpus"],
                                    **options.get("resources", {})}.items() if v}
        group = placement_group([bundle] * processes, strategy=self.spread)
        ray.get(group.ready())
        placed = [PlacementGroupSchedulingStrategy(group, placement_group_bundle_index=i)
                  for i in range(processes)]
        host, port = ray.get(node_address.options(
            num_cpus=0, scheduling_strategy=placed[0]).remote())
        refs = []
        for i in range(processes):
            extra = [f"--config.distributed.num_processes={processes}",
                     f"--config.distributed.process_id={i}"]
            if not job.config.get("distributed", {}).get("auto"):
                extra.append(f"--config.distributed.coordinator={host}:{port}")
            ref = run.options(**options, scheduling_strategy=placed[i]).remote(
                self._argv(job, extra), self.cwd)
            refs.append(ref)
            self.running[ref] = (job_id, attempt)
        self.groups[job_id] = [refs, [], group]

    # -- collecting

    def _collect(self, ref) -> tuple[str, int, dict] | None:
        """The result of a finished task; for a multi-process job, None until its last
        process has ended (then the worst outcome of them all)."""
        import ray

        job_id, attempt = self.running.pop(ref)
        try:
            result = ray.get(ref)
        except ray.exceptions.TaskCancelledError:
            result = {"returncode": PREEMPTED, "output": "cancelled by the driver"}
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                ray.exceptions.ObjectLostError, ray.exceptions.LocalRayletDiedError,
                ray.exceptions.ActorDiedError) as e:
            result = {"returncode": None, "output": " ".join(str(e).split())[:500]}
        except ray.exceptions.RayError as e:
            result = {"returncode": 1, "output": " ".join(str(e).split())[-500:]}
        if job_id not in self.groups:
            return job_id, attempt, result
        refs, results, group = self.groups[job_id]
        results.append(result)
        if _outcome(result) != "done":  # one process down: the others cannot go on
            for other in refs:
                if other in self.running:
                    ray.cancel(other, force=True)
        if len(results) < len(refs):
            return None
        del self.groups[job_id]
        ray.util.remove_placement_group(group)
        rank = ["failed", "lost", "killed", "preempted", "done"]
        worst = min(results, key=lambda r: rank.index(
            "lost" if r["returncode"] is None else _outcome(r)))
        return job_id, attempt, worst

    def _record(self, job_id: str, attempt: int, result: dict) -> Attempt:
        outcome = "lost" if result["returncode"] is None else _outcome(result)
        if outcome == "done" and not is_done(self.jobs[job_id], self.sweep_dir):
            outcome = "failed"
            result["output"] += "\nexited 0 but left no result"
        record = Attempt(job_id, attempt, result.get("node", ""), result.get("started", 0.0),
                         result.get("finished", 0.0), result["returncode"], outcome)
        if outcome == "failed":
            record.error = self._error_of(job_id, result["output"])
        folder = record_dir(self.sweep_dir, job_id)
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / RECORD  # every try of every driver that ran the job
        tries = json.loads(file.read_text()) if file.exists() else []
        tries.append({**record.to_json(), "driver_started": self.started})
        (folder / f"try-{len(tries)}.log").write_text(result.get("output", ""))
        partial = folder / f"{RECORD}.partial"  # whole or not at all, for those who read it
        partial.write_text(json.dumps(tries, indent=1))
        partial.replace(file)
        self.result.attempts.append(record)
        return record

    def _error_of(self, job_id: str, output: str) -> str:
        """The job's one-line error: its `failed.json`, else the last line it printed."""
        failed = record_dir(self.sweep_dir, job_id) / "failed.json"
        if failed.exists():
            return json.loads(failed.read_text()).get("error", "") or _last_line(output)
        return _last_line(output)

    # -- the loop

    def _blocker(self, job_id: str) -> str | None:
        job = self.jobs[job_id]
        for dep in job.waits_for:
            if dep in self.result.failed or dep in self.result.blocked:
                return dep
        return None

    def _ready(self, job_id: str, done: set[str]) -> bool:
        return all(dep in done for dep in self.jobs[job_id].waits_for)

    def _progress(self) -> str:
        jobs = list(self.jobs.values())
        states = grid_states(jobs, self.sweep_dir)
        left = time_left(jobs, states, job_seconds(jobs, self.sweep_dir))
        return counts(states) + (f"; about {duration(left)} of job time left"
                                 if left is not None else "")

    def drain(self) -> Drained:
        import ray

        done = {job_id for job_id in self.order if is_done(self.jobs[job_id], self.sweep_dir)}
        for job_id in self.order:
            if job_id in done:
                notice.info("job %s is done; skipping it", job_id)
        self.result.done = [j for j in self.order if j in done]
        pending = [j for j in self.order if j not in done]
        submitted: set[str] = set()
        tries: dict[str, int] = {}
        held: set[str] = set()  # ready, but its folder's lock is held by a live process
        try:
            while True:
                for job_id in pending:
                    if job_id in submitted or job_id in self.result.blocked:
                        continue
                    blocker = self._blocker(job_id)
                    if blocker:
                        self.result.blocked[job_id] = f"waits for {blocker}, which failed"
                        notice.warning("job %s: skipped, it waits for %s, which failed",
                                       job_id, blocker)
                    elif self._ready(job_id, done):
                        if job_state(self.jobs[job_id], self.sweep_dir) == "running":
                            held.add(job_id)  # a process of an earlier driver is still there
                            continue
                        held.discard(job_id)
                        tries[job_id] = tries.get(job_id, 0) + 1
                        self._submit(job_id, tries[job_id])
                        submitted.add(job_id)
                if not self.running:
                    if not held:
                        break
                    time.sleep(HELD_POLL_S)
                    continue
                ready, _ = ray.wait(list(self.running), num_returns=1,
                                    timeout=HELD_POLL_S if held else None)
                if not ready:
                    continue
                collected = self._collect(ready[0])
                if collected is None:
                    continue
                job_id, attempt, result = collected
                record = self._record(job_id, attempt, result)
                submitted.discard(job_id)
                if record.outcome == "done":
                    done.add(job_id)
                    self.result.done.append(job_id)
                    pending.remove(job_id)
                    notice.info("job %s: done in %s on %s [%s]", job_id,
                                duration(record.finished - record.started), record.node,
                                self._progress())
                elif record.outcome != "failed" and attempt < self.tries:
                    how = ("its worker or node was lost" if record.returncode is None
                           else f"exit {record.returncode}")
                    notice.warning("job %s: %s (%s); trying again, from its checkpoint",
                                   job_id, record.outcome, how)
                else:
                    error = record.error or f"{record.outcome} {attempt} times"
                    self.result.failed[job_id] = error
                    pending.remove(job_id)
                    notice.error("job %s failed: %s", job_id, error)
        except KeyboardInterrupt:
            self.stop()
        return self.result

    def stop(self) -> None:
        """Stop every running job gracefully (SIGTERM: it saves and exits 75) and wait."""
        import ray

        self.result.stopped = True
        refs = list(self.running)
        notice.warning("stopping %d running jobs; they save their checkpoints", len(refs))
        for ref in refs:
            ray.cancel(ref, force=False)
        ray.wait(refs, num_returns=len(refs), timeout=STOP_WAIT_S)


def drain_with_ray(jobs: Sequence[Job], sweep_dir, address: str | None = None,
                   tries: int = TRIES, spread: str = "STRICT_SPREAD") -> Drained:
    """Connect to the Ray cluster at `address` (None: RAY_ADDRESS, else a new local one) and
    drain the plan written in `sweep_dir`. SIGTERM stops the driver as Ctrl-C does: its jobs
    save first. `spread`: how a multi-process job's processes are placed (a placement group
    strategy; PACK lets them share a host, as on a one-machine test cluster)."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--launcher ray needs Ray: pip install 'jaxstilts[ray]'") from None
    local = {"include_dashboard": False} if address is None else {}  # a cluster of its own
    with warnings.catch_warnings():  # Ray starts its processes by fork+exec: no JAX in them
        warnings.filterwarnings("ignore", r"os\.fork\(\) was called", RuntimeWarning)
        ray.init(address=address, log_to_driver=False, configure_logging=False, **local)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return RayDriver(jobs, sweep_dir, tries, spread=spread).drain()
    finally:
        signal.signal(signal.SIGTERM, previous)
        ray.shutdown()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_sweep_on_ray(config, sweep_dir, address: str | None = None,
                     tries: int = TRIES) -> list[dict]:
    """`jaxstilts sweep --launcher ray`: plan the sweep (every run's config checked first),
    write `plan.json`, drain it on Ray; the run records in the plan's order. Raises
    `SweepFailed` after the rest of the grid when jobs failed, KeyboardInterrupt when stopped
    (its jobs saved first)."""
    from jaxstilts.sweep.local import SweepFailed
    from jaxstilts.sweep.plan import plan_sweep, write_plan

    jobs = plan_sweep(config)
    sweep_dir = abs_path(sweep_dir)
    write_plan(jobs, sweep_dir)
    drained = drain_with_ray(jobs, sweep_dir, address, tries)
    if drained.stopped:
        raise KeyboardInterrupt
    records = [json.loads((sweep_dir / job.id / "run.json").read_text()) for job in jobs
               if job.kind == "run" and job.id in drained.done]
    if drained.failed or drained.blocked:
        raise SweepFailed(records, drained.failed, drained.blocked)
    return records
