"""Start/end logits of every window -> one answer text per question, as XTREME decodes them.

The project's only answer decoder (the evaluator's too), so every QA score is the one XTREME's
evaluation would give. Its rules are those of the SQuAD script
XTREME runs (transformers' legacy `run_squad`, `compute_predictions_logits`): per window, the
`n_best` (20) highest start and end logits over *all* positions are crossed; a pair is kept if both
ends lie in the context, the start token is in the window where it has the most context
(`max_context_mask`: documents are cut into overlapping windows), end >= start and the span has at
most `max_answer_length` (30) tokens. A question takes its best pair (start + end logit) over all
its windows; ties go to the earlier window, then the better start rank, then the better end rank,
as the stable sort there does. With `version_2` (SQuAD v2.0) the answer is "" when the null score
(`<s>` start + end, lowest over the windows) beats the best span by more than `null_threshold`.

One deliberate difference: the text is cut from the context with the featurizer's character
offsets (`context[start:end]`, as transformers' current `run_qa` does), not re-aligned through
whitespace tokens by the legacy `get_final_text` heuristic -- exact in every script (CJK, Thai).

It works on padded arrays (what the evaluator has); the tests decode `Features` through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Prediction:
    """A question's answer, with the scores that chose it (for null-threshold tuning)."""

    text: str
    score: float  # the best allowed span's start + end logit; -inf if none
    null_score: float  # <s> start + end logit, lowest over the windows; inf if no window


def max_context_mask(
    offset_mapping: np.ndarray, context_mask: np.ndarray, example_index: np.ndarray
) -> np.ndarray:
    """[F, L] bool: context tokens of the window where they have the most context.

    A token's score in a window is min(window tokens left of it, right of it) + 0.01 * window
    size, the window being the positions with offsets >= 0 (context tokens, empty ones included,
    as run_squad counts doc-span tokens); among the windows of one question holding the same
    token (same character span) the highest score wins, the earliest window on ties.
    """
    offsets = np.asarray(offset_mapping)
    example_index = np.asarray(example_index, np.int64)
    window = offsets[..., 0] >= 0
    out = np.asarray(context_mask, bool) & window
    # Only a question with several windows can hold a token twice: the rest keep every token.
    shared = np.bincount(example_index)[example_index] > 1
    feats, pos = np.nonzero(out & shared[:, None])
    if not len(feats):
        return out
    size = window.sum(1)[feats]
    rank = (np.cumsum(window, axis=1) - 1)[feats, pos]
    score = np.minimum(rank, size - 1 - rank) + 0.01 * size  # run_squad's float arithmetic
    token = (example_index[feats], offsets[feats, pos, 0], offsets[feats, pos, 1])
    dims = [int(k.max()) + 1 for k in token]
    if dims[0] * dims[1] * dims[2] < 2**62:  # one int64 key sorts ~20x faster than lexsort
        order = np.argsort(np.ravel_multi_index(token, dims), kind="stable")
    else:
        order = np.lexsort(token[::-1])
    token = np.stack(token)[:, order]
    feats, pos, score = feats[order], pos[order], score[order]  # window order within a token
    starts = np.flatnonzero(np.concatenate([[True], (token[:, 1:] != token[:, :-1]).any(0)]))
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(feats))))
    top = np.maximum.reduceat(score, starts)[group]
    index = np.arange(len(feats))
    first_top = np.minimum.reduceat(np.where(score == top, index, len(feats)), starts)[group]
    out[feats, pos] = first_top == index
    return out


