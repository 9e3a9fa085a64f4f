"""Mewsli-X (XTREME-R entity retrieval) JSON lines: WikiNews mentions (queries), the candidate
entity set, and English Wikipedia mention-entity pairs (training)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.problems import ANSWER_NOT_IN_CONTEXT, MISSING_FIELD, RowProblem
from jaxstilts.tasks.readers.tables import read_jsonl

Row = tuple[str, dict[str, Any]] | RowProblem


def _mention_rows(where: str, context: dict, mention: dict) -> Iterator[Row]:
    text = context.get("text", "")
    span = mention.get("mention_span") or {}
    start, end = span.get("start"), span.get("end")
    if None in (start, end) or "example_id" not in mention or "entity_id" not in mention:
        yield RowProblem(where, MISSING_FIELD, "mention needs example_id, entity_id, mention_span")
        return
    if text[start:end] != span.get("text"):
        detail = f"mention {span.get('text')!r} is not context.text[{start}:{end}]"
        yield RowProblem(where, ANSWER_NOT_IN_CONTEXT, detail)
        return
    sentence = text
    for s, e in context.get("sentence_spans") or ():
        if s <= start < e:
            sentence = text[s:e]
            break
    yield (
        where,
        {
            "side": "query",
            "id": mention["example_id"],
            "text": span["text"],
            "text_b": sentence,
            "language": context.get("language"),
        },
    )
    yield (
        where,
        {"side": "gold", "query_id": mention["example_id"], "candidate_id": mention["entity_id"]},
    )


def _entity_row(where: str, entity: dict) -> Row:
    if "entity_id" not in entity or "description" not in entity:
        return RowProblem(where, MISSING_FIELD, "entity needs entity_id and description")
    return where, {
        "side": "candidate",
        "id": entity["entity_id"],
        "text": entity.get("title") or entity["description"],
        "text_b": entity["description"],
        "language": entity.get("description_language"),
    }


def read_mewslix(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """Each line is recognised by its keys: `mentions` (WikiNews article), `contextual_mention`
    (Wikipedia pair) or `entity_id` (candidate). Queries outside `languages` are left out."""
    languages = set(context.get("languages") or ())
    for item in read_jsonl(paths, options, context):
        if isinstance(item, RowProblem):
            yield item
            continue
        where, row = item
        if "mentions" in row:
            ctx = row.get("context") or {}
            if languages and ctx.get("language") not in languages:
                continue
            for mention in row["mentions"]:
                yield from _mention_rows(where, ctx, mention)
        elif "contextual_mention" in row:
            pair = row["contextual_mention"]
            ctx = pair.get("context") or {}
            if languages and ctx.get("language") not in languages:
                continue
            yield from _mention_rows(where, ctx, pair.get("mention") or {})
            yield _entity_row(where, row.get("entity") or {})
        elif "entity_id" in row:
            yield _entity_row(where, row)
        else:
            yield RowProblem(where, MISSING_FIELD, "neither a mention, a pair nor an entity")
