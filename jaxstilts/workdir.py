"""One writer per workdir: a lock file that names its holder and goes stale when the holder dies.

`<workdir>/.jaxstilts.lock` holds the pid, host and start time of the command that writes there;
a thread touches it every `HEARTBEAT_S` seconds. A lock is stale, and is taken over with a warning,
when its process is gone (same host) or its heartbeat is older than `STALE_AFTER_S` (any host: a
crashed process never leaves a workdir stuck for longer than that). In a multi-process run only
process 0 holds the lock. Local workdirs are locked atomically (O_EXCL); on cloud storage (gs://)
the check-then-write is best effort.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_NAME = ".jaxstilts.lock"
HEARTBEAT_S = 30.0
STALE_AFTER_S = 300.0


class WorkdirBusy(RuntimeError):
    """Another live process writes to this workdir."""


def _holder_text(info: dict) -> str:
    return (f"pid {info.get('pid')} on {info.get('host')} ({info.get('command', '?')}, "
            f"since {info.get('started', '?')})")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def stale_reason(info: dict, age_s: float) -> str | None:
    """Why the lock described by `info` (last touched `age_s` ago) is stale, or None if held."""
    if age_s > STALE_AFTER_S:
        return f"no heartbeat for {age_s:.0f}s"
    if info.get("host") == socket.gethostname() and not _pid_alive(int(info.get("pid", -1))):
        return "its process is gone"
    return None


class WorkdirLock:
    """`with WorkdirLock(workdir, "run"):` -- raise `WorkdirBusy` at once if another holds it."""

    def __init__(self, workdir: str | Path, command: str):
        from jaxstilts.train.checkpoint import abs_path

        self.workdir = abs_path(workdir)
        self.path = self.workdir / LOCK_NAME
        self.info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                     "started": datetime.datetime.now().isoformat(timespec="seconds")}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _create(self) -> bool:
        """Write the lock file if there is none; False if there is one."""
        text = json.dumps(self.info)
        if "://" in str(self.path):
            if self.path.exists():
                return False
            self.path.write_text(text)
            return True
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return True

    def _current(self) -> tuple[dict, float] | None:
        """The present holder and the age of its heartbeat, or None if the file vanished."""
        try:
            text = self.path.read_text()
            age = time.time() - self.path.stat().mtime
        except FileNotFoundError:
            return None
        try:
            info = json.loads(text)
        except json.JSONDecodeError:  # half-written by a holder that died mid-write
            info = {}
        return (info if isinstance(info, dict) else {}), age

    def acquire(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # a stale lock removed by a racing process: try again
            if self._create():
                break
            current = self._current()
            if current is None:
                continue
            info, age = current
            reason = stale_reason(info, age)
            if reason is None:
                raise WorkdirBusy(f"{self.workdir} is in use by {_holder_text(info)}; "
                                  f"wait for it to finish (lock file {self.path})")
            log.warning("taking over the stale lock of %s on %s (%s)", _holder_text(info),
                        self.workdir, reason)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        else:
            raise WorkdirBusy(f"{self.workdir}: could not take the lock {self.path}")
        self._thread = threading.Thread(target=self._beat, daemon=True, name="workdir-lock")
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with contextlib.suppress(OSError):
                if "://" in str(self.path):
                    self.path.write_text(json.dumps(self.info))
                else:
                    os.utime(self.path)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        current = self._current()
        if current is not None and current[0].get("pid") == self.info["pid"] and (
                current[0].get("host") == self.info["host"]):
            self.path.unlink()

    def __enter__(self) -> WorkdirLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@contextlib.contextmanager
def hold(workdir: str | Path, command: str) -> Iterator[None]:
    """The workdir lock on process 0 of a run (other processes write through it)."""
    import jax

    if jax.process_index() != 0:
        yield
        return
    with WorkdirLock(workdir, command):
        yield
