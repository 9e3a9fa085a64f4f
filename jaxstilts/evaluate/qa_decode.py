"""Answer text from start/end logits, as XTREME's QA evaluation decodes it (vectorized in numpy).

The rules are those of the SQuAD script XTREME runs (transformers' legacy `run_squad`,
`compute_predictions_logits`): per feature, the `n_best` (20) highest start and end logits over
all positions are crossed; a pair is kept if both ends lie in the context, the start token is in
the window where it has the most context (`max_context_mask`, for documents split into
overlapping windows), end >= start and the span has at most `max_answer_length` (30) tokens.
Each question takes its best-scoring pair (start + end logit) over all its features; ties go to
the earlier feature, then the better start rank, then the better end rank, as the stable sort
there does. With `allow_null` (SQuAD v2.0) the answer is "" when the best null score (`<s>` start
+ end, smallest over the features) exceeds the best span's score by more than `null_threshold`.

One deliberate difference: the answer text is cut from the context with the featurizer's
character offsets (`context[start_char:end_char]`, as transformers' current `run_qa` does) rather
than re-aligned through whitespace tokens by the legacy `get_final_text` heuristic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def max_context_mask(offset_mapping: np.ndarray, context_mask: np.ndarray,
                     example_index: np.ndarray) -> np.ndarray:
    """[F, L] bool: context tokens in the feature where they have the most context.

    A token's score in a window is min(tokens left of it, tokens right of it) + 0.01 * window
    size; among the windows of one question holding the same token (same character span) the
    highest score wins, the earliest window on ties.
    """
    context_mask = np.asarray(context_mask, bool)
    feats, pos = np.nonzero(context_mask)
    if not len(feats):
        return context_mask.copy()
    size = context_mask.sum(1)
    rank = (np.cumsum(context_mask, axis=1) - 1)[feats, pos]
    score = np.minimum(rank, size[feats] - 1 - rank) + 0.01 * size[feats]
    offsets = np.asarray(offset_mapping)
    ex = np.asarray(example_index)[feats]
    start, end = offsets[feats, pos, 0], offsets[feats, pos, 1]
    order = np.lexsort((feats, -score, end, start, ex))  # last key sorts first
    keys = np.stack([ex, start, end])[:, order]
    first = np.concatenate([[True], (keys[:, 1:] != keys[:, :-1]).any(0)])
    best = feats[order][first][np.cumsum(first) - 1]  # each entry's group's best window
    out = np.zeros_like(context_mask)
    out[feats[order], pos[order]] = feats[order] == best
    return out


def feature_best_spans(start_logits: np.ndarray, end_logits: np.ndarray, start_ok: np.ndarray,
                       end_ok: np.ndarray, *, n_best: int = 20, max_answer_length: int = 30
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each feature's best allowed span: (start [F], end [F], score [F]; -inf if none)."""
    start_logits = np.asarray(start_logits, np.float64)
    end_logits = np.asarray(end_logits, np.float64)
    f, length = start_logits.shape
    k = min(n_best, length)
    rows = np.arange(f)[:, None, None]
    s = np.argsort(-start_logits, axis=1, kind="stable")[:, :k, None]  # [F, k, 1]
    e = np.argsort(-end_logits, axis=1, kind="stable")[:, None, :k]  # [F, 1, k]
    ok = (np.asarray(start_ok, bool)[rows, s] & np.asarray(end_ok, bool)[rows, e]
          & (e >= s) & (e - s + 1 <= max_answer_length))
    score = np.where(ok, start_logits[rows, s] + end_logits[rows, e], -np.inf).reshape(f, -1)
    flat = score.argmax(1)  # first maximum: best start rank, then best end rank
    s_b = np.broadcast_to(s, (f, k, k)).reshape(f, -1)
    e_b = np.broadcast_to(e, (f, k, k)).reshape(f, -1)
    pick = np.arange(f)
    return s_b[pick, flat], e_b[pick, flat], score[pick, flat]


def decode_answers(
    start_logits: np.ndarray, end_logits: np.ndarray, offset_mapping: np.ndarray,
    example_index: np.ndarray, contexts: Sequence[str], *,
    context_mask: np.ndarray | None = None, n_best: int = 20, max_answer_length: int = 30,
    allow_null: bool = False, null_threshold: float = 0.0,
) -> list[str]:
    """The answer text of each question (one per context, "" when nothing valid or null wins).

    Inputs are per feature: logits [F, L] (-inf where padded), offset_mapping [F, L, 2] (char
    start/end in the context, -1 off the context), example_index [F] (row of `contexts`);
    `context_mask` [F, L] defaults to offsets >= 0.
    """
    offsets = np.asarray(offset_mapping)
    example_index = np.asarray(example_index)
    if context_mask is None:
        context_mask = offsets[..., 0] >= 0
    context_mask = np.asarray(context_mask, bool)
    start_ok = max_context_mask(offsets, context_mask, example_index)
    starts, ends, scores = feature_best_spans(start_logits, end_logits, start_ok, context_mask,
                                              n_best=n_best, max_answer_length=max_answer_length)
    answers = [""] * len(contexts)
    if not len(example_index):
        return answers
    order = np.lexsort((np.arange(len(scores)), -scores, example_index))
    first = np.concatenate([[True], example_index[order][1:] != example_index[order][:-1]])
    null = np.full(len(contexts), np.inf)
    np.minimum.at(null, example_index,
                  np.asarray(start_logits)[:, 0].astype(np.float64)
                  + np.asarray(end_logits)[:, 0].astype(np.float64))
    for f in order[first]:
        ex = int(example_index[f])
        if not np.isfinite(scores[f]):
            continue
        if allow_null and null[ex] - scores[f] > null_threshold:
            continue
        answers[ex] = contexts[ex][int(offsets[f, starts[f], 0]):int(offsets[f, ends[f], 1])]
    return answers
