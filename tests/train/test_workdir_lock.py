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
