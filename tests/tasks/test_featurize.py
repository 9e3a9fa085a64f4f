"""Featurizers: the fixed-shape batch contract per kind, XLM-R pair encoding, caching."""

import importlib
from pathlib import Path

import ml_collections
import numpy as np
import pytest

from jaxstilts.tasks import (
    IGNORE,
    DataError,
    FeaturizeConfig,
    Kind,
    features_of,
    featurize,
    get_task,
    infer_labels,
    load_examples,
    task_names,
    tokenizer_fingerprint,
)
from tests.tasks.conftest import fixture_languages
from tests.tasks.oracles import merge_word_predictions

# The package exports the function `featurize`, which hides the module of the same name.
featurize_module = importlib.import_module("jaxstilts.tasks.featurize")

CONTRACT = {
    Kind.PAIR_CLASSIFICATION: {"input_ids": 2, "attention_mask": 2, "label": 1},
    Kind.MULTIPLE_CHOICE: {"input_ids": 3, "attention_mask": 3, "label": 1},
    Kind.SPAN_EXTRACTION: {
        "input_ids": 2,
        "attention_mask": 2,
        "start_positions": 1,
        "end_positions": 1,
    },
    Kind.TAGGING: {"input_ids": 2, "attention_mask": 2, "labels": 2},
    Kind.RETRIEVAL: {"input_ids": 2, "attention_mask": 2},
    Kind.RETRIEVAL_PAIRS: {"input_ids": 3, "attention_mask": 3},  # (query, candidate)
}


def _first_split(task):
    return (
        "test"
        if "test" in task.splits
        else "validation"
        if "validation" in task.splits
        else "train"
    )


@pytest.mark.parametrize("name", [n for n in task_names() if "demo" not in get_task(n).tags])
def test_every_task_featurizes_to_the_contract(name, tokenizer, fixtures_dir):
    task = get_task(name)
    split = _first_split(task)
    language = fixture_languages(task, split)[0]
    examples = load_examples(task, split, language, data_dir=fixtures_dir)
    labels = infer_labels(examples) if task.labels is None and task.kind == Kind.TAGGING else None
    features = featurize(examples, tokenizer, labels=labels)
    arrays = features.arrays()
    n, length = len(features), task.max_length
    for key, ndim in CONTRACT[task.kind].items():
        assert arrays[key].dtype == np.int32 and arrays[key].ndim == ndim, key
        assert arrays[key].shape[0] == n
    assert arrays["input_ids"].shape[-1] == length
    if task.kind == Kind.MULTIPLE_CHOICE:
        assert arrays["input_ids"].shape[1] == task.num_choices
    assert "token_type_ids" not in arrays
    assert arrays["example_index"].dtype == np.int32 and arrays["example_index"].max() < len(
        examples
    )
    assert set(arrays["language"]) <= {language, "en", *task.languages}
    ids, mask = arrays["input_ids"], arrays["attention_mask"]
    assert np.all(ids[mask == 0] == tokenizer.pad_token_id)
    assert np.all(ids[..., 0] == tokenizer.cls_token_id)


def test_dual_encoder_pairs_are_two_texts_cut_as_xtreme_r_encodes_them(tokenizer, fixtures_dir):
    """LAReQA's pairs: `encode_plus(question, max_length=96)` and `encode_plus(answer,
    max_length=256)`, each text alone (run_retrieval_qa.py's features)."""
    raw = fixtures_dir.parent / "official/inputs/raw"
    examples = load_examples("lareqa_squad", "train", data_dir=raw)
    examples.rows = examples.rows.map(lambda r: {"query": r["query"] * 30})  # past 96 tokens
    arrays = featurize(examples, tokenizer).arrays()
    assert arrays["input_ids"].shape[1:] == (2, 256)
    for i, (query, candidate) in enumerate(zip(examples.rows["query"],
                                               examples.rows["candidate"])):
        ids, mask = arrays["input_ids"][i], arrays["attention_mask"][i]
        for side, text, length in ((0, query, 96), (1, candidate, 256)):
            expected = tokenizer(text, truncation=True, max_length=length)["input_ids"]
            assert ids[side][mask[side] == 1].tolist() == expected
        assert mask[0].sum() == 96


