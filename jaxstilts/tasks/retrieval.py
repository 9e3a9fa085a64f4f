"""Retrieval rows from either raw shape: a pool (query / candidate / gold rows, as BUCC, Mewsli-X
and LAReQA files give them) or aligned pairs (Tatoeba files, and BUCC/Tatoeba on the hub)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jaxstilts.tasks.base import RowMap
from jaxstilts.tasks.fields import MISSING, get_path
from jaxstilts.tasks.problems import MISSING_FIELD, RowProblem


def split_pool(
    items: Iterable[tuple[str, Mapping[str, Any]]], rowmap: RowMap, language: str | None
) -> Iterable[tuple[str, dict[str, Any]] | tuple[str, tuple[str, str]] | RowProblem]:
    """Canonical rows (`side` query/candidate) and gold links `("gold", (query_id, cand_id))`."""
    query, candidate = rowmap.fields.get("query"), rowmap.fields.get("candidate")
    for i, (where, raw) in enumerate(items):
        if query is not None:  # aligned pairs: row i's query matches row i's candidate
            q, c = get_path(raw, query), get_path(raw, candidate)
            if q is MISSING or c is MISSING:
                column = query if q is MISSING else candidate
                yield RowProblem(where, MISSING_FIELD, f"no column {column!r}")
                continue
            pair_id = str(raw.get("id", i))
            yield where, _row(f"q{pair_id}", q, None, "query", language)
            yield where, _row(f"c{pair_id}", c, None, "candidate", "en")
            yield "gold", (f"q{pair_id}", f"c{pair_id}")
        elif raw.get("side") == "gold":
            yield "gold", (str(raw["query_id"]), str(raw["candidate_id"]))
        elif raw.get("side") in ("query", "candidate"):
            lang = raw.get("language") or (language if raw["side"] == "query" else "en")
            yield where, _row(str(raw["id"]), raw.get("text"), raw.get("text_b"), raw["side"], lang)
        else:
            yield RowProblem(where, MISSING_FIELD, "retrieval row without side or query/candidate")


def _row(row_id: str, text: Any, text_b: Any, side: str, language: str | None) -> dict[str, Any]:
    return {"id": row_id, "text": text, "text_b": text_b, "side": side, "language": language or ""}
