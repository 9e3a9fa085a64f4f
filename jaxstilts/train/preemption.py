"""Preemption: SIGTERM or SIGINT asks the training loop to save at the next step boundary and stop.

One process: a Python handler records the signal and the loop checks it after every step. Several
processes: JAX's preemption service owns SIGTERM (it propagates the notice to every host and agrees
on the step at which all of them save, `reached_preemption`); SIGINT is forwarded to it as SIGTERM,
so every host stops at the same step whichever host was signalled.

A preempted run raises `Preempted` after its checkpoint is written; the command exits with
`EXIT_CODE` (75, EX_TEMPFAIL: "try again"), and running the same command again resumes.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

import jax

log = logging.getLogger(__name__)

EXIT_CODE = 75  # sysexits.h EX_TEMPFAIL: a temporary failure, re-running is expected to succeed
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Preempted(RuntimeError):
    """Training stopped on a signal after saving a checkpoint at `step`."""

    def __init__(self, reason: str, step: int, workdir: str | Path):
        super().__init__(f"preempted ({reason}) at step {step}: checkpoint saved in "
                         f"{workdir}/checkpoints/{step}; re-run the same command to resume")
        self.step, self.workdir = step, str(workdir)


def _jax_owns_sigterm() -> bool:
    """Whether JAX's preemption service is listening for SIGTERM (multi-process runs)."""
    from jax._src import distributed

    return (jax.process_count() > 1
            and getattr(distributed.global_state, "preemption_sync_manager", None) is not None)


class StopRequests:
    """While active, SIGTERM/SIGINT become a request to stop; `requested(step)` says when."""

    def __init__(self, reached_sync_point):
        self._reached_sync_point = reached_sync_point
        self.received: str | None = None
        self._previous: dict[int, object] = {}
        self._forward = False

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is not threading.main_thread():
            return self  # handlers can only be installed from the main thread
        self._forward = _jax_owns_sigterm()
        for sig in SIGNALS:
            if self._forward and sig == signal.SIGTERM:
                continue
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame) -> None:
        self._restore()  # a second signal acts as it would without us (stop at once)
        if self._forward:
            os.kill(os.getpid(), signal.SIGTERM)  # to JAX's preemption notifier
            self.received = "SIGTERM (forwarded from SIGINT)"
        else:
            self.received = signal.Signals(signum).name

    def _restore(self) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def __exit__(self, *exc) -> None:
        self._restore()

    def requested(self, step: int) -> bool:
        """True at the step where this process (or, multi-host, every process) should stop."""
        if self._forward or jax.process_count() > 1:
            if self._reached_sync_point(step):
                self.received = self.received or "SIGTERM"
                return True
            return False
        return self.received is not None
