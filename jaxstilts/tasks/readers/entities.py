"""Mewsli-X (XTREME-R entity retrieval) JSON lines: WikiNews mentions (queries), the candidate
entity set, and English Wikipedia mention-entity pairs (training).

Texts are built as XTREME-R's `utils_mewslix.py` builds them: a mention is its sentence with the
mention marked, prefixed by the mention (`preprocess_mention`: "Smith: ... for { Smith }, who
..."; braces already in the sentence become parentheses); an entity is its description's
sentences joined (`preprocess_entity_description`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.problems import ANSWER_NOT_IN_CONTEXT, MISSING_FIELD, RowProblem
from jaxstilts.tasks.readers.tables import read_jsonl

Row = tuple[str, dict[str, Any]] | RowProblem


def spans(value: Any) -> list[tuple[int, int]] | None:
    """`sentence_spans` as the release writes them (`[{"start": s, "end": e}, ...]`), or None."""
    try:
        return [(int(span["start"]), int(span["end"])) for span in value or ()]
    except (TypeError, KeyError, ValueError):
        return None


def mention_text(text: str, sentence_spans: list, start: int, end: int) -> str | None:
    """The marked query of the mention `text[start:end]`, or None if no sentence holds it."""
    sentence = next(((s, e) for s, e in sentence_spans if s <= start < e and s < end <= e), None)
    if sentence is None:
        return None
    s, e = sentence
    left = _BRACED.sub(r"(\1)", text[s:start])
    right = _BRACED.sub(r"(\1)", text[end:e])
    marked = f"{text[start:end]}: {left} {{ {text[start:end]} }} {right}"
    return _normalized(marked)


def entity_text(description: str, sentence_spans: list) -> str:
    """An entity's description sentences, joined by spaces."""
    return _normalized(" ".join(description[s:e] for s, e in sentence_spans))


_SPANS = 'sentence_spans must be a list of {"start": ..., "end": ...}'
_BRACED = re.compile(r"\{(.*?)\}")


def _normalized(text: str) -> str:
    """Lines joined by spaces, double spaces halved once, ends stripped (as XTREME-R)."""
    return " ".join(text.splitlines()).replace("  ", " ").strip()


def _mention(where: str, context: dict, mention: dict) -> tuple[str, str] | RowProblem:
    """(example id, marked query) of one mention, or what is wrong with it."""
    text = context.get("text", "")
    span = mention.get("mention_span") or {}
    start, end = span.get("start"), span.get("end")
    if None in (start, end) or "example_id" not in mention or "entity_id" not in mention:
        return RowProblem(where, MISSING_FIELD, "mention needs example_id, entity_id, mention_span")
    if text[start:end] != span.get("text"):
        detail = f"mention {span.get('text')!r} is not context.text[{start}:{end}]"
        return RowProblem(where, ANSWER_NOT_IN_CONTEXT, detail)
    sentences = spans(context.get("sentence_spans"))
    if sentences is None:
        return RowProblem(where, MISSING_FIELD, _SPANS)
    query = mention_text(text, sentences, start, end)
    if query is None:
        detail = f"mention [{start}, {end}) lies in no single sentence"
        return RowProblem(where, ANSWER_NOT_IN_CONTEXT, detail)
    return mention["example_id"], query


def _mention_rows(where: str, context: dict, mention: dict) -> Iterator[Row]:
    found = _mention(where, context, mention)
    if isinstance(found, RowProblem):
        yield found
        return
    example_id, query = found
    yield where, {"side": "query", "id": example_id, "text": query, "text_b": None,
                  "language": context.get("language")}
    yield where, {"side": "gold", "query_id": example_id, "candidate_id": mention["entity_id"]}


def _entity_row(where: str, entity: dict) -> Row:
    if "entity_id" not in entity or "description" not in entity:
        return RowProblem(where, MISSING_FIELD, "entity needs entity_id and description")
    sentences = spans(entity.get("sentence_spans"))
    if sentences is None:
        return RowProblem(where, MISSING_FIELD, _SPANS)
    return where, {
        "side": "candidate",
        "id": entity["entity_id"],
        "text": entity_text(entity["description"], sentences),
        "text_b": None,
        "language": entity.get("description_language"),
    }


def read_mewslix_pairs(
    paths: list[Path], options: Mapping[str, Any], context: Mapping
) -> Iterator[Row]:
    """English Wikipedia mention-entity pairs (`wikipedia_pairs-*.jsonl`) as (marked mention,
    entity description) training pairs, as XTREME-R's `WikiELProcessor` feeds its dual encoder."""
    for item in read_jsonl(paths, options, context):
        if isinstance(item, RowProblem):
            yield item
            continue
        where, row = item
        pair, entity = row.get("contextual_mention"), row.get("entity")
        if not isinstance(pair, dict) or not isinstance(entity, dict):
            yield RowProblem(where, MISSING_FIELD, "a pair needs contextual_mention and entity")
            continue
        found = _mention(where, pair.get("context") or {}, pair.get("mention") or {})
        if isinstance(found, RowProblem):
            yield found
            continue
        sentences = spans(entity.get("sentence_spans"))
        if "description" not in entity or sentences is None:
            yield RowProblem(where, MISSING_FIELD, "entity needs a description; " + _SPANS)
            continue
        yield where, {"id": found[0], "query": found[1],
                      "candidate": entity_text(entity["description"], sentences)}


def read_mewslix(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """Each line is recognised by its keys: `mentions` (WikiNews article) or `entity_id`
    (candidate). Queries outside `languages` are left out."""
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
        elif "entity_id" in row:
            yield _entity_row(where, row)
        else:
            yield RowProblem(where, MISSING_FIELD, "neither a mention nor an entity")
