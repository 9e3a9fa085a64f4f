"""The local launcher's run of the fixture grid, killed once and resumed: the `sweep` session
fixture (conftest.py), read by the local launcher's tests (test_sweep.py) and compared
with by the Ray launcher's (test_sweep_ray.py)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIG = "tests/pipeline/sweep_config.py"
RUNS = ["baseline__xnli", "baseline__pawsx", "mnli__xnli", "mnli__pawsx", "sst2__xnli",
        "sst2__pawsx"]


def jaxstilts(*args, stderr=subprocess.STDOUT):
    env = dict(os.environ, PYTHONUNBUFFERED="1", JAX_PLATFORMS="cpu")
    return subprocess.Popen([sys.executable, "-m", "jaxstilts.cli", *map(str, args)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)


def interrupted_local_sweep(tmp_path_factory):
    """Run the sweep, SIGKILL it once two runs have finished, run it again to the end."""
    workdir = tmp_path_factory.mktemp("sweep")
    proc = jaxstilts("sweep", CONFIG, "--workdir", workdir, "--quiet")
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if len(list(workdir.glob("runs/*/run.json"))) >= 2:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    first_out = proc.communicate()[0]
    finished = {p.parent.name: p.stat().st_mtime_ns for p in workdir.glob("runs/*/run.json")}
    assert len(finished) >= 2, first_out[-3000:]
    assert len(finished) < len(RUNS), "the sweep was not interrupted"
    done = len(finished) + len(list(workdir.glob("intermediate/*/done.json")))
    second = jaxstilts("-v", "sweep", CONFIG, "--workdir", workdir, "--quiet")
    out = second.communicate(timeout=900)[0]
    assert second.returncode == 0, out[-4000:]
    return workdir, finished, out, done
