"""TensorBoard scalars that are on disk when `add` returns.

tensorboardX's `SummaryWriter` queues events for a background thread, so a SIGKILL loses
whatever it had not written yet: the curves of a preempted run had holes before its last
checkpoint. Here each `add` writes and flushes its events itself. A resumed run starts its file
with a session restart at the step after its checkpoint (TensorBoard's purge: the killed run's
later points are hidden) and then logs those steps again, so a curve has every step once.
"""

from __future__ import annotations

import time
from pathlib import Path


class ScalarLog:
    """Scalars of one run into `folder` (an event file of its own per process start)."""

    def __init__(self, folder: str | Path, resumed_from: int | None = None):
        from tensorboardX.event_file_writer import EventsWriter
        from tensorboardX.proto.event_pb2 import Event, SessionLog

        self._event = Event
        self._writer = EventsWriter(str(Path(folder) / "events")
                                    if "://" not in str(folder) else f"{folder}/events")
        if resumed_from is not None:
            self._writer.write_event(Event(wall_time=time.time(), step=resumed_from + 1,
                                           session_log=SessionLog(status=SessionLog.START)))
            self._writer.flush()

    def add(self, scalars: dict[str, float], step: int) -> None:
        from tensorboardX.summary import scalar

        for tag, value in scalars.items():
            self._writer.write_event(self._event(wall_time=time.time(), step=step,
                                                 summary=scalar(tag, value)))
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()
