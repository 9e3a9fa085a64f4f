"""Logging for the command line: our notices and real warnings, once each, nothing else.

Libraries repeat themselves: Orbax says "Given directory is read only" for every read-only
checkpoint manager we open on purpose, and a warning logged in a loop comes back each time.
"""

from __future__ import annotations

import logging
import os
import sys

NOTICE = "jaxstilts.train.notice"  # where a run resumes from, what it skips, why it stopped
# Orbax (through absl) on every read-only CheckpointManager (expected: it is how we read), its
# timing hint on every save, and its note that a step's item folder has no metadata file of its
# own when the handoff reads the tree metadata (`checkpoint.saved_encoder_tree`; the file is
# one level up).
EXPECTED = ("Given directory is read only", "read_only=True, setting save_interval_steps=0",
            "Waiting for previous save to complete",
            "_CHECKPOINT_METADATA")
# Orbax's logs (with tracebacks) of a failed background save: the command reports that failure
# itself, in one line (`checkpoint.CheckpointNotWritten`); shown with -v.
REPORTED = ("_SignalingThread.run() raised an exception", "in background save thread",
            "Save Finalize thread")


class _Stderr(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (as `logging.lastResort` does)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class Shown(logging.Filter):
    """Warnings (all INFO with `verbose`) and our notices (unless `quiet`), each text once;
    the expected library notices never."""

    def __init__(self, verbose: bool, quiet: bool):
        super().__init__()
        self.verbose, self.quiet = verbose, quiet
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        notice = record.name == NOTICE and not self.quiet
        if record.levelno < logging.WARNING and not (self.verbose or notice):
            return False
        if not self.verbose and any(r in record.getMessage() for r in REPORTED):
            return False
        key = (record.name, record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


class _Expected(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(e in record.getMessage() for e in EXPECTED)


def drop_expected_library_notices() -> None:
    """Orbax's expected notices dropped on the absl logger itself, whatever prints it (the
    command line's handler, absl's own, a notebook's)."""
    absl = logging.getLogger("absl")
    if not any(isinstance(f, _Expected) for f in absl.filters):
        absl.addFilter(_Expected())


def setup_logging(verbose: bool = False, quiet: bool = False) -> None:
    """One stderr handler with `Shown`'s rule (replacing an earlier one of ours); `quiet` also
    turns off the `datasets` progress bars. transformers' advice that PyTorch is missing (it
    is not needed: models are ours) is not shown."""
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    drop_expected_library_notices()
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(old)
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Shown(verbose, quiet))
    root.addHandler(handler)
    if verbose:
        root.setLevel(logging.INFO)
    logging.getLogger(NOTICE).setLevel(logging.INFO)
    if quiet:
        if "datasets" in sys.modules:
            sys.modules["datasets"].disable_progress_bars()
        else:  # read when `datasets` is imported (importing it here costs seconds)
            os.environ["HF_DATASETS_DISABLE_PROGRESS_BARS"] = "1"