def test_pairs_are_encoded_as_xlmr_does(tokenizer, fixtures_dir):
    examples = load_examples("xnli", "test", "th", data_dir=fixtures_dir)
    arrays = featurize(examples, tokenizer).arrays()
    row = arrays["input_ids"][0][arrays["attention_mask"][0] == 1].tolist()
    expected = tokenizer(examples.rows["text_a"][0], examples.rows["text_b"][0])["input_ids"]
    assert row == expected
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    first = tokenizer(examples.rows["text_a"][0], add_special_tokens=False)["input_ids"]
    assert row[: len(first) + 3] == [cls, *first, sep, sep] and row[-1] == sep
    assert arrays["label"].tolist() == [0, 2, 1]  # entailment, contradiction, neutral


def test_long_pairs_are_truncated_to_max_length(tokenizer, fixtures_dir):
    examples = load_examples("xnli", "test", "en", data_dir=fixtures_dir)
    arrays = featurize(examples, tokenizer, FeaturizeConfig(max_length=12)).arrays()
    assert arrays["input_ids"].shape == (3, 12) and arrays["attention_mask"].all()
    assert (arrays["input_ids"][:, -1] == tokenizer.sep_token_id).all()


def test_tagging_labels_only_first_subwords(tokenizer, fixtures_dir):
    examples = load_examples("panx", "test", "de", data_dir=fixtures_dir)
    features = featurize(examples, tokenizer)
    arrays = features.arrays()
    labels, ids = arrays["labels"][0], arrays["input_ids"][0]
    tags = examples.rows["tags"][0]
    labelled = np.flatnonzero(labels != IGNORE)
    assert len(labelled) == len(tags)
    assert [features.labels[i] for i in labels[labelled]] == tags
    assert labels[0] == IGNORE and labels[ids == tokenizer.sep_token_id].tolist() == [IGNORE]
    pieces = tokenizer.convert_ids_to_tokens(ids[labelled].tolist())
    assert all(p.startswith("\u2581") for p in pieces)  # each word's first piece


def test_long_sentences_are_split_into_windows_never_truncated(tokenizer, fixtures_dir):
    examples = load_examples("udpos", "test", ("hi", "zh", "de"), data_dir=fixtures_dir)
    features = featurize(examples, tokenizer, FeaturizeConfig(max_length=10))
    assert len(features) > len(examples)  # windows
    assert features.lengths().max() <= 10
    gold = features.arrays()["labels"]
    merged = merge_word_predictions(features, np.where(gold == IGNORE, 0, gold))
    for tags, predicted in zip(examples.rows["tags"], merged, strict=True):
        assert [features.labels[i] for i in predicted] == tags
    with pytest.raises(ValueError, match="no prediction"):
        merge_word_predictions(features, gold[:, :3])


def test_multiple_choice_pairs_context_with_each_choice(tokenizer, fixtures_dir):
    examples = load_examples("commonsense_qa", "train", data_dir=fixtures_dir)
    arrays = featurize(examples, tokenizer).arrays()
    assert arrays["input_ids"].shape == (1, 5, 256) and arrays["label"].tolist() == [1]
    second = arrays["input_ids"][0, 1][arrays["attention_mask"][0, 1] == 1].tolist()
    assert second == tokenizer(examples.rows["context"][0], "tin")["input_ids"]


def test_retrieval_keeps_sides_and_ids(tokenizer, fixtures_dir):
    examples = load_examples("bucc2018", "test", "zh", data_dir=fixtures_dir)
    features = featurize(examples, tokenizer)
    assert features.dataset["side"] == examples.rows["side"]
    assert features.dataset["id"] == examples.rows["id"]
    assert set(features.arrays()) == {
        "input_ids",
        "attention_mask",
        "example_index",
        "feature_index",
        "language",
    }


