"""`jaxstilts sweep --launcher ray` on a real local Ray cluster (2 CPUs), the 2 x 2 fixture grid
with its baseline: one job's process SIGKILLed mid-training, another job's Ray worker SIGKILLed,
the driver SIGKILLed once both are done again, and started again. The grid's files equal the
local launcher's (the `sweep` fixture); the killed jobs were tried again and resumed from their
checkpoints; the restarted driver ran only what was left; independent jobs ran at the same
time. And a job of two JAX processes placed by Ray equals one process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .local_sweep import CONFIG, REPO
from .ray_cluster import local_ray_cluster


@pytest.fixture(scope="module")
def ray_cluster():
    """(address, the environment a driver connects with): one cluster for every Ray test."""
    with local_ray_cluster(num_cpus=2) as cluster:
        yield cluster


def driver(workdir: Path, cluster) -> subprocess.Popen:
    address, auth = cluster
    env = dict(os.environ, PYTHONUNBUFFERED="1", JAX_PLATFORMS="cpu", **auth)
    return subprocess.Popen([sys.executable, "-m", "jaxstilts.cli", "sweep", CONFIG,
                             "--workdir", str(workdir), "--launcher", "ray",
                             "--ray-address", address], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def job_processes(workdir: Path) -> dict[str, int]:
    """The one-job processes on this machine that write into `workdir`: job id -> pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        argv = [a.decode() for a in argv]  # python -m jaxstilts.cli job WORKDIR JOB_ID ...
        if "jaxstilts.cli" in argv and argv[argv.index("jaxstilts.cli") + 1:][:2] == [
                "job", str(workdir)]:
            found[argv[argv.index("jaxstilts.cli") + 3]] = int(entry.name)
    return found


def stop_one_mid_training(workdir: Path, deadline: float, driven: subprocess.Popen,
                          worker: bool = False, other_than: str = "") -> str:
    """SIGKILL a job between its step-2 checkpoint and the end of its phase: its process is
    frozen (SIGSTOP) as soon as the checkpoint is there, checked, then killed; or (`worker`)
    the Ray worker that runs it is killed, and the job must die with it."""
    while time.time() < deadline:
        assert driven.poll() is None, driven.communicate()[0][-4000:]
        for job, pid in job_processes(workdir).items():
            phase = workdir / job / ("target" if job.startswith("runs/") else "")
            if job == other_than or not (phase / "checkpoints" / "2").is_dir() or (
                    phase / "done.json").exists():
                continue
            try:
                os.kill(pid, signal.SIGSTOP)
                parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (ProcessLookupError, FileNotFoundError):
                continue
            if (phase / "done.json").exists():  # too late: it finished the phase
                os.kill(pid, signal.SIGCONT)
                continue
            os.kill(parent if worker else pid, signal.SIGKILL)
            gone = time.time() + 10
            while Path(f"/proc/{pid}").exists() and _state(pid) != "Z":
                assert time.time() < gone, f"{job}: its process outlived its Ray worker"
                time.sleep(0.05)
            return job
        time.sleep(0.05)
    raise AssertionError("no job was caught between its checkpoint and its end")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return "Z"


def tries(workdir: Path, job: str) -> list[dict]:
    file = workdir / "jobs" / job / "ray.json"
    return json.loads(file.read_text()) if file.exists() else []


