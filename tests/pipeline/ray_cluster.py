"""A real local Ray cluster for the Ray launcher's tests: `ray start --head --block` with 2 CPUs
in a session of its own, so that its whole process group (GCS, raylet, workers, the jobs they
start) is killed by its id when the tests are done."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

STARTED = re.compile(r"ray start --address='([^']+)'")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_ray_cluster(num_cpus: int = 2,
                      timeout_s: float = 120.0) -> Iterator[tuple[str, dict[str, str]]]:
    """Start a head node; yield its address and the environment a driver connects with (the
    cluster's own token: Ray sends it to an explicitly named cluster only with
    RAY_AUTH_MODE=token); kill its process group."""
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short: Ray's socket paths
    log = (temp / "head.log").open("w")
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    # Jobs get the environment of their node's `ray start`: CPU JAX, gloo between processes.
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_CPU_COLLECTIVES_IMPLEMENTATION="gloo",
               RAY_USAGE_STATS_ENABLED="0", PYTHONUNBUFFERED="1", **auth)
    head = subprocess.Popen(
        [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block",
         f"--port={_free_port()}", f"--num-cpus={num_cpus}", "--num-gpus=0",
         "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp / 't'}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + timeout_s
        while not (found := STARTED.search((temp / "head.log").read_text())):
            if head.poll() is not None or time.time() > deadline:
                raise RuntimeError("ray start --head did not start:\n"
                                   + (temp / "head.log").read_text()[-3000:])
            time.sleep(0.5)
        yield found.group(1), auth
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)  # its group: GCS, raylet, workers, their jobs
        head.wait()
        log.close()
        shutil.rmtree(temp, ignore_errors=True)
