"""One writer per workdir: a second command fails at once naming the holder; stale locks expire."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from jaxstilts.cli import main
from jaxstilts.workdir import LOCK_NAME, STALE_AFTER_S, WorkdirBusy, WorkdirLock

HOLD = ("import sys, time; from jaxstilts.workdir import WorkdirLock\n"
        "with WorkdirLock(sys.argv[1], 'run'):\n    print('held', flush=True); time.sleep(120)\n")


def test_a_second_writer_fails_at_once_naming_the_workdir_and_the_holder(tmp_path, capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for command in (["run", "tiny"], ["eval", "tiny"], ["sweep", "tiny"]):
            started = time.perf_counter()
            assert main([*command, "--workdir", str(tmp_path)]) == 2
            assert time.perf_counter() - started < 30
            err = capsys.readouterr().err
            assert err.count("\n") == 1, err
            assert err.startswith(f"jaxstilts {command[0]}: {tmp_path} is in use by pid "
                                  f"{holder.pid} on {socket.gethostname()} (run, since "), err
    finally:
        holder.kill()
        holder.wait()


def _write_lock(workdir, pid, host, age_s=0.0):
    path = workdir / LOCK_NAME
    path.write_text(json.dumps({"pid": pid, "host": host, "command": "run", "started": "then"}))
    os.utime(path, (time.time() - age_s, time.time() - age_s))


def test_a_crashed_holder_does_not_leave_the_workdir_stuck(tmp_path, caplog):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _write_lock(tmp_path, dead.pid, socket.gethostname())
    with WorkdirLock(tmp_path, "run"):
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()
    assert f"stale lock of pid {dead.pid}" in caplog.text and "its process is gone" in caplog.text
    assert not (tmp_path / LOCK_NAME).exists()  # released


def test_a_lock_from_another_host_expires_when_its_heartbeat_stops(tmp_path):
    _write_lock(tmp_path, 1, "other-host", age_s=10)
    with pytest.raises(WorkdirBusy, match="in use by pid 1 on other-host"):
        WorkdirLock(tmp_path, "run").acquire()
    _write_lock(tmp_path, 1, "other-host", age_s=STALE_AFTER_S + 60)
    with WorkdirLock(tmp_path, "eval"):
        assert json.loads((tmp_path / LOCK_NAME).read_text())["command"] == "eval"


def test_a_command_that_loses_a_new_workdir_to_another_leaves_its_lock_alone(tmp_path,
                                                                             monkeypatch):
    """Two commands started together on a new workdir: the other one makes the folder and
    takes the lock between this one's start and its own try. This one fails naming the holder
    and removes nothing: whether the workdir is new is decided under the lock, not before."""
    from jaxstilts.workdir import hold

    workdir = tmp_path / "W"
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": "run",
              "started": "now"}  # alive: this very process
    acquire = WorkdirLock.acquire

    def the_other_command_wins(self):
        workdir.mkdir()
        (workdir / LOCK_NAME).write_text(json.dumps(holder))
        (workdir / "config.json").write_text("{}")  # what the winner writes first
        acquire(self)

    monkeypatch.setattr(WorkdirLock, "acquire", the_other_command_wins)
    with pytest.raises(WorkdirBusy, match=f"in use by pid {os.getpid()}"), hold(workdir, "run"):
        raise AssertionError("the losing command must not run")
    assert json.loads((workdir / LOCK_NAME).read_text()) == holder
    assert (workdir / "config.json").exists()


def test_a_lock_that_cannot_be_removed_does_not_hide_the_error_that_ended_the_command(
        tmp_path, monkeypatch, caplog):
    from etils.epath.gpath import PosixGPath

    from jaxstilts.workdir import hold

    def read_only(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    with pytest.raises(OSError, match="No space left"), hold(tmp_path, "run"):
        monkeypatch.setattr(PosixGPath, "unlink", read_only)  # the workdir became read-only
        raise OSError(28, "No space left on device")
    assert f"could not remove the lock {tmp_path / LOCK_NAME}" in caplog.text
