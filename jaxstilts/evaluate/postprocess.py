"""Host-side: the evaluator's per-row outputs -> predictions in the form XTREME's metrics take.

Everything here is numpy over all rows at once; the per-language split happens last, so the
expensive parts (span decoding, similarity search) run once per task rather than per language
where the task allows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxstilts.evaluate.metrics import bucc, retrieval
from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.kinds import IGNORE


def word_ids_from_labels(labels: np.ndarray) -> np.ndarray:
    """[N, L] word index at each word's first sub-word (where the label is not -100), else -1."""
    first = np.asarray(labels) != IGNORE
    return np.where(first, np.cumsum(first, axis=1) - 1, -1)


def word_predictions(token_label: np.ndarray, word_ids: np.ndarray,
                     example_index: np.ndarray | None = None) -> list[np.ndarray]:
    """Each example's predicted label per word, read at the word's first sub-word.

    Rows of one example (`example_index`; default one row per example), e.g. the windows of a
    long sentence, are merged. A word no row saw (cut off by truncation) gets -1.
    """
    word_ids = np.asarray(word_ids)
    example_index = (np.arange(len(word_ids)) if example_index is None
                     else np.asarray(example_index, np.int64))
    n_examples = int(example_index.max(initial=-1)) + 1
    n_words = np.zeros(n_examples, np.int64)
    np.maximum.at(n_words, example_index, word_ids.max(axis=1, initial=-1) + 1)
    rows, pos = np.nonzero(word_ids >= 0)
    starts = np.concatenate([[0], np.cumsum(n_words)[:-1]]).astype(np.int64)
    flat = np.full(int(n_words.sum()), -1, np.int64)
    flat[starts[example_index[rows]] + word_ids[rows, pos]] = np.asarray(token_label)[rows, pos]
    return np.split(flat, np.cumsum(n_words)[:-1])


def tag_sentences(words: Sequence[np.ndarray], label_names: Sequence[str],
                  lengths: Sequence[int] | None = None, fill: str | None = None
                  ) -> tuple[list[list[str]], int]:
    """Tag names per sentence, padded to `lengths` words (gold lengths) with `fill`.

    Returns the sentences and how many words were filled in (truncated away or unseen). `fill`
    defaults to "O" when it is a label (NER), else the first label.
    """
    fill = fill or ("O" if "O" in label_names else label_names[0])
    sentences, filled = [], 0
    for i, row in enumerate(words):
        want = len(row) if lengths is None else int(lengths[i])
        tags = [label_names[t] if t >= 0 else fill for t in row[:want]]
        filled += sum(int(t < 0) for t in row[:want]) + max(0, want - len(tags))
        sentences.append(tags + [fill] * (want - len(tags)))
    return sentences, filled


# ---------------------------------------------------------------------------------- retrieval


def _rows(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask)


def retrieval_predictions(
    task: str, vectors: np.ndarray, ids: Sequence[str], sides: Sequence[str],
    languages: Sequence[str], links: Mapping[str, Sequence[str]], *,
    groups: Sequence[str] | None = None, texts: Sequence[str] | None = None,
    bucc_threshold: float | None = None, normalize: bool | None = None,
) -> dict[str, tuple[Any, Any]]:
    """language -> (predictions, gold) in the metric's form, from every row's vector.

    Rows are queries (side "query", language L) and candidates (side "candidate"). A language's
    candidates are the rows whose `groups` value is L when `groups` is given, else: Tatoeba, the
    English sentences linked to L's queries; Mewsli-X and LAReQA, the whole candidate pool; BUCC
    needs `groups`. `links` maps query id -> gold candidate ids (`Examples.gold`).

    tatoeba: for each English sentence the index of its nearest foreign sentence (cosine), the
    English sentences in XTREME's sorted order when `texts` are given;
    mewslix, lareqa: the 20 best candidate ids per query (cosine for Mewsli-X, dot product for
    LAReQA unless `normalize` says otherwise); bucc2018: mined pairs at `bucc_threshold`, or at
    the threshold best on this very split if None (an oracle: pass the dev threshold for test).
    A language none of whose queries has a gold link (XTREME's processed test files: Tatoeba's
    English side sorted, BUCC's test gold deleted) gets gold None; Tatoeba then searches all the
    candidates loaded (one language at a time).
    """
    vectors = np.asarray(vectors, np.float32)
    ids, sides, languages = np.asarray(ids), np.asarray(sides), np.asarray(languages)
    groups = np.asarray(groups) if groups is not None else None
    is_query, is_cand = sides == "query", sides == "candidate"
    out = {}
    query_languages = dict.fromkeys(languages[is_query].tolist())
    for lang in query_languages:
        q = _rows(is_query & (languages == lang))
        q_ids = ids[q].tolist()
        linked = any(qid in links for qid in q_ids)
        if groups is not None:
            c = _rows(is_cand & (groups == lang))
        elif task == "tatoeba" and not linked:
            if len(query_languages) > 1:
                raise ScoringError("tatoeba without gold links with several languages needs "
                                   "`groups` to tell each language's English side")
            c = _rows(is_cand)
        elif task == "tatoeba":
            row_of = {cid: r for r, cid in zip(_rows(is_cand), ids[is_cand].tolist())}
            c = np.asarray([row_of[cid] for qid in q_ids for cid in links.get(qid, ())], np.int64)
        elif task == "bucc2018":
            if len(query_languages) > 1:
                raise ScoringError("bucc2018 with several languages needs `groups` to tell "
                                   "each language's English side")
            c = _rows(is_cand)  # one language loaded: every candidate is its English side
        else:
            c = _rows(is_cand)
        if task == "tatoeba" and texts is not None:
            # XTREME's utils_preprocess.py sorts the English side (stripped lines, stable) before
            # anyone embeds it: submitted lines follow that order. Accuracy is order-free.
            c = np.asarray(sorted(c.tolist(), key=lambda r: str(texts[r]).strip()), np.int64)
        c_ids = ids[c].tolist()
        if task == "tatoeba":
            index_of = {qid: n for n, qid in enumerate(q_ids)}
            gold_of = {cid: index_of[qid] for qid in q_ids for cid in links.get(qid, ())}
            preds = retrieval.tatoeba_predictions(vectors[q], vectors[c]).tolist()
            gold = [gold_of.get(cid, -1) for cid in c_ids]
        elif task in ("mewslix", "lareqa"):
            norm = (task == "mewslix") if normalize is None else normalize
            ranked = retrieval.rank_candidates(vectors[q], vectors[c], c_ids, normalize=norm)
            preds = dict(zip(q_ids, ranked))
            gold = {qid: list(links[qid]) for qid in q_ids if qid in links}
        elif task == "bucc2018":
            cands = bucc.mine_candidates(
                q_ids, vectors[q], c_ids, vectors[c],
                src_texts=None if texts is None else [texts[i] for i in q],
                trg_texts=None if texts is None else [texts[i] for i in c])
            gold = [(qid, cid) for qid in q_ids for cid in links.get(qid, ())]
            threshold = (bucc_threshold if bucc_threshold is not None
                         else bucc.best_threshold(cands, gold))
            preds = bucc.extract_pairs(cands, threshold)
        else:
            raise ScoringError(f"{task!r} is not a retrieval task (tatoeba, bucc2018, mewslix, "
                               "lareqa)")
        out[lang] = (preds, gold if linked else None)
    return out
