"""A checkpoint that cannot be written (a full disk, a file-size limit, a read-only workdir) stops
the run with one error naming the folder and what to do, not Orbax's background tracebacks."""

import contextlib
import resource
import signal

import jax.numpy as jnp
import numpy as np
import pytest

from jaxstilts.train.checkpoint import Checkpointer, CheckpointNotWritten
from jaxstilts.train.state import TrainState


@contextlib.contextmanager
def files_limited_to(size: int):
    """Writes beyond `size` bytes fail with EFBIG, as a full disk's fail with ENOSPC: the kernel
    refuses them inside TensorStore's own writes."""
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


# TensorStore's writes left behind report "Event loop is closed" (the command line drops those:
# the next test); here, below the command line, they are expected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_checkpoint_the_disk_refuses_is_one_error_saying_what_to_do(tmp_path):
    noise = np.random.default_rng(0).standard_normal((256, 1024), np.float32)  # 1 MiB
    state = TrainState(jnp.asarray(2, jnp.int32), {"w": jnp.asarray(noise)}, {})
    ckpt = Checkpointer(tmp_path, async_save=True)
    try:
        with files_limited_to(256 << 10), pytest.raises(CheckpointNotWritten) as error:
            ckpt.save(state, {}, {})  # asynchronous: its failure comes out at the next call
            ckpt.wait()
    finally:
        with contextlib.suppress(CheckpointNotWritten):
            ckpt.close()
    assert str(error.value) == (
        f"{tmp_path}/checkpoints: a checkpoint could not be written (File too large); free disk "
        "space (or make the workdir writable) and run the same command again: it resumes from "
        "the last checkpoint written")
    assert isinstance(error.value, OSError)  # the command line's one-line errors


def test_a_full_disk_during_a_run_is_one_line_from_the_command(tmp_path, monkeypatch, capsys):
    """Through the command line: the failed asynchronous save, Orbax's logs of it and the
    TensorStore writes it leaves behind print nothing but the command's one line; the lock is
    released."""
    from jaxstilts.cli import main
    from jaxstilts.experiment import run as experiment
    from jaxstilts.workdir import LOCK_NAME

    noise = np.random.default_rng(0).standard_normal((256, 1024), np.float32)
    state = TrainState(jnp.asarray(2, jnp.int32), {"w": jnp.asarray(noise)}, {})

    def run(config, workdir, **kwargs):
        ckpt = Checkpointer(tmp_path / "W" / "target")
        try:
            with files_limited_to(256 << 10):
                ckpt.save(state, {}, {})
                ckpt.wait()
        finally:
            ckpt.close()

    monkeypatch.setattr(experiment, "run_experiment", run)
    assert main(["run", "tiny", "--workdir", str(tmp_path / "W")]) == 2
    err = capsys.readouterr().err
    assert err == (f"jaxstilts run: {tmp_path}/W/target/checkpoints: a checkpoint could not be "
                   "written (File too large); free disk space (or make the workdir writable) and "
                   "run the same command again: it resumes from the last checkpoint written\n")
    assert not (tmp_path / "W" / LOCK_NAME).exists()
