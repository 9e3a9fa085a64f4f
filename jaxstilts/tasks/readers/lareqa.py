"""LAReQA (XQuAD-R): SQuAD-format files, one per language, whose paragraphs carry sentence breaks.

Questions of the requested languages are the queries; every sentence of every language file is a
candidate; a question's gold answers are the answer-bearing sentences of the same question id in
all languages (11-way parallel), as in the official evaluation. A question whose answer starts
in no sentence (a sentence-breaking error) is skipped, as XTREME's `utils_lareqa.py` does: it is
counted as excluded in the load report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.fields import Excluded
from jaxstilts.tasks.problems import MISSING_FIELD, RowProblem
from jaxstilts.tasks.readers.squad import load_json

ANSWER_IN_NO_SENTENCE = "answer_in_no_sentence"

Row = tuple[str, dict[str, Any]] | RowProblem


def read_lareqa(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    languages = set(context.get("languages") or ())
    answers: dict[str, list[str]] = defaultdict(list)  # question id -> answer sentence ids
    queries: list[tuple[str, str]] = []  # (query row id, question id)
    for path in paths:
        lang = path.stem
        paragraph_number = 0
        for a, article in enumerate(load_json(path).get("data", [])):
            for p, paragraph in enumerate(article.get("paragraphs", [])):
                paragraph_number += 1
                where = f"{path}: data[{a}].paragraphs[{p}]"
                context_text = paragraph.get("context")
                breaks = paragraph.get("sentence_breaks")
                if not isinstance(context_text, str) or not breaks:
                    yield RowProblem(
                        where, MISSING_FIELD, "paragraph needs context and sentence_breaks"
                    )
                    continue
                sentence_ids = []
                for position, (start, end) in enumerate(breaks):
                    sentence_id = f"{lang}_{paragraph_number}_{position}"
                    sentence_ids.append((start, end, sentence_id))
                    yield (
                        where,
                        {
                            "side": "candidate",
                            "id": sentence_id,
                            "text": context_text[start:end],
                            "text_b": context_text,
                            "language": lang,
                        },
                    )
                for q, qa in enumerate(paragraph.get("qas", [])):
                    qa_where = f"{where}.qas[{q}] (id {qa.get('id')})"
                    if not qa.get("answers") or "id" not in qa:
                        yield RowProblem(
                            qa_where, MISSING_FIELD, "question needs an id and an answer"
                        )
                        continue
                    answer_start = qa["answers"][0]["answer_start"]
                    hit = [sid for s, e, sid in sentence_ids if s <= answer_start < e]
                    if not hit:
                        detail = f"answer start {answer_start} is in no sentence (XTREME skips it)"
                        yield Excluded(qa_where, ANSWER_IN_NO_SENTENCE, detail)
                        continue
                    answers[qa["id"]].append(hit[0])
                    if not languages or lang in languages:
                        query_id = f"{qa['id']}_{lang}"
                        queries.append((query_id, qa["id"]))
                        yield (
                            qa_where,
                            {
                                "side": "query",
                                "id": query_id,
                                "text": qa.get("question"),
                                "language": lang,
                            },
                        )
    for query_id, question_id in queries:
        for candidate_id in answers.get(question_id, ()):
            yield (
                "lareqa gold",
                {"side": "gold", "query_id": query_id, "candidate_id": candidate_id},
            )