def test_open_label_sets_are_inferred_or_given(tokenizer, fixtures_dir, caplog):
    train = load_examples("ccg", "train", data_dir=fixtures_dir)
    labels = infer_labels(train)
    assert "(S[dcl]\\NP)/NP" in labels and labels == tuple(sorted(labels))
    inferred = featurize(train, tokenizer)
    assert inferred.labels == labels and "inferred" in caplog.text


OFFICIAL_CCG = Path(__file__).resolve().parents[1] / "fixtures" / "official" / "expected" / "ccg"


def test_ccg_tag_inventory_is_jiants_numbering(tokenizer, fixtures_dir):
    """jiant's ccg_to_num.py numbers train, test, dev tags in first-seen order (its output on
    the fixture files is in tests/fixtures/official); dev's `conj` is not in train."""
    data = ml_collections.ConfigDict(dict(source="local", data_dir=str(fixtures_dir),
                                          skip_invalid=False, max_length=0, cache_dir=""))
    dev = features_of(data, "ccg", "validation", tokenizer)
    for split, name in (("train", "train"), ("validation", "dev"), ("test", "test")):
        rows = load_examples("ccg", split, data_dir=fixtures_dir).rows
        official = [line.split("\t") for line in
                    (OFFICIAL_CCG / f"ccg_num.{name}").read_text().splitlines()]
        assert [" ".join(t) for t in rows["tokens"]] == [text for text, _ in official]
        ids = [[dev.labels.index(t) for t in tags] for tags in rows["tags"]]
        assert ids == [[int(n) for n in nums.split()] for _, nums in official], split
    assert len(dev.labels) == 8  # what ccg_to_num.py printed


def test_a_tag_outside_the_label_set_names_the_row(tokenizer, fixtures_dir):
    dev = load_examples("ccg", "validation", data_dir=fixtures_dir)
    train_only = infer_labels(load_examples("ccg", "train", data_dir=fixtures_dir))
    with pytest.raises(DataError, match=r"row ccg\.dev:1: unknown_label: tag 'conj' is not in "
                       r"the label set of 6 tags"):
        featurize(dev, tokenizer, labels=train_only)


def test_featurization_is_cached_by_fingerprint(tokenizer, fixtures_dir, tmp_path, monkeypatch):
    examples = load_examples("xnli", "test", ("de", "zh"), data_dir=fixtures_dir)
    first = featurize(examples, tokenizer, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("xnli-test-*.arrow"))) == 1

    def boom(*args, **kwargs):
        raise AssertionError("tokenized again")

    monkeypatch.setattr(featurize_module.PairEncoder, "__call__", boom)
    again = featurize(
        load_examples("xnli", "test", ("de", "zh"), data_dir=fixtures_dir),
        tokenizer,
        cache_dir=tmp_path,
    )
    np.testing.assert_array_equal(again.arrays()["input_ids"], first.arrays()["input_ids"])
    with pytest.raises(AssertionError, match="tokenized again"):  # other settings: a new key
        featurize(examples, tokenizer, FeaturizeConfig(max_length=32), cache_dir=tmp_path)


def test_multiprocess_featurization_matches(tokenizer, fixtures_dir, tmp_path):
    examples = load_examples("xquad", "test", ("zh", "th", "ar"), data_dir=fixtures_dir)
    one = featurize(examples, tokenizer, FeaturizeConfig(max_length=32, doc_stride=8))
    two = featurize(
        examples,
        tokenizer,
        FeaturizeConfig(max_length=32, doc_stride=8),
        cache_dir=tmp_path,
        num_proc=2,
    )
    for key, value in one.arrays().items():
        np.testing.assert_array_equal(value, two.arrays()[key])


def test_tokenizer_fingerprint_follows_the_vocabulary(tokenizer, tmp_path):
    from jaxstilts.model.tokenizer import load_tokenizer, train_sentencepiece

    assert tokenizer_fingerprint(tokenizer) == tokenizer_fingerprint(tokenizer)
    train_sentencepiece(["a tiny corpus", "with few words"] * 20, tmp_path, vocab_size=40)
    other = load_tokenizer(tmp_path)
    assert tokenizer_fingerprint(other) != tokenizer_fingerprint(tokenizer)
