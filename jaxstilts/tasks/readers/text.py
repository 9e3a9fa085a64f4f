"""Reading text files line by line with exact line numbers and explicit UTF-8 failures.

Files are decoded as UTF-8 with `surrogateescape`: a line with bytes that are not UTF-8 becomes an
`invalid_utf8` problem naming the file and line, instead of an exception that loses the position or
a silent replacement character.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from jaxstilts.tasks.problems import CUT_MID_LINE, INVALID_UTF8, DataError, RowProblem

_SURROGATE = re.compile("[\udc80-\udcff]")


def decode(data: bytes) -> str:
    """UTF-8 text with undecodable bytes kept as lone surrogates (caught by validation)."""
    text = data.decode("utf-8", errors="surrogateescape")
    return text[1:] if text.startswith("\ufeff") else text


def bad_utf8(where: str, text: str) -> RowProblem | None:
    match = _SURROGATE.search(text)
    if match is None:
        return None
    raw = text[match.start()].encode("utf-8", errors="surrogateescape")
    return RowProblem(
        where, INVALID_UTF8, f"byte {raw!r} at column {match.start() + 1} is not UTF-8"
    )


def printable(text: str) -> str:
    """`text` with undecodable bytes shown as `\\xNN` escapes (safe to print, log or store)."""
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")


def lines(path: Path, ended: bool = False) -> Iterator[tuple[int, str | RowProblem]]:
    """(line number, text without newline) or (line number, invalid-UTF-8 problem).
    `ended`: a last line without its line end is a `cut_mid_line` DataError -- a file cut off
    (a partial download), in a format whose releases end every line (BUCC, Tatoeba)."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            where = f"{path}:{number}"
            if ended and not raw.endswith(b"\n"):  # an error even with skip_invalid: the
                raise DataError(where, CUT_MID_LINE, "the last line has no line end: the "
                                "file is cut off mid-line (download it again)")  # rest is lost
            text = decode(raw) if number == 1 else raw.decode("utf-8", errors="surrogateescape")
            text = text.rstrip("\r\n")
            problem = bad_utf8(where, text)
            yield number, (problem if problem else text)


def line_of(text: str, offset: int) -> int:
    """1-based line number of character `offset` in `text`."""
    return text.count("\n", 0, offset) + 1