@pytest.fixture(scope="module")
def ray_grid(ray_cluster, tmp_path_factory):
    """The grid drained by Ray: one job's process killed mid-training, then another job's Ray
    worker (both tried again by the driver), then the driver killed once both are done, then
    started again."""
    workdir = tmp_path_factory.mktemp("ray-sweep")
    first = driver(workdir, ray_cluster)
    deadline = time.time() + 600
    killed = stop_one_mid_training(workdir, deadline, first)
    lost = stop_one_mid_training(workdir, deadline, first, worker=True, other_than=killed)
    while time.time() < deadline and first.poll() is None:
        if all(any(t["outcome"] == "done" for t in tries(workdir, job)) for job in (killed, lost)):
            break
        time.sleep(0.2)
    assert first.poll() is None, first.communicate()[0][-4000:]
    os.killpg(first.pid, signal.SIGKILL)
    first_out = first.communicate()[0]
    finished = {str(p.parent.relative_to(workdir)): p.stat().st_mtime_ns
                for p in [*workdir.glob("runs/*/run.json"), *workdir.glob("*/*/done.json")]}
    second = driver(workdir, ray_cluster)
    out = second.communicate(timeout=900)[0]
    assert second.returncode == 0, out[-4000:]
    return workdir, (killed, lost), finished, first_out, out


def _normal(text: str, workdir: Path) -> str:
    return text.replace(str(workdir), "WORKDIR")


def test_the_ray_grid_equals_the_local_launchers(ray_grid, sweep):
    from jaxstilts.convert import inspect_workdir

    workdir, *_ = ray_grid
    local, *_ = sweep
    files = sorted(str(p.relative_to(local)) for p in local.rglob("*") if p.is_file() and (
        p.name in ("run.json", "done.json", "results.json") or p.suffix == ".tsv"))
    assert len(files) >= 6 * 2 + 2, files
    for name in files:
        want = json.loads(_normal((local / name).read_text(), local)) if name.endswith(
            ".json") else (local / name).read_text()
        got = json.loads(_normal((workdir / name).read_text(), workdir)) if name.endswith(
            ".json") else (workdir / name).read_text()
        assert got == want, name
    ours, theirs = inspect_workdir(workdir)["phases"], inspect_workdir(local)["phases"]
    assert sorted(ours) == sorted(theirs)
    for phase, info in theirs.items():
        want = {step: s["params_digest"] for step, s in info["checkpoints"].items()}
        got = {step: s["params_digest"] for step, s in ours[phase]["checkpoints"].items()}
        assert got == want, phase


def test_a_killed_job_is_tried_again_and_resumes_from_its_checkpoint(ray_grid):
    workdir, (killed, lost), *_ = ray_grid
    for job, outcome in ((killed, "killed"), (lost, "lost")):  # its process; its Ray worker
        record = tries(workdir, job)
        assert [t["outcome"] for t in record] == [outcome, "done"], (job, record)
        log = (workdir / "jobs" / job / "try-2.log").read_text()
        assert "resuming from step 2" in log, log[-3000:]
    assert tries(workdir, killed)[0]["returncode"] == -signal.SIGKILL


def test_a_restarted_driver_does_not_run_finished_jobs_again(ray_grid):
    workdir, _, finished, first_out, out = ray_grid
    assert finished, first_out[-3000:]
    for folder, mtime in finished.items():
        marker = "run.json" if folder.startswith("runs/") else "done.json"
        assert (workdir / folder / marker).stat().st_mtime_ns == mtime, folder
        if folder.startswith(("runs/", "intermediate/")):
            assert f"job {folder} is done; skipping it" in out
    second = max(t["driver_started"] for job in finished for t in tries(workdir, job))
    restarted = {job for job in _jobs(workdir) for t in tries(workdir, job)
                 if t["driver_started"] > second}
    assert restarted and not restarted & set(finished), (restarted, finished)
    assert sorted(p.parent.name for p in workdir.glob("runs/*/run.json")) == sorted(
        p.name for p in (workdir / "runs").iterdir()) and len(restarted) < len(_jobs(workdir))


