"""Bad input: one error type that names the file/line (or hub row) and the problem, and a report.

Readers and validators never drop a row on their own. They hand a `RowProblem` to `LoadReport`,
which either raises `DataError` or, with `skip_invalid`, counts it per reason. The counts are logged
at the end of loading and returned with the examples, so nothing disappears silently.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass, field

log = logging.getLogger("jaxstilts.tasks")

# Reasons a row can be rejected (the keys of `LoadReport.skipped`).
MISSING_FIELD = "missing_field"
UNKNOWN_LABEL = "unknown_label"
ANSWER_NOT_IN_CONTEXT = "answer_not_in_context"
EMPTY_TEXT = "empty_text"
INVALID_UTF8 = "invalid_utf8"
WRONG_COLUMN_COUNT = "wrong_column_count"
WRONG_LABEL_COUNT = "wrong_label_count"  # a labels file that does not pair with its rows
UNKNOWN_SENTENCE_ID = "unknown_sentence_id"
INVALID_JSON = "invalid_json"
LENGTH_MISMATCH = "length_mismatch"
WRONG_CHOICE_COUNT = "wrong_choice_count"
DUPLICATE_ID = "duplicate_id"
DUPLICATE_PAIR = "duplicate_pair"
INVALID_OFFSET = "invalid_answer_start"
EMPTY_FILE = "empty_file"
CUT_MID_LINE = "cut_mid_line"  # a last line without its line end: the file was cut off
# A language asked for of which the files (or hub data) hold no row: never averaged over silently.
LANGUAGE_WITHOUT_ROWS = "language_without_rows"
# A gold link whose query or candidate is not among the kept rows (skipped, or never given).
GOLD_LINK_WITHOUT_ROW = "gold_link_without_row"
# Not an error: the dataset itself marks the row as having no gold label (SNLI "-", label -1).
NO_GOLD_LABEL = "no_gold_label"


class DataError(ValueError):
    """A malformed input row; the message starts with where it is (file:line or hub row)."""

    def __init__(self, where: str, reason: str, detail: str):
        super().__init__(f"{where}: {reason}: {detail}")
        self.where, self.reason, self.detail = where, reason, detail


@dataclass(frozen=True)
class RowProblem:
    where: str
    reason: str
    detail: str


@dataclass
class LoadReport:
    """Counts of rows read, kept and skipped (per reason), with a few examples of each problem.

    read = kept + sum(skipped) + sum(excluded) for every task. Retrieval counts each sentence
    (query or candidate) and each gold link as one row.
    """

    skip_invalid: bool = False
    read: int = 0
    kept: int = 0
    skipped: collections.Counter = field(default_factory=collections.Counter)
    excluded: collections.Counter = field(default_factory=collections.Counter)
    samples: dict[str, list[str]] = field(default_factory=dict)
    repaired: collections.Counter = field(default_factory=collections.Counter)

    def reject(self, problem: RowProblem) -> None:
        """Raise for `problem`, or count it when skipping invalid rows."""
        if not self.skip_invalid:
            raise DataError(problem.where, problem.reason, problem.detail)
        self.skipped[problem.reason] += 1
        self._sample(problem)

    def exclude(self, problem: RowProblem) -> None:
        """Count a row the dataset marks as unusable (no gold label); never an error."""
        self.excluded[problem.reason] += 1
        self._sample(problem)

    def repair(self, problem: RowProblem) -> None:
        """Count a row that was fixed on the way in (e.g. an answer offset off by a few chars)."""
        self.repaired[problem.reason] += 1
        self._sample(problem)

    def _sample(self, problem: RowProblem) -> None:
        bucket = self.samples.setdefault(problem.reason, [])
        if len(bucket) < 3:
            bucket.append(f"{problem.where}: {problem.detail}")

    def merge(self, other: LoadReport) -> None:
        self.read += other.read
        self.kept += other.kept
        self.skipped.update(other.skipped)
        self.excluded.update(other.excluded)
        self.repaired.update(other.repaired)
        for reason, lines in other.samples.items():
            bucket = self.samples.setdefault(reason, [])
            bucket.extend(lines[: max(0, 3 - len(bucket))])

    def log(self, what: str) -> None:
        """Log the outcome; a warning whenever rows were skipped or excluded."""
        message = f"{what}: read {self.read} rows, kept {self.kept}"
        if self.skipped or self.excluded or self.repaired:
            parts = [f"skipped {dict(self.skipped)}"] if self.skipped else []
            parts += [f"excluded {dict(self.excluded)}"] if self.excluded else []
            parts += [f"repaired {dict(self.repaired)}"] if self.repaired else []
            log.warning("%s; %s; e.g. %s", message, "; ".join(parts), self.samples)
        else:
            log.info(message)

    def as_dict(self) -> dict:
        """JSON-serialisable summary (what the cache stores and a caller may log)."""
        return {
            "read": self.read,
            "kept": self.kept,
            "skipped": dict(self.skipped),
            "excluded": dict(self.excluded),
            "repaired": dict(self.repaired),
            "samples": {k: list(v) for k, v in self.samples.items()},
        }

    @classmethod
    def from_dict(cls, data: dict, skip_invalid: bool = False) -> LoadReport:
        report = cls(skip_invalid=skip_invalid, read=data["read"], kept=data["kept"])
        report.skipped.update(data["skipped"])
        report.excluded.update(data["excluded"])
        report.repaired.update(data.get("repaired", {}))
        report.samples = {k: list(v) for k, v in data["samples"].items()}
        return report
