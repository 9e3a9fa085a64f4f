"""The evaluator's host side without a model: inputs, languages and word merging (batch plans are
the data package's, tested in tests/data/test_pipeline.py; the answer decoder in
tests/evaluate/test_span_decode.py)."""

import numpy as np
import pytest

from jaxstilts.evaluate import postprocess
from jaxstilts.evaluate.predict import head_kind, split_by_language
from jaxstilts.tasks import get_task
from jaxstilts.tasks.features import features_from_ids


def test_features_columns_pad_per_token_rows_to_the_width():
    task = get_task("xquad")
    columns = {"input_ids": [[0, 7, 2], [0, 7, 7, 7, 2]], "language": ["en", "de"],
               "offset_mapping": [[[-1, -1], [0, 4], [-1, -1]],
                                  [[-1, -1], [0, 2], [3, 5], [6, 9], [-1, -1]]],
               "example_id": ["a", "b"]}
    features = features_from_ids(task, columns, 6)
    assert features.lengths().tolist() == [3, 5]
    offsets = features.column("offset_mapping")
    assert offsets.shape == (2, 6, 2) and offsets[0, 3:].tolist() == [[-1, -1]] * 3
    assert offsets[1, 2].tolist() == [3, 5]
    assert features.column("language").tolist() == ["en", "de"]
    assert features.column("example_id") == ["a", "b"] and features.column("tags") is None
    batch = features.collate(np.array([1, 0]), 5)
    assert batch["input_ids"].tolist() == [[0, 7, 7, 7, 2], [0, 7, 2, 1, 1]]  # right-padded


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