def test_independent_jobs_run_at_the_same_time(ray_grid):
    workdir, *_ = ray_grid
    spans = sorted((t["started"], t["finished"], job) for job in _jobs(workdir)
                   for t in tries(workdir, job) if t["outcome"] == "done")
    overlap = 0.0
    for i, (start, end, _) in enumerate(spans):
        for other_start, other_end, _ in spans[i + 1:]:
            overlap += max(0.0, min(end, other_end) - max(start, other_start))
    busy = sum(end - start for start, end, _ in spans)
    wall = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    print(f"\n{len(spans)} job tries: {busy:.0f} s of job time in {wall:.0f} s of wall time, "
          f"{overlap:.0f} s of it with two jobs at once")
    for start, end, job in spans:
        print(f"  {start - spans[0][0]:6.1f} .. {end - spans[0][0]:6.1f} s  {job}")
    assert overlap > 0.25 * wall, spans


def _jobs(workdir: Path) -> list[str]:
    plan = json.loads((workdir / "plan.json").read_text())
    return [job["id"] for job in plan["jobs"]]



def test_a_job_of_two_processes_placed_by_ray_equals_one_process(ray_cluster, tmp_path,
                                                                  monkeypatch):
    """One run of the fixture grid (baseline -> xnli) as a job of two JAX processes (one CPU
    device each, gloo), placed by the Ray launcher and coordinated through process 0's node,
    against the same job in one process with two devices."""
    import numpy as np

    from jaxstilts.config import load_config
    from jaxstilts.convert import _latest
    from jaxstilts.sweep.plan import plan_sweep, write_plan
    from jaxstilts.sweep.ray_launcher import drain_with_ray

    config = load_config(str(REPO / CONFIG), [
        "--config.sweep.intermediate=()", "--config.sweep.targets=xnli", "--config.mesh.data=2",
        "--config.distributed.num_processes=2", "--config.evaluate.languages=en,de"])
    jobs = plan_sweep(config)
    assert [job.id for job in jobs] == ["runs/baseline__xnli"]
    for folder in ("multi", "single"):
        write_plan(jobs, tmp_path / folder)
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_NUM_CPU_DEVICES="2")
    single = subprocess.Popen([sys.executable, "-m", "jaxstilts.cli", "job", str(tmp_path /
                               "single"), jobs[0].id, "--quiet",
                               "--config.distributed.num_processes=1"], cwd=REPO, env=env,
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    address, auth = ray_cluster
    for key, value in auth.items():
        monkeypatch.setenv(key, value)
    drained = drain_with_ray(jobs, tmp_path / "multi", address, spread="PACK")
    out = single.communicate(timeout=600)[0]
    assert single.returncode == 0, out[-3000:]
    assert drained.done == [jobs[0].id], (drained, (tmp_path / "multi" / "jobs" / jobs[0].id /
                                                   "try-1.log").read_text()[-3000:])
    record = tries(tmp_path / "multi", jobs[0].id)
    assert len(record) == 1 and record[0]["outcome"] == "done"
    runs = [json.loads((tmp_path / d / jobs[0].id / "run.json").read_text())
            for d in ("multi", "single")]
    assert runs[0]["results"] == runs[1]["results"]
    assert set(runs[0]["results"]["xnli"]) == {"en", "de"}
    _, multi = _latest(tmp_path / "multi" / jobs[0].id / "target")
    _, one = _latest(tmp_path / "single" / jobs[0].id / "target")
    import jax

    diffs = [float(np.abs(np.asarray(a) - np.asarray(b)).max())
             for a, b in zip(jax.tree.leaves(multi["params"]), jax.tree.leaves(one["params"]))]
    assert diffs and max(diffs) <= 1e-5, max(diffs)


@pytest.mark.parametrize("flags, message", [
    (["--ray-address", "10.0.0.1:6379"], "--ray-address 10.0.0.1:6379: add --launcher ray"),
    (["--launcher", "ray", "--allow-config-change"],
     "--allow-config-change works with --launcher local only"),
])
def test_ray_options_the_launcher_cannot_take_are_one_line(flags, message, capsys, tmp_path):
    from jaxstilts.cli import main

    assert main(["sweep", "tiny", "--workdir", str(tmp_path / "w"), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "w").exists()
