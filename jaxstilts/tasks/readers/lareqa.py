"""LAReQA (XQuAD-R): SQuAD-format files, one per language, whose paragraphs carry sentence breaks,
and its English training pairs, read from SQuAD v1.1 as XTREME-R's `train_lareqa.sh` does.

Questions of the requested languages are the queries; the candidates are the sentences of every
paragraph (of every language file) with at least one kept question, as XTREME's `utils_lareqa.py`
`load_data` adds them while going through a paragraph's kept questions, embedded as XTREME-R
does: the sentence followed by its paragraph, no separator, newlines removed
(`evaluate_retrieval.py`); a question's gold answers are the answer-bearing sentences of the same
question id in all languages (11-way parallel), as in the official evaluation. A question whose
answer starts in no sentence (a sentence-breaking error) is skipped, as XTREME does: it is
counted as excluded in the load report, and a paragraph whose questions are all skipped adds no
candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.fields import Excluded
from jaxstilts.tasks.problems import MISSING_FIELD, RowProblem
from jaxstilts.tasks.readers.sentence_breaks import sentence_breaks
from jaxstilts.tasks.readers.squad import paragraphs

ANSWER_IN_NO_SENTENCE = "answer_in_no_sentence"

Row = tuple[str, dict[str, Any]] | RowProblem


def read_lareqa(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    languages = set(context.get("languages") or ())
    answers: dict[str, list[str]] = defaultdict(list)  # question id -> answer sentence ids
    queries: list[tuple[str, str]] = []  # (query row id, question id)
    for path in paths:
        lang = path.stem
        paragraph_number = 0
        for item in paragraphs(path):
            if isinstance(item, RowProblem):
                yield item
                continue
            where, _, _, _, paragraph = item
            paragraph_number += 1
            context_text = paragraph.get("context")
            breaks = paragraph.get("sentence_breaks")
            if not isinstance(context_text, str) or not breaks:
                yield RowProblem(
                    where, MISSING_FIELD, "paragraph needs context and sentence_breaks"
                )
                continue
            sentence_ids = [(start, end, f"{lang}_{paragraph_number}_{position}")
                            for position, (start, end) in enumerate(breaks)]
            candidates = [
                (where, {"side": "candidate", "id": sentence_id,
                         "text": candidate_text(context_text[start:end], context_text),
                         "text_b": None, "language": lang})
                for start, end, sentence_id in sentence_ids
            ]  # yielded with the paragraph's first kept question (XTREME's load_data)
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
                yield from candidates
                candidates = []
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


def candidate_text(sentence: str, paragraph: str) -> str:
    """XTREME-R's LAReQA candidate: `(sentence + paragraph).replace("\\n", "")`."""
    return (sentence + paragraph).replace("\n", "")


def read_lareqa_pairs(
    paths: list[Path], options: Mapping[str, Any], context: Mapping
) -> Iterator[Row]:
    """SQuAD v1.1 -> (question, answer sentence + paragraph) pairs, as XTREME-R's
    `RetrievalSquadProcessor` builds them: sentences broken by its rules (`sentence_breaks`), the
    first answer's sentence; a question whose answer starts in no sentence, or whose answer text
    is not found in the whitespace tokens it spans, is skipped (counted as excluded)."""
    for path in paths:
        for item in paragraphs(path):
            if isinstance(item, RowProblem):
                yield item
                continue
            where, _, _, _, paragraph = item
            text = paragraph.get("context")
            if not isinstance(text, str):
                yield RowProblem(where, MISSING_FIELD, "paragraph needs a context")
                continue
            breaks = list(sentence_breaks(text))
            words, word_of = _whitespace_words(text)
            for q, qa in enumerate(paragraph.get("qas", [])):
                qa_where = f"{where}.qas[{q}] (id {qa.get('id')})"
                if not qa.get("answers") or "id" not in qa:
                    detail = "question needs an id and an answer"
                    yield RowProblem(qa_where, MISSING_FIELD, detail)
                    continue
                answer = qa["answers"][0]
                start, answer_text = answer.get("answer_start"), answer.get("text") or ""
                if not isinstance(start, int) or not 0 <= start < len(text) or not answer_text:
                    yield RowProblem(qa_where, MISSING_FIELD, f"bad answer {answer!r}")
                    continue
                sentence = next((text[s:e] for s, e in breaks if s <= start < e), "")
                if not sentence:
                    detail = f"answer start {start} is in no sentence (XTREME-R skips it)"
                    yield Excluded(qa_where, ANSWER_IN_NO_SENTENCE, detail)
                    continue
                end = min(start + len(answer_text) - 1, len(text) - 1)
                spanned = " ".join(words[word_of[start] : word_of[end] + 1])
                if " ".join(answer_text.split()) not in spanned:
                    detail = f"answer {answer_text!r} is not in the words {spanned!r}"
                    yield Excluded(qa_where, ANSWER_NOT_RECOVERED, detail)
                    continue
                yield qa_where, {
                    "id": qa["id"],
                    "query": qa.get("question"),
                    "candidate": candidate_text(sentence, text),
                }


ANSWER_NOT_RECOVERED = "answer_not_recovered"


def _whitespace_words(text: str) -> tuple[list[str], list[int]]:
    """SQuAD's whitespace words and, per character, the index of its word (as XTREME-R's
    processor splits: space, tab, CR, LF and U+202F)."""
    words: list[str] = []
    word_of: list[int] = []
    after_space = True
    for char in text:
        if char in " \t\r\n\u202f":
            after_space = True
        else:
            if after_space:
                words.append(char)
            else:
                words[-1] += char
            after_space = False
        word_of.append(len(words) - 1)
    return words, word_of
