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
        self.created = False  # whether `acquire` made the workdir (decided by its own mkdir)

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

    def _make_workdir(self) -> bool:
        """Make the workdir; True if this call made it (atomic for local folders: of two
        commands started together on a new workdir, one makes it, the other finds it)."""
        if "://" in str(self.workdir):  # cloud storage: best effort
            created = not self.workdir.exists()
            self.workdir.mkdir(parents=True, exist_ok=True)
            return created
        try:
            self.workdir.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            return False
        return True

    def acquire(self) -> None:
        self.created = self._make_workdir()
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
        """Remove the lock if it is still ours. A lock that cannot be removed (a workdir made
        read-only) is said, never raised over the error that ended the command: it goes stale
        as soon as this process exits."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            current = self._current()
            if current is not None and current[0].get("pid") == self.info["pid"] and (
                    current[0].get("host") == self.info["host"]):
                self.path.unlink()
        except OSError as e:
            log.warning("could not remove the lock %s (%s); it is stale once this process has "
                        "exited and the next command takes it over", self.path, e)

    def __enter__(self) -> WorkdirLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lock_holder(workdir: str | Path) -> dict | None:
    """Who holds the lock of `workdir` (pid, host, command, started), or None when nobody
    does (no lock, or a stale one)."""
    lock = WorkdirLock(workdir, "inspect")
    current = lock._current()
    if current is None:
        return None
    info, age = current
    return info if stale_reason(info, age) is None else None


STUB_FILES = {"config.json", "environment.json", LOCK_NAME}


def _is_stub(path) -> bool:
    """Only what a start writes before any work (no checkpoint, no result); walked folder by
    folder, as cloud storage has no recursive glob."""
    for entry in path.iterdir():
        if entry.is_dir() and not _is_stub(entry):
            return False
        if not entry.is_dir() and entry.name not in STUB_FILES:
            return False
    return True


@contextlib.contextmanager
def hold(workdir: str | Path, command: str) -> Iterator[None]:
    """The workdir lock on process 0 of a run (other processes write through it). A workdir
    this command created (decided under the lock, by the lock's own mkdir) is removed again
    when the command fails before writing any work: its files while the lock is held, the
    folder itself after, and only if nobody has written there since."""
    import jax

    if jax.process_index() != 0:
        yield
        return
    lock = WorkdirLock(workdir, command)
    lock.acquire()  # a command that loses the lock never removes anything
    remove = False
    try:
        yield
    except BaseException:
        remove = lock.created and _is_stub(lock.workdir)
        if remove:
            for entry in lock.workdir.iterdir():
                if entry.is_dir():
                    entry.rmtree()
                elif entry.name != LOCK_NAME:
                    entry.unlink()
        raise
    finally:
        lock.release()
        if remove:
            with contextlib.suppress(OSError):  # another command's lock is there now
                lock.workdir.rmdir()


# ---------------------------------------------------------------- the recorded config

# Keys that do not change results: where data and caches live, how devices are laid out, logging
# and checkpoint cadence, rematerialisation, the sweep around a run. They may differ on a resume.
NEUTRAL_KEYS = ("name", "mesh.", "distributed.", "data.data_dir", "data.cache_dir",
                "data.source", "model.remat", "evaluate.batch_size", "sweep.",
                "intermediate.log_every", "intermediate.checkpoint_every",
                "target.log_every", "target.checkpoint_every")
CONFIG_CHANGES = "config_changes.json"


class ConfigChanged(ValueError):
    """The workdir's results were made with another config."""


def _flat(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _recorded(config) -> dict:
    return _flat(json.loads(config.to_json_best_effort()))


def config_differences(config, workdir: str | Path) -> dict[str, tuple]:
    """Key -> (recorded, new) for every key whose value differs from `workdir/config.json`
    (keys that do not change results left out, and what the run does not read: see `_as_read`);
    {} for a new workdir."""
    from jaxstilts.train.checkpoint import abs_path

    file = abs_path(workdir) / "config.json"
    if not file.exists():
        return {}
    old, new = (_as_read(flat, config) for flat in (_flat(json.loads(file.read_text())),
                                                    _recorded(config)))
    return {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k) and not k.startswith(NEUTRAL_KEYS)}


def _as_read(flat: dict, config) -> dict:
    """`flat` less what `config`'s run does not read, which cannot change its results: the user
    tasks it neither trains on (in any phase, its target's training task included) nor
    evaluates, and the length of preparatory stages when its target has none."""
    from jaxstilts.tasks import target_training

    flat = dict(flat)
    flat.setdefault("model.scan_layers", False)  # recorded before the key: unrolled checkpoints
    if flat.get("user_tasks") and isinstance(flat["user_tasks"], list):
        read = {*config.intermediate.tasks, config.target.task, *target_training(config)}
        flat["user_tasks"] = [t for t in flat["user_tasks"]
                              if not isinstance(t, dict) or t.get("name") in read]
    if not _has_stages(config):
        flat.pop("target.prepare_epochs", None)
    return flat


def _has_stages(config) -> bool:
    """Whether the run's target has preparatory stages (XCOPA: SIQA)."""
    from jaxstilts.tasks import get_task

    try:
        return bool(get_task(config.target.task).prepare_tasks)
    except KeyError:  # no target, or a user's task (those have no stages)
        return False


def _redo(key: str, old, new) -> str | None:
    """What a change of `key` makes us redo, when it can be done without lying; None if the
    change alters results already on disk."""
    if key.startswith("evaluate."):
        return "eval"
    if key == "target.steps" and isinstance(old, int) and isinstance(new, int) and new > old > 0:
        return "target"
    return None


def open_run(config, workdir: str | Path, allow_change: bool = False) -> list[str]:
    """Check `config` against the one recorded in `workdir`, then record it (`config.json`).

    A differing config is refused naming the keys, unless every change is one that only adds
    work (more target steps: training continues from the last checkpoint; evaluation keys:
    evaluation is redone) and `allow_change` is set: then the phases it affects are reopened
    and the change is appended to `config_changes.json`. Returns the reopened phases.
    """
    import jax

    from jaxstilts.train.checkpoint import abs_path

    workdir = abs_path(workdir)
    diff = config_differences(config, workdir)
    shown = "; ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in diff.items())
    unsafe = [k for k, (old, new) in diff.items() if _redo(k, old, new) is None]
    if unsafe:
        raise ConfigChanged(
            f"{workdir} holds results of another config ({shown}); {', '.join(unsafe)} would "
            "change what was already trained: use a new --workdir (or delete this one)")
    if diff and not allow_change:
        raise ConfigChanged(
            f"{workdir} holds results of another config ({shown}): pass --allow-config-change "
            "to continue with the new settings here (more target steps continue training from "
            "the last checkpoint, evaluation keys redo the evaluation), or use a new --workdir")
    reopened = sorted({_redo(k, *v) for k, v in diff.items()})
    if "target" in reopened:
        reopened.append("eval")
        reopened = sorted(set(reopened), reverse=True)
    if jax.process_index() == 0:
        workdir.mkdir(parents=True, exist_ok=True)
        for phase in reopened:
            for marker in (workdir / phase / "done.json", workdir / "run.json"):
                if marker.exists():
                    marker.unlink()
        if diff:
            _log_change(workdir, {k: list(v) for k, v in diff.items()}, reopened)
            log.warning("%s: config changed (%s); reopened %s, recorded in %s", workdir, shown,
                        ", ".join(reopened), CONFIG_CHANGES)
        (workdir / "config.json").write_text(config.to_json_best_effort(indent=2))
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices("jaxstilts.open_run")
    return reopened


def record_evaluation(config, workdir: str | Path) -> None:
    """After `jaxstilts eval`: the recorded config takes the new `evaluate` section (the one
    that made eval/ and run.json), the rest stays what trained the checkpoints; a change is
    appended to `config_changes.json`."""
    import jax

    from jaxstilts.train.checkpoint import abs_path

    file = abs_path(workdir) / "config.json"
    if jax.process_index() != 0 or not file.exists():
        return
    recorded = json.loads(file.read_text())
    new = json.loads(config.to_json_best_effort())["evaluate"]
    old = recorded.get("evaluate", {})
    changed = {f"evaluate.{k}": [old.get(k), v] for k, v in new.items() if old.get(k) != v}
    if not changed:
        return
    recorded["evaluate"] = new
    file.write_text(json.dumps(recorded, indent=2))
    _log_change(file.parent, changed, ["eval"])


def _log_change(workdir, changed: dict[str, list], reopened: list[str]) -> None:
    """Append one change of the recorded config to `workdir/config_changes.json`."""
    log_file = workdir / CONFIG_CHANGES
    changes = json.loads(log_file.read_text()) if log_file.exists() else []
    changes.append({"at": datetime.datetime.now().isoformat(timespec="seconds"),
                    "changed": changed, "reopened": reopened})
    log_file.write_text(json.dumps(changes, indent=2))
