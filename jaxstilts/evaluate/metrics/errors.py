"""The one exception scoring raises for bad input, so callers never see a bare KeyError trace."""

from __future__ import annotations

from os import PathLike


class ScoringError(ValueError):
    """Predictions or labels that cannot be scored: the message names the file, line and problem."""

    def __init__(
        self, message: str, *, path: str | PathLike | None = None, line: int | None = None
    ):
        self.path = None if path is None else str(path)
        self.line = line
        self.problem = message
        where = ""
        if self.path is not None:
            where = self.path + (f": line {line}" if line is not None else "") + ": "
        elif line is not None:
            where = f"line {line}: "
        super().__init__(where + message)
