"""Runs in subprocesses: a SIGKILLed or signalled run resumes bitwise; Ctrl-C on one of two
processes stops both at one saved step. (Two processes equal one: tests/pipeline/
test_multihost_pipeline.py, through the whole `jaxstilts run`.)"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from jaxstilts.train.preemption import EXIT_CODE

REPO = Path(__file__).resolve().parents[2]


def launch(*args, **popen):
    env = dict(os.environ, PYTHONUNBUFFERED="1", JAX_PLATFORMS="cpu")
    return subprocess.Popen([sys.executable, "-m", "tests.train.tiny_run", *map(str, args)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, **popen)


def finish(proc, timeout=300, code=0) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == code, out[-3000:]
    return out


STEPS = 14


@pytest.fixture(scope="module")
def straight_dir(tmp_path_factory):
    """An uninterrupted run (2 devices, one process): its workdir (`work`) and `straight.npz`."""
    folder = tmp_path_factory.mktemp("straight")
    finish(launch(folder / "work", folder / "straight.npz", "--steps", STEPS, "--mesh", "2,1,1",
                  "--devices", 2))
    return folder


@pytest.fixture(scope="module")
def straight(straight_dir):
    """Final parameters and handed-on encoder of the uninterrupted run, to compare others to."""
    return load(straight_dir / "straight.npz")


def saved_steps(workdir) -> list[int]:
    return sorted(int(p.name) for p in (workdir / "checkpoints").iterdir() if p.name.isdigit())


def wait_for_step(proc, step: int) -> None:
    for line in proc.stdout:
        if line.startswith(f"step {step} "):
            return
    raise AssertionError(f"the run ended before step {step}")


def load(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def test_a_killed_run_resumes_to_bitwise_equal_parameters(tmp_path, straight):
    steps = STEPS
    started = time.perf_counter()
    proc = launch(tmp_path / "killed", tmp_path / "unused.npz", "--steps", steps, "--mesh",
                  "2,1,1", "--devices", 2, "--sleep", "0.3")
    for line in proc.stdout:  # wait until step 7 is logged (a checkpoint exists at step 6)
        if line.startswith("step 7 "):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved = sorted(int(p.name) for p in (tmp_path / "killed" / "checkpoints").iterdir()
                   if p.name.isdigit())
    assert saved and max(saved) < steps, saved

    out = finish(launch(tmp_path / "killed", tmp_path / "resumed.npz", "--steps", steps,
                        "--mesh", "2,1,1", "--devices", 2))
    elapsed = time.perf_counter() - started
    assert f"resumed_from={max(saved)}" in out, out[-2000:]
    a, b = straight, load(tmp_path / "resumed.npz")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    print(f"kill + resume took {elapsed:.1f}s")
    # TensorBoard: the killed run's points are on disk, the resumed run logs again from its
    # checkpoint and hides the killed run's later points: every step once, no holes.
    assert len(list((tmp_path / "killed" / "tensorboard").iterdir())) == 2
    assert tensorboard_steps(tmp_path / "killed", "train/loss") == list(range(1, steps + 1))
    assert tensorboard_steps(tmp_path / "killed", "validation/score") == [4, 8, 12, 14]


def tensorboard_steps(workdir, tag: str) -> list[int]:
    """The steps TensorBoard shows for `tag`: the event files in order, a session restart at
    step S (tensorboardX's `purge_step`) hiding earlier points at steps >= S."""
    import struct

    from tensorboardX.proto.event_pb2 import Event, SessionLog

    steps: list[int] = []
    for file in sorted((workdir / "tensorboard").iterdir()):
        data, at = file.read_bytes(), 0
        while at < len(data):  # TFRecord: length, its crc, the record, its crc
            (length,) = struct.unpack("<Q", data[at:at + 8])
            event = Event.FromString(data[at + 12:at + 12 + length])
            at += 16 + length
            if event.session_log.status == SessionLog.START:
                steps = [s for s in steps if s < event.step]
            steps += [event.step for v in event.summary.value if v.tag == tag]
    return steps


def test_a_kill_while_the_best_checkpoint_is_committed_hands_on_the_same_best(
        tmp_path, straight_dir, straight):
    """SIGKILL after best/B is written but before Orbax commits it (an older best already
    deleted): the re-run writes best/B again, and the next phase reads what it would have.
    B is the uninterrupted run's best step, a validation before its last step."""
    (best,) = [int(p.name) for p in (straight_dir / "work" / "best").iterdir()]
    assert best < max(saved_steps(straight_dir / "work"))  # the best is not the last step
    proc = launch(tmp_path / "work", tmp_path / "unused.npz", "--steps", STEPS, "--mesh",
                  "2,1,1", "--devices", 2, "--hang-at-best", best)
    for line in proc.stdout:
        if line.startswith(f"committing best {best}"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert [p.name for p in (tmp_path / "work" / "best").iterdir()] == [
        f"{best}.orbax-checkpoint-tmp"]
    out = finish(launch(tmp_path / "work", tmp_path / "resumed.npz", "--steps", STEPS, "--mesh",
                        "2,1,1", "--devices", 2))
    assert f"resumed_from={best}" in out, out[-2000:]
    assert sorted(p.name for p in (tmp_path / "work" / "best").iterdir()) == [str(best)]
    resumed = load(tmp_path / "resumed.npz")
    assert straight.keys() == resumed.keys() and any(k.startswith("['handoff']") for k in resumed)
    for k in straight:
        np.testing.assert_array_equal(straight[k], resumed[k], err_msg=k)


def test_a_signalled_run_saves_at_the_next_step_says_so_and_resumes_bitwise(tmp_path, straight):
    sig = signal.SIGTERM
    proc = launch(tmp_path / "work", tmp_path / "unused.npz", "--steps", STEPS, "--mesh", "2,1,1",
                  "--devices", 2, "--sleep", "0.3")
    wait_for_step(proc, 3)  # checkpoints every 2 steps: the signal lands between them
    proc.send_signal(sig)
    out = finish(proc, code=EXIT_CODE)
    stopped = saved_steps(tmp_path / "work")[-1]
    assert 3 <= stopped < STEPS
    assert (f"preempted ({sig.name}) at step {stopped}: checkpoint saved in "
            f"{tmp_path}/work/checkpoints/{stopped}; re-run the same command to resume") in out
    assert not [p for p in (tmp_path / "work").rglob("*") if "orbax-checkpoint-tmp" in p.name]

    out = finish(launch(tmp_path / "work", tmp_path / "resumed.npz", "--steps", STEPS, "--mesh",
                        "2,1,1", "--devices", 2))
    assert f"resumed_from={stopped}" in out, out[-2000:]
    resumed = load(tmp_path / "resumed.npz")
    for k in straight:
        np.testing.assert_array_equal(straight[k], resumed[k], err_msg=k)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ctrl_c_on_one_of_two_processes_stops_both_at_one_saved_step(tmp_path):
    """SIGINT is forwarded to JAX's preemption service, whose sync point makes every process
    save the same step; then all exit 75 (resuming is the single-process test's)."""
    address = f"127.0.0.1:{free_port()}"
    procs = [launch(tmp_path / "multi", tmp_path / f"unused{i}.npz", "--steps", STEPS, "--mesh",
                    "2,1,1", "--devices", 1, "--sleep", "0.3", "--distributed",
                    f"{address},2,{i}") for i in range(2)]
    wait_for_step(procs[0], 3)
    procs[1].send_signal(signal.SIGINT)
    outs = [finish(p, code=EXIT_CODE) for p in procs]
    stopped = saved_steps(tmp_path / "multi")[-1]
    assert 3 <= stopped < STEPS
    assert f"preempted (SIGTERM) at step {stopped}: checkpoint saved" in outs[0], outs[0][-2000:]
    assert (f"preempted (SIGTERM (forwarded from SIGINT)) at step {stopped}: checkpoint saved"
            in outs[1]), outs[1][-2000:]
    assert not [p for p in (tmp_path / "multi").rglob("*") if "orbax-checkpoint-tmp" in p.name]
