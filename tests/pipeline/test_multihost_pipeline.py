"""`jaxstilts run` as two processes over gloo equals one process with the same two devices:
each process loads its own shard of every batch, the evaluation gathers all languages."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
ARGS = ["run", "tiny", "--quiet", "--config.intermediate.steps=4", "--config.target.steps=4",
        "--config.evaluate.languages=en,de"]


def launch(workdir, env_extra, *extra):
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_CPU_COLLECTIVES_IMPLEMENTATION="gloo",
               **env_extra)
    return subprocess.Popen([sys.executable, "-m", "jaxstilts.cli", *ARGS, "--workdir",
                             str(workdir), *extra], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_two_process_run_matches_one_process(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = [launch(tmp_path / "multi", {"JAX_NUM_CPU_DEVICES": "1"},
                    f"--config.distributed.coordinator=127.0.0.1:{port}",
                    "--config.distributed.num_processes=2", f"--config.distributed.process_id={i}")
             for i in range(2)]
    procs.append(launch(tmp_path / "single", {"JAX_NUM_CPU_DEVICES": "2"}))
    for p in procs:
        out = p.communicate(timeout=600)[0]
        assert p.returncode == 0, out[-3000:]
    from jaxstilts.convert import _latest

    _, multi = _latest(tmp_path / "multi" / "target")
    _, single = _latest(tmp_path / "single" / "target")
    diffs = [float(np.abs(a - b).max()) for a, b in zip(
        *(map(np.asarray, jax_leaves(x["params"])) for x in (multi, single)))]
    assert diffs and max(diffs) <= 1e-5, max(diffs)
    runs = [json.loads((tmp_path / d / "run.json").read_text()) for d in ("multi", "single")]
    assert runs[0]["results"] == runs[1]["results"]
    assert set(runs[0]["results"]["demo_xnli"]) == {"en", "de"}


def jax_leaves(tree):
    import jax

    return jax.tree.leaves(tree)
