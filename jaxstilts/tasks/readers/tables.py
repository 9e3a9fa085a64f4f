"""Row-per-line formats: TSV (XNLI, PAWS-X, GLUE), CSV (Cosmos QA; XTREME's processed XNLI and
PAWS-X), JSON lines (SNLI, ANLI, HellaSwag, CommonsenseQA, COPA/XCOPA, SuperGLUE, user data) and
JSON lines whose labels lie in a file of their own (AI2's leaderboard releases: Social IQa)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.problems import (
    INVALID_JSON,
    WRONG_COLUMN_COUNT,
    WRONG_LABEL_COUNT,
    DataError,
    RowProblem,
)
from jaxstilts.tasks.readers.text import bad_utf8, decode, lines

Row = tuple[str, dict[str, Any]] | RowProblem


def read_tsv(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """Tab-separated, no quoting (GLUE/XNLI text contains bare quotes). The first line is a header
    unless `columns` are given; a line with another number of fields is a problem."""
    delimiter = options.get("delimiter", "\t")
    for path in paths:
        columns = list(options["columns"]) if options.get("columns") else None
        for number, line in lines(path):
            if isinstance(line, RowProblem):
                yield line
                continue
            if not line.strip():
                continue
            values = line.split(delimiter)
            if columns is None:
                columns = values
                continue
            where = f"{path}:{number}"
            if len(values) != len(columns):
                detail = f"{len(values)} fields, header has {len(columns)}"
                yield RowProblem(where, WRONG_COLUMN_COUNT, detail)
                continue
            yield where, dict(zip(columns, values, strict=True))


def read_csv(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """Python's `csv` format, quoted fields may span lines: comma-separated with a header record
    (Cosmos QA), or with `delimiter` and `columns` (no header): the tab-separated files XTREME's
    utils_preprocess.py writes with `csv.writer`."""
    delimiter = options.get("delimiter", ",")
    for path in paths:
        text = decode(path.read_bytes())
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = list(options["columns"]) if options.get("columns") else None
        start = 1
        for values in reader:
            where = f"{path}:{start}"
            start = reader.line_num + 1
            if header is None:
                header = values
                continue
            if not values:
                continue
            problem = bad_utf8(where, "\x1f".join(values))
            if problem:
                yield problem
            elif len(values) != len(header):
                detail = f"{len(values)} fields, expected {len(header)}"
                yield RowProblem(where, WRONG_COLUMN_COUNT, detail)
            else:
                yield where, dict(zip(header, values, strict=True))


def read_jsonl(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """One JSON object per line."""
    for path in paths:
        for number, line in lines(path):
            if isinstance(line, RowProblem):
                yield line
                continue
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                yield RowProblem(where, INVALID_JSON, str(e))
                continue
            if not isinstance(row, dict):
                yield RowProblem(where, INVALID_JSON, f"a JSON {type(row).__name__}, not an object")
                continue
            yield where, row


def read_jsonl_labels(paths: list[Path], options: Mapping[str, Any],
                      context: Mapping) -> Iterator[Row]:
    """JSON lines with the labels in a separate file, one per line, in row order (AI2's releases:
    `train.jsonl` + `train-labels.lst`). `paths` alternate rows file, labels file; each label
    goes into the row as `options["label_column"]` (default `label`), as written, and a row's
    `where` names both lines (`dev.jsonl:3 (label dev-labels.lst:3)`). Files whose
    non-blank line counts differ cannot be paired: a `DataError` naming both."""
    if len(paths) % 2:
        raise ValueError(f"jsonl_labels: rows and labels files come in pairs, got {paths}")
    column = options.get("label_column", "label")
    for rows_path, labels_path in zip(paths[0::2], paths[1::2], strict=True):
        labels = [(number, text if isinstance(text, RowProblem) else text.strip())
                  for number, text in lines(labels_path)
                  if isinstance(text, RowProblem) or text.strip()]
        rows = list(read_jsonl([rows_path], options, context))
        if len(rows) != len(labels):
            raise DataError(f"{rows_path}, {labels_path}", WRONG_LABEL_COUNT,
                            f"{len(rows)} rows, {len(labels)} labels: the label of each row is "
                            "the line of the same number")
        for row, (number, label) in zip(rows, labels, strict=True):
            if isinstance(row, RowProblem) or isinstance(label, RowProblem):
                yield row if isinstance(row, RowProblem) else label
            else:  # a bad label is found later, by validation: `where` names its line too
                yield f"{row[0]} (label {labels_path}:{number})", {**row[1], column: label}
