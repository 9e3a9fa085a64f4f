"""SQuAD-format JSON (SQuAD v1.1/v2.0, XQuAD, MLQA, TyDiQA-GoldP): `data[].paragraphs[].qas[]`,
flattened to one row per question in the hub's column layout (id, title, context, question,
answers {text, answer_start}), so hub and local rows are alike from here on."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.problems import (
    EMPTY_FILE,
    INVALID_JSON,
    MISSING_FIELD,
    DataError,
    RowProblem,
)
from jaxstilts.tasks.readers.text import decode, line_of, printable

Row = tuple[str, dict[str, Any]] | RowProblem


def load_json(path: Path) -> Any:
    """Parsed JSON; a syntax error names the file and line (the whole file is unusable)."""
    text = decode(path.read_bytes())
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(f"{path}:{line_of(text, e.pos)}", INVALID_JSON, e.msg) from None


def paragraphs(path: Path) -> Iterator[tuple[str, int, int, dict, dict] | RowProblem]:
    """(where, article index, paragraph index, article, paragraph) of a SQuAD-format file; an
    article without its `paragraphs` list or a paragraph without `qas` is a problem, never
    skipped, and a file with no article is an error (an empty test set is no language's)."""
    data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise DataError(str(path), INVALID_JSON, "not SQuAD format (no top-level 'data' list)")
    if not data["data"]:
        raise DataError(str(path), EMPTY_FILE, "'data' holds no article")
    for a, article in enumerate(data["data"]):
        found = article.get("paragraphs") if isinstance(article, dict) else None
        if not isinstance(found, list):
            keys = ", ".join(map(str, article)) if isinstance(article, dict) else "none"
            yield RowProblem(f"{path}: data[{a}]", MISSING_FIELD,
                             f"the article has no 'paragraphs' list (its keys: {keys})")
            continue
        for p, paragraph in enumerate(found):
            where = f"{path}: data[{a}].paragraphs[{p}]"
            if not isinstance(paragraph, dict) or not isinstance(paragraph.get("qas"), list):
                yield RowProblem(where, MISSING_FIELD, "the paragraph has no 'qas' list")
                continue
            yield where, a, p, article, paragraph


def read_squad(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    for path in paths:
        for item in paragraphs(path):
            if isinstance(item, RowProblem):
                yield item
                continue
            at, a, p, article, paragraph = item
            title = article.get("title", "")
            for q, qa in enumerate(paragraph["qas"]):
                where = f"{at}.qas[{q}] (id {printable(str(qa.get('id')))})"
                if "context" not in paragraph:
                    yield RowProblem(where, MISSING_FIELD, "paragraph has no context")
                    continue
                answers = qa.get("answers", [])
                if not isinstance(answers, list) or any(
                    not isinstance(x, dict) or "text" not in x or "answer_start" not in x
                    for x in answers
                ):
                    yield RowProblem(where, MISSING_FIELD, "answers need text and answer_start")
                    continue
                yield (
                    where,
                    {
                        "id": qa.get("id", f"{path.name}:{a}.{p}.{q}"),
                        "title": title,
                        "context": paragraph["context"],
                        "question": qa.get("question"),
                        "answers": {
                            "text": [x["text"] for x in answers],
                            "answer_start": [x["answer_start"] for x in answers],
                        },
                        "is_impossible": bool(qa.get("is_impossible", False)),
                    },
                )
