"""The evaluator's host side without a model: batch plans and word merging (the answer decoder
is the tasks package's, tested in tests/tasks/test_spans.py)."""

import numpy as np
import pytest

from jaxstilts.evaluate import postprocess
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
    assert all((lengths[b.filled] <= b.length).all() for b in plan)  # padding rows too
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

