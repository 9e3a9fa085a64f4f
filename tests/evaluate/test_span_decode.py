"""The answer decoder (`evaluate.span_decode`) equals a loop transcription of XTREME's rules
(transformers' legacy `run_squad`) on synthetic windows and on featurized fixture files."""

import numpy as np
import pytest

from jaxstilts.evaluate.span_decode import (
    Prediction,
    decode_answers,
    decode_predictions,
    max_context_mask,
)
from jaxstilts.tasks import FeaturizeConfig, featurize, get_task, load_examples
from tests.tasks.conftest import FIXTURES, fixture_languages
from tests.tasks.oracles import decode_spans

# ------------------------------------------------ XTREME's rules, transcribed in loops


def reference_max_context(offsets, ctx, example_index):
    """run_squad's `_check_is_max_context`: each context token belongs to the window (positions
    with offsets >= 0) where min(left, right) + 0.01 * size is highest, the first on ties."""
    window = offsets[..., 0] >= 0
    out = np.zeros(ctx.shape, bool)
    for f, p in zip(*np.nonzero(ctx & window), strict=True):
        best, best_f = None, None
        for g in np.flatnonzero(example_index == example_index[f]):
            same = window[g] & (offsets[g] == offsets[f, p]).all(-1)
            if not same.any():
                continue
            rank, size = int(window[g, : same.argmax()].sum()), int(window[g].sum())
            score = min(rank, size - 1 - rank) + 0.01 * size
            if best is None or score > best:
                best, best_f = score, g
        out[f, p] = best_f == f
    return out


def reference_decode(
    start, end, offsets, ctx, example_index, contexts, n_best, max_len, version_2, threshold
):
    """run_squad's `compute_predictions_logits`, with the text cut by character offsets."""
    max_ctx = reference_max_context(offsets, ctx, example_index)
    answers = []
    for ex in range(len(contexts)):
        prelim, null = [], np.inf
        for f in np.flatnonzero(example_index == ex):
            null = min(null, start[f, 0] + end[f, 0])
            starts = sorted(range(start.shape[1]), key=lambda i: -start[f, i])[:n_best]
            ends = sorted(range(end.shape[1]), key=lambda i: -end[f, i])[:n_best]
            for s in starts:
                for e in ends:
                    if not (ctx[f, s] and ctx[f, e] and max_ctx[f, s]):
                        continue
                    if e < s or e - s + 1 > max_len:
                        continue
                    prelim.append((float(start[f, s]) + float(end[f, e]), f, s, e))
        prelim.sort(key=lambda p: -p[0])  # stable, as in the script
        if not prelim or (version_2 and null - prelim[0][0] > threshold):
            answers.append("")
            continue
        _, f, s, e = prelim[0]
        answers.append(contexts[ex][offsets[f, s, 0] : offsets[f, e, 1]])
    return answers


def char_windows(contexts, width=24, window=14, stride=6, question=4):
    """Overlapping windows of each context, one token per character, after a 4-token question."""
    offsets, example_index = [], []
    for ex, text in enumerate(contexts):
        for begin in range(0, max(1, len(text) - window + stride), stride):
            row = np.full((width, 2), -1)
            for p, c in enumerate(range(begin, min(begin + window, len(text)))):
                row[1 + question + p] = (c, c + 1)
            offsets.append(row)
            example_index.append(ex)
    return np.stack(offsets), np.asarray(example_index)


def random_logits(rng, shape, ties):
    """Normal logits, or small integers (many ties: window, start and end order decide)."""
    if ties:
        return rng.integers(-3, 4, size=(2, *shape)).astype(np.float32)
    return rng.normal(size=(2, *shape)).astype(np.float32)


