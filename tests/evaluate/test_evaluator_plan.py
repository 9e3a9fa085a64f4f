"""The evaluator's host side without a model: batch plans, word merging, answer decoding."""

import numpy as np
import pytest

from jaxstilts.evaluate import postprocess, qa_decode
from jaxstilts.evaluate.predict import (
    ArrayFeatures,
    bucket_lengths,
    head_kind,
    plan_batches,
    split_by_language,
)


@pytest.mark.parametrize("batch_size", [1, 7, 32, 1000])
def test_plan_covers_every_row_once_at_a_fitting_length(batch_size):
    lengths = np.random.default_rng(batch_size).integers(1, 600, 523)
    plan = plan_batches(lengths, batch_size, limit=600)
    rows = np.concatenate([b.rows[b.valid] for b in plan])
    assert sorted(rows.tolist()) == list(range(523))  # none lost, none twice
    assert all(len(b.rows) == batch_size and b.valid[: b.valid.sum()].all() for b in plan)
    assert all((lengths[b.rows] <= b.length).all() for b in plan)  # padding rows too
    # one shape per bucket: 32, 64, 128, 256, 512 and "max" (600)
    assert len({b.length for b in plan}) <= 6
    assert max(b.length for b in plan) == 600


def test_bucket_lengths_trim_to_the_longest_row_of_the_bucket():
    lengths = np.array([3, 17, 40, 41, 129, 200])
    assert bucket_lengths(lengths).tolist() == [24, 24, 48, 48, 200, 200]
    assert bucket_lengths(lengths, multiple=1).tolist() == [17, 17, 41, 41, 200, 200]
    assert bucket_lengths(np.array([20, 29]), limit=30).tolist() == [30, 30]


def test_array_features_lengths_and_collate():
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]])
    ids = np.where(mask, 7, 1)
    source = ArrayFeatures({"input_ids": ids, "attention_mask": mask})
    assert source.lengths().tolist() == [2, 4, 0]
    batch = source.collate(np.array([1, 0]), 3)
    assert batch["input_ids"].tolist() == [[7, 7, 7], [7, 7, 1]]
    choices = ArrayFeatures({"input_ids": ids[None].repeat(2, 0), "attention_mask":
                             np.stack([mask, mask[::-1]])})
    assert choices.lengths().tolist() == [4, 4]  # the longest choice
    with pytest.raises(ValueError, match="width"):
        source.collate(np.array([0]), 5)


def test_split_by_language_keeps_input_order():
    outputs = {"label": np.arange(6)}
    split = split_by_language(outputs, ["de", "en", "de", "zh", "en", "de"])
    assert list(split) == ["de", "en", "zh"]
    assert split["de"]["label"].tolist() == [0, 2, 5]


def test_head_kind_accepts_task_kinds():
    assert head_kind("span_extraction") == "span"
    assert head_kind("pair_classification") == "classification"
    with pytest.raises(ValueError, match="cannot predict"):
        head_kind("mlm")


def test_word_predictions_read_first_subwords():
    labels = np.array([[-100, 3, -100, 4, 5, -100], [-100, 1, -100, -100, -100, -100]])
    token_label = np.array([[9, 0, 9, 1, 2, 9], [9, 7, 9, 9, 9, 9]])
    words = postprocess.word_predictions(token_label, postprocess.word_ids_from_labels(labels))
    assert [w.tolist() for w in words] == [[0, 1, 2], [7]]
    merged = postprocess.word_predictions(token_label, np.array([[-1, 0, -1, 1, -1, -1],
                                                                 [-1, 2, -1, 3, -1, -1]]),
                                          example_index=np.array([0, 0]))
    assert [w.tolist() for w in merged] == [[0, 1, 7, 9]]  # two windows of one sentence
    tags, filled = postprocess.tag_sentences(words, ["B-PER"] * 7 + ["O"], lengths=[3, 2])
    assert tags[1] == ["O", "O"] and filled == 1  # the cut-off word is filled with "O"


# ------------------------------------------------------------------------------ answer decoding


