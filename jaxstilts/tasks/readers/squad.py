"""SQuAD-format JSON (SQuAD v1.1/v2.0, XQuAD, MLQA, TyDiQA-GoldP): `data[].paragraphs[].qas[]`,
flattened to one row per question in the hub's column layout (id, title, context, question,
answers {text, answer_start}), so hub and local rows are alike from here on."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.problems import INVALID_JSON, MISSING_FIELD, DataError, RowProblem
from jaxstilts.tasks.readers.text import decode, line_of, printable

Row = tuple[str, dict[str, Any]] | RowProblem


def load_json(path: Path) -> Any:
    """Parsed JSON; a syntax error names the file and line (the whole file is unusable)."""
    text = decode(path.read_bytes())
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(f"{path}:{line_of(text, e.pos)}", INVALID_JSON, e.msg) from None


def read_squad(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    for path in paths:
        data = load_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise DataError(str(path), INVALID_JSON, "not SQuAD format (no top-level 'data' list)")
        for a, article in enumerate(data["data"]):
            title = article.get("title", "")
            for p, paragraph in enumerate(article.get("paragraphs", [])):
                for q, qa in enumerate(paragraph.get("qas", [])):
                    shown = printable(str(qa.get("id")))
                    where = f"{path}: data[{a}].paragraphs[{p}].qas[{q}] (id {shown})"
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
