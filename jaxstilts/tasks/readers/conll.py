"""Tagging formats: CoNLL-style `token<TAB>tag` with blank lines between sentences (PAN-X,
XTREME's processed UD-POS), jiant's CCG `text<TAB>tags` lines, and CoNLL-U (raw UD treebanks)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.problems import LENGTH_MISMATCH, WRONG_COLUMN_COUNT, RowProblem
from jaxstilts.tasks.readers.text import lines

Row = tuple[str, dict[str, Any]] | RowProblem


def _sentence(path: Path, start: int, tokens: list, tags: list, sent_id: str | None = None) -> Row:
    return f"{path}:{start}", {
        "tokens": tokens,
        "tags": tags,
        "id": sent_id or f"{path.name}:{start}",
    }


def read_conll(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """`token<TAB>...<TAB>tag` lines of exactly `columns` fields (2: token and tag, as PAN-X and
    CCG write them; any other count is a problem, never part of a token or tag). PAN-X writes
    tokens as `lang:token`; the prefix named by `prefix` (a template such as `{lang}:`) is removed.
    `-DOCSTART-` lines are document breaks."""
    prefix = options.get("prefix", "").format(**context)
    token_column = options.get("token_column", 0)
    tag_column = options.get("tag_column", -1)
    columns = options.get("columns", 2)
    for path in paths:
        tokens, tags, start, broken = [], [], None, False
        for number, line in lines(path):
            if isinstance(line, RowProblem):
                if not broken:  # one problem per sentence: the sentence is the row
                    yield line
                broken = True
                continue
            if not line.strip() or line.startswith("-DOCSTART-"):
                if tokens and not broken:
                    yield _sentence(path, start, tokens, tags)
                tokens, tags, start, broken = [], [], None, False
                continue
            if start is None:
                start = number
            values = line.split("\t")
            if len(values) != columns:
                detail = f"{len(values)} tab-separated fields, expected {columns} (token, tag)"
                if not broken:
                    yield RowProblem(f"{path}:{number}", WRONG_COLUMN_COUNT, detail)
                broken = True
                continue
            token = values[token_column]
            if prefix and token.startswith(prefix):
                token = token[len(prefix) :]
            tokens.append(token)
            tags.append(values[tag_column])
        if tokens and not broken:
            yield _sentence(path, start, tokens, tags)


def read_tagged_lines(paths: list[Path], options: Mapping[str, Any],
                      context: Mapping) -> Iterator[Row]:
    """One sentence per line, `text<TAB>tags` (jiant's CCG files, from its `ccg_proc.py`): the
    text split on single spaces as jiant splits it, the tags on whitespace, one tag per word."""
    for path in paths:
        for number, line in lines(path):
            if isinstance(line, RowProblem):
                yield line
                continue
            if not line.strip():
                continue
            values = line.strip().split("\t")
            where = f"{path}:{number}"
            if len(values) != 2:
                detail = f"{len(values)} tab-separated fields, expected 2 (text, tags)"
                yield RowProblem(where, WRONG_COLUMN_COUNT, detail)
                continue
            tokens, tags = values[0].split(" "), values[1].split()
            if len(tokens) != len(tags):
                detail = f"{len(tokens)} words but {len(tags)} tags"
                yield RowProblem(where, LENGTH_MISMATCH, detail)
                continue
            yield where, {"tokens": tokens, "tags": tags, "id": f"{path.name}:{number}"}


def read_conllu(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """CoNLL-U: FORM and UPOS of each syntactic word. Multi-word token lines (`3-4`) and empty
    nodes (`5.1`) are not words of the tag sequence; comments carry the sentence id."""
    for path in paths:
        tokens, tags, start, sent_id, broken = [], [], None, None, False
        for number, line in lines(path):
            if isinstance(line, RowProblem):
                if not broken:  # one problem per sentence: the sentence is the row
                    yield line
                broken = True
                continue
            if not line.strip():
                if tokens and not broken:
                    yield _sentence(path, start, tokens, tags, sent_id)
                tokens, tags, start, sent_id, broken = [], [], None, None, False
                continue
            if start is None:
                start = number
            if line.startswith("#"):
                if line.startswith("# sent_id"):
                    sent_id = line.partition("=")[2].strip()
                continue
            values = line.split("\t")
            if len(values) != 10:
                detail = f"{len(values)} tab-separated fields, CoNLL-U has 10"
                if not broken:
                    yield RowProblem(f"{path}:{number}", WRONG_COLUMN_COUNT, detail)
                broken = True
                continue
            if "-" in values[0] or "." in values[0]:
                continue
            tokens.append(values[1])
            tags.append(values[3])
        if tokens and not broken:
            yield _sentence(path, start, tokens, tags, sent_id)
