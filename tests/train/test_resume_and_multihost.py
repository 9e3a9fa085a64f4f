"""Runs in subprocesses: a SIGKILLed run resumes bitwise; two processes equal one."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def launch(*args, **popen):
    env = dict(os.environ, PYTHONUNBUFFERED="1", JAX_PLATFORMS="cpu")
    return subprocess.Popen([sys.executable, "-m", "tests.train.tiny_run", *map(str, args)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, **popen)


def finish(proc, timeout=300) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out[-3000:]
    return out


def load(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def test_a_killed_run_resumes_to_bitwise_equal_parameters(tmp_path):
    steps = 14
    finish(launch(tmp_path / "straight", tmp_path / "straight.npz", "--steps", steps,
                  "--mesh", "2,1,1", "--devices", 2))

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
    a, b = load(tmp_path / "straight.npz"), load(tmp_path / "resumed.npz")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    print(f"kill + resume took {elapsed:.1f}s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_over_gloo_match_one_process(tmp_path):
    address = f"127.0.0.1:{free_port()}"
    common = ["--steps", 6, "--mesh", "4,1,1"]
    procs = [launch(tmp_path / "multi", tmp_path / f"multi{i}.npz", *common, "--devices", 2,
                    "--distributed", f"{address},2,{i}") for i in range(2)]
    single = launch(tmp_path / "single", tmp_path / "single.npz", *common, "--devices", 4)
    for p in procs + [single]:
        finish(p)
    a, b = load(tmp_path / "multi0.npz"), load(tmp_path / "single.npz")
    diff = max(float(np.abs(a[k] - b[k]).max()) for k in a)
    print(f"2-process vs 1-process max abs parameter difference: {diff:.2e}")
    assert diff <= 1e-6