def feature_best_spans(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    start_ok: np.ndarray,
    end_ok: np.ndarray,
    *,
    n_best: int = 20,
    max_answer_length: int = 30,
    block: int = 2048,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each window's best allowed span: start [F], end [F], score [F] (-inf if none).

    The n-best are taken over all positions *before* the filter, as run_squad does, so a window
    whose top logits sit off the context may have no span at all. Windows go `block` at a time
    to bound the [F, n_best, n_best] pair scores.
    """
    start_logits = np.asarray(start_logits, np.float64)
    end_logits = np.asarray(end_logits, np.float64)
    start_ok, end_ok = np.asarray(start_ok, bool), np.asarray(end_ok, bool)
    f, length = start_logits.shape
    starts, ends, scores = np.zeros(f, np.int64), np.zeros(f, np.int64), np.full(f, -np.inf)
    k = min(n_best, length)
    for lo in range(0, f if k else 0, block):
        rows = slice(lo, lo + block)
        sl, el = start_logits[rows], end_logits[rows]
        n = len(sl)
        at = np.arange(n)[:, None, None]
        s = np.argsort(-sl, axis=1, kind="stable")[:, :k, None]  # [n, k, 1]
        e = np.argsort(-el, axis=1, kind="stable")[:, None, :k]  # [n, 1, k]
        ok = start_ok[rows][at, s] & end_ok[rows][at, e] & (e >= s) & (e - s < max_answer_length)
        score = np.where(ok, sl[at, s] + el[at, e], -np.inf).reshape(n, -1)
        flat = score.argmax(1)  # the first maximum: best start rank, then best end rank
        starts[rows], ends[rows] = s[np.arange(n), flat // k, 0], e[np.arange(n), 0, flat % k]
        scores[rows] = score[np.arange(n), flat]
    return starts, ends, scores


def decode_predictions(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    offset_mapping: np.ndarray,
    example_index: np.ndarray,
    contexts: Sequence[str],
    *,
    context_mask: np.ndarray | None = None,
    n_best: int = 20,
    max_answer_length: int = 30,
    version_2: bool = False,
    null_threshold: float = 0.0,
) -> list[Prediction]:
    """One `Prediction` per context ("" when no span is allowed or the null wins).

    Per window: logits [F, L] (-inf where padded; position 0 is `<s>`), offset_mapping [F, L', 2]
    (character start/end in the context, -1 off the context), example_index [F] (row of
    `contexts`), context_mask [F, L'] (positions an answer may use; default offsets >= 0).
    Offsets and mask are cut or padded to the logits' width, so bucketed logits fit as they are.
    """
    example_index = np.asarray(example_index, np.int64).reshape(-1)
    texts = [""] * len(contexts)
    best_score, null = np.full(len(contexts), -np.inf), np.full(len(contexts), np.inf)
    if len(example_index):
        start = np.asarray(start_logits, np.float64)
        end = np.asarray(end_logits, np.float64)
        offsets = _fit(np.asarray(offset_mapping), start.shape[1], -1)
        in_context = offsets[..., 0] >= 0
        if context_mask is not None:
            in_context &= _fit(np.asarray(context_mask, bool), start.shape[1], False)
        starts, ends, scores = feature_best_spans(
            start,
            end,
            max_context_mask(offsets, in_context, example_index),
            in_context,
            n_best=n_best,
            max_answer_length=max_answer_length,
        )
        np.minimum.at(null, example_index, start[:, 0] + end[:, 0])
        order = np.lexsort((np.arange(len(scores)), -scores, example_index))
        first = np.concatenate([[True], example_index[order][1:] != example_index[order][:-1]])
        best = order[first]  # each question's best window: highest score, earliest on ties
        best_score[example_index[best]] = scores[best]
        for f in best[np.isfinite(scores[best])].tolist():
            ex = int(example_index[f])
            if not (version_2 and null[ex] - scores[f] > null_threshold):
                begin, stop = offsets[f, starts[f], 0], offsets[f, ends[f], 1]
                texts[ex] = contexts[ex][int(begin) : int(stop)]
    return [Prediction(t, float(s), float(n)) for t, s, n in zip(texts, best_score, null)]


def decode_answers(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    offset_mapping: np.ndarray,
    example_index: np.ndarray,
    contexts: Sequence[str],
    **options,
) -> list[str]:
    """The answer texts of `decode_predictions` (same arguments and options)."""
    arrays = (start_logits, end_logits, offset_mapping, example_index, contexts)
    return [p.text for p in decode_predictions(*arrays, **options)]


def _fit(array: np.ndarray, width: int, fill) -> np.ndarray:
    """`array` [F, L, ...] cut or padded with `fill` to [F, width, ...]."""
    if array.shape[1] >= width:
        return array[:, :width]
    pad = np.full((array.shape[0], width - array.shape[1]) + array.shape[2:], fill, array.dtype)
    return np.concatenate([array, pad], axis=1)