def _legacy_decode(start, end, offsets, ctx, max_ctx, example_index, contexts, n_best, max_len,
                   allow_null=False):
    """transformers' legacy `compute_predictions_logits`, in loops, for comparison."""
    answers = []
    for ex in range(len(contexts)):
        prelim, null = [], np.inf
        for f in np.flatnonzero(example_index == ex):
            null = min(null, start[f, 0] + end[f, 0])
            starts = sorted(range(start.shape[1]), key=lambda i: -start[f, i])[:n_best]
            ends = sorted(range(end.shape[1]), key=lambda i: -end[f, i])[:n_best]
            for s in starts:
                for e in ends:
                    if not (ctx[f, s] and ctx[f, e] and max_ctx[f, s]) or e < s \
                            or e - s + 1 > max_len:
                        continue
                    prelim.append((start[f, s] + end[f, e], f, s, e))
        prelim.sort(key=lambda p: -p[0])  # stable, as in the legacy script
        if not prelim or (allow_null and null - prelim[0][0] > 0):
            answers.append("")
            continue
        _, f, s, e = prelim[0]
        answers.append(contexts[ex][offsets[f, s, 0]:offsets[f, e, 1]])
    return answers


def _windows(rng, contexts, width=24, window=14, stride=6, question=4):
    """Features over overlapping windows of each context's characters (one token per char)."""
    offsets, example_index = [], []
    for ex, text in enumerate(contexts):
        for begin in range(0, max(1, len(text) - window + stride), stride):
            chars = range(begin, min(begin + window, len(text)))
            row = np.full((width, 2), -1)
            for p, c in enumerate(chars):
                row[1 + question + p] = (c, c + 1)
            offsets.append(row)
            example_index.append(ex)
    return np.stack(offsets), np.asarray(example_index)


def test_max_context_mask_matches_the_definition():
    rng = np.random.default_rng(0)
    offsets, example_index = _windows(rng, ["abcdefghijklmnopqrstuvwxyz", "0123456789"])
    ctx = offsets[..., 0] >= 0
    got = qa_decode.max_context_mask(offsets, ctx, example_index)
    for f, p in zip(*np.nonzero(ctx)):
        char, best, best_f = offsets[f, p, 0], None, None
        for g in np.flatnonzero(example_index == example_index[f]):
            where = np.flatnonzero(ctx[g] & (offsets[g, :, 0] == char))
            if not len(where):
                continue
            rank = int(ctx[g, : where[0]].sum())
            score = min(rank, ctx[g].sum() - 1 - rank) + 0.01 * ctx[g].sum()
            if best is None or score > best:
                best, best_f = score, g
        assert got[f, p] == (best_f == f)
    assert (got.sum(0) <= ctx.sum(0)).all() and got.any()


@pytest.mark.parametrize("allow_null", [False, True])
def test_decode_answers_matches_the_legacy_rules(allow_null):
    rng = np.random.default_rng(1)
    contexts = ["the quick brown fox jumps", "over the lazy dog", "a", "lorem ipsum dolor sit amet"]
    offsets, example_index = _windows(rng, contexts)
    ctx = offsets[..., 0] >= 0
    start = rng.normal(size=ctx.shape).astype(np.float32)
    end = rng.normal(size=ctx.shape).astype(np.float32)
    start[:, -3:] = end[:, -3:] = -np.inf  # padding
    got = qa_decode.decode_answers(start, end, offsets, example_index, contexts, n_best=5,
                                   max_answer_length=4, allow_null=allow_null)
    max_ctx = qa_decode.max_context_mask(offsets, ctx, example_index)
    want = _legacy_decode(start, end, offsets, ctx, max_ctx, example_index, contexts, 5, 4,
                          allow_null)
    assert got == want
    assert any(got) and all(a in c for a, c in zip(got, contexts))


def test_decode_answers_picks_the_planted_span_and_the_null():
    context = "Paris is the capital of France."
    offsets = np.full((1, 12, 2), -1)
    words = [(0, 5), (6, 8), (9, 12), (13, 20), (21, 23), (24, 30), (30, 31)]
    offsets[0, 3:10] = words
    start, end = np.zeros((1, 12)), np.zeros((1, 12))
    start[0, 3], end[0, 3] = 5.0, 5.0  # "Paris"
    start[0, 8], end[0, 9] = 4.0, 4.5  # "France."
    assert qa_decode.decode_answers(start, end, offsets, np.array([0]), [context]) == ["Paris"]
    start[0, 0] = end[0, 0] = 6.0  # the null score now beats every span
    assert qa_decode.decode_answers(start, end, offsets, np.array([0]), [context],
                                    allow_null=True) == [""]
    # no feature for the second question: it gets the empty answer, not an error
    assert qa_decode.decode_answers(start, end, offsets, np.array([0]),
                                    [context, "x"]) == ["Paris", ""]
