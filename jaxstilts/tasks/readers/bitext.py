"""Parallel-sentence retrieval files: BUCC 2018 (`{lg}-en.{split}.{lg|en}` of `id<TAB>sentence`,
plus `.gold` id pairs) and Tatoeba (two line-aligned files)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.problems import (
    DUPLICATE_PAIR,
    LENGTH_MISMATCH,
    UNKNOWN_SENTENCE_ID,
    WRONG_COLUMN_COUNT,
    DataError,
    RowProblem,
)
from jaxstilts.tasks.readers.text import lines

Row = tuple[str, dict[str, Any]] | RowProblem


def read_tatoeba(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """`paths` = [non-English file, English file], aligned line by line; with `aligned` False
    (XTREME's processed files, whose English side download_data.sh sorted) the lines are two
    unlinked sides: queries `q<line>` and candidates `c<line>`."""
    if len(paths) != 2:
        raise ValueError(f"tatoeba reads a source and a target file, got {paths}")
    source, target = (list(lines(p, ended=True)) for p in paths)
    if len(source) != len(target):
        detail = f"{paths[0]} has {len(source)} lines, {paths[1]} has {len(target)}"
        raise DataError(str(paths[0]), LENGTH_MISMATCH, detail)
    for (number, src), (_, tgt) in zip(source, target, strict=True):
        bad = src if isinstance(src, RowProblem) else tgt
        if isinstance(bad, RowProblem):
            yield bad
            continue
        if not options.get("aligned", True):
            yield f"{paths[0]}:{number}", {"side": "query", "id": f"q{number - 1}", "text": src}
            yield f"{paths[1]}:{number}", {"side": "candidate", "id": f"c{number - 1}", "text": tgt}
            continue
        yield (
            f"{paths[0]}:{number}",
            {
                "id": str(number - 1),
                "source_sentence": src,
                "target_sentence": tgt,
            },
        )


def _sentences(path: Path, side: str) -> Iterator[Row]:
    for number, line in lines(path, ended=True):
        if isinstance(line, RowProblem):
            yield line
            continue
        if not line.strip():
            continue
        values = line.split("\t")
        where = f"{path}:{number}"
        if len(values) != 2:
            detail = f"{len(values)} tab-separated fields, expected `id<TAB>sentence`"
            yield RowProblem(where, WRONG_COLUMN_COUNT, detail)
            continue
        sentence_id, text = values
        yield where, {"side": side, "id": sentence_id, "text": text}


def read_bucc(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """`paths` = [non-English sentences, English sentences, gold pairs] (no gold file: XTREME's
    processed test split). Queries are the non-English sentences; a gold pair naming a sentence
    id absent from the files is a problem."""
    if len(paths) not in (2, 3):
        raise ValueError(f"bucc reads source, target and (optional) gold files, got {paths}")
    ids = {"query": set(), "candidate": set()}
    for path, side in ((paths[0], "query"), (paths[1], "candidate")):
        for item in _sentences(path, side):
            if not isinstance(item, RowProblem):
                ids[side].add(item[1]["id"])
            yield item
    seen: dict[tuple[str, str], int] = {}  # gold pair -> line it was first given on
    for number, line in lines(paths[2], ended=True) if len(paths) == 3 else ():
        if isinstance(line, RowProblem):
            yield line
            continue
        if not line.strip():
            continue
        where = f"{paths[2]}:{number}"
        values = line.split("\t")
        if len(values) != 2:
            yield RowProblem(where, WRONG_COLUMN_COUNT, f"{len(values)} fields, gold pairs have 2")
            continue
        query_id, candidate_id = values
        if (query_id, candidate_id) in seen:
            first = seen[query_id, candidate_id]
            detail = f"gold pair {query_id} {candidate_id} repeats line {first}"
            yield RowProblem(where, DUPLICATE_PAIR, detail)
            continue
        seen[query_id, candidate_id] = number
        for sentence_id, side in ((query_id, "query"), (candidate_id, "candidate")):
            if sentence_id not in ids[side]:
                file = paths[0] if side == "query" else paths[1]
                detail = f"gold id {sentence_id!r} has no sentence in {file}"
                yield RowProblem(where, UNKNOWN_SENTENCE_ID, detail)
                break
        else:
            yield where, {"side": "gold", "query_id": query_id, "candidate_id": candidate_id}