@pytest.mark.parametrize("stride", [6, 7])  # 7: equal scores in two windows, the first wins
def test_max_context_mask_matches_the_definition(stride):
    contexts = ["abcdefghijklmnopqrstuvwxyz", "0123456789"]
    offsets, example_index = char_windows(contexts, stride=stride)
    ctx = offsets[..., 0] >= 0
    got = max_context_mask(offsets, ctx, example_index)
    np.testing.assert_array_equal(got, reference_max_context(offsets, ctx, example_index))
    assert got.any() and (got.sum(0) < ctx.sum(0)).any()  # overlaps: some tokens lose


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("version_2,threshold", [(False, 0.0), (True, 0.0), (True, 1.5)])
def test_decode_answers_matches_the_legacy_rules(version_2, threshold, ties):
    rng = np.random.default_rng(1 + ties)
    contexts = ["the quick brown fox jumps", "over the lazy dog", "a", "lorem ipsum dolor sit amet"]
    offsets, example_index = char_windows(contexts)
    ctx = offsets[..., 0] >= 0
    start, end = random_logits(rng, ctx.shape, ties)
    start[:, 0] += rng.choice([0.0, 4.0], len(start))  # some windows favour the null
    start[:, -3:] = end[:, -3:] = -np.inf  # padding
    got = decode_answers(
        start,
        end,
        offsets,
        example_index,
        contexts,
        n_best=5,
        max_answer_length=4,
        version_2=version_2,
        null_threshold=threshold,
    )
    want = reference_decode(
        start, end, offsets, ctx, example_index, contexts, 5, 4, version_2, threshold
    )
    assert got == want
    assert any(got) and all(a in c for a, c in zip(got, contexts, strict=True))


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("n_best,max_len", [(20, 30), (5, 4)])
def test_decode_spans_matches_the_legacy_rules_on_featurized_windows(
    n_best, max_len, ties, tokenizer
):
    """Real windows (every fixture script, empty-span pieces) where the max-context rule and the
    n-best over all positions decide: the decoders this one replaced disagreed here."""
    task = get_task("xquad")
    examples = load_examples(task, "test", fixture_languages(task, "test"), data_dir=FIXTURES)
    config = FeaturizeConfig(max_length=40, doc_stride=8, max_query_length=16)
    features = featurize(examples, tokenizer, config)
    start, end = random_logits(np.random.default_rng(7 + ties), (len(features), 40), ties)
    offsets = np.full((len(features), 40, 2), -1)
    ctx = np.zeros((len(features), 40), bool)
    for i, (o, m) in enumerate(
        zip(features.dataset["offset_mapping"], features.dataset["context_mask"], strict=True)
    ):
        offsets[i, : len(o)], ctx[i, : len(m)] = o, m
        start[i, len(o) :] = end[i, len(o) :] = -np.inf
    example_index = np.asarray(features.dataset["example_index"])
    contexts = examples.rows["context"]
    want = reference_decode(
        start, end, offsets, ctx, example_index, contexts, n_best, max_len, False, 0
    )
    limits = {"n_best": n_best, "max_answer_length": max_len}
    got = decode_spans(features, start, end, **limits)
    assert list(got.values()) == want
    assert list(got) == list(zip(examples.rows["language"], examples.rows["id"], strict=True))
    arrays = (start, end, offsets, example_index, contexts)
    assert decode_answers(*arrays, context_mask=ctx, **limits) == want
    assert sum(map(bool, want)) > len(want) // 2


def test_decode_predictions_picks_the_planted_span_and_the_null():
    context = "Paris is the capital of France."
    offsets = np.full((1, 12, 2), -1)
    offsets[0, 3:10] = [(0, 5), (6, 8), (9, 12), (13, 20), (21, 23), (24, 30), (30, 31)]
    start, end = np.zeros((1, 12)), np.zeros((1, 12))
    start[0, 3], end[0, 3] = 5.0, 5.0  # "Paris"
    start[0, 8], end[0, 9] = 4.0, 4.5  # "France."
    assert decode_answers(start, end, offsets, np.array([0]), [context]) == ["Paris"]
    start[0, 0] = end[0, 0] = 6.0  # the null score now beats every span
    assert decode_predictions(start, end, offsets, np.array([0]), [context], version_2=True) == [
        Prediction("", 10.0, 12.0)
    ]
    # no window for the second question: the empty answer, not an error
    assert decode_predictions(start, end, offsets, np.array([0]), [context, "x"])[1:] == [
        Prediction("", -np.inf, np.inf)
    ]
    assert decode_answers(np.zeros((0, 12)), np.zeros((0, 12)), offsets[:0], [], ["x"]) == [""]
    # equal scores: the script's loop order decides (better start rank, then better end rank)
    start, end = np.zeros((1, 12)), np.zeros((1, 12))
    start[0, 5], start[0, 3], end[0, 4], end[0, 6] = 2.0, 1.0, 2.0, 1.0
    assert decode_answers(start, end, offsets, np.array([0]), [context]) == ["the capital"]
