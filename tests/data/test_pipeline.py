"""Grain pipeline: bucketed fixed shapes, seeded shuffling, shards, eval padding, exact resume."""

import json
from pathlib import Path

import datasets
import numpy as np
import pytest

from jaxstilts.data import BatchLoader, LoaderConfig, default_buckets
from jaxstilts.data.buckets import PlanSettings, epoch_plan
from jaxstilts.tasks import FeaturizeConfig, featurize, load_examples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


@pytest.fixture(scope="module")
def demo(tokenizer):
    datasets.disable_progress_bars()
    return featurize(load_examples("demo_xnli", "test"), tokenizer)


def collect(iterator, count=None):
    out = []
    for batch in iterator:
        out.append(batch)
        if count is not None and len(out) == count:
            break
    return out


def test_default_buckets():
    assert default_buckets(256) == (32, 64, 128, 256)
    assert default_buckets(384) == (48, 96, 192, 384)
    assert default_buckets(64) == (16, 32, 64)


def test_training_batches_have_fixed_shapes_from_the_bucket_set(demo):
    loader = BatchLoader(demo, LoaderConfig(batch_size=32, seed=3))
    batches = collect(iter(loader))
    assert len(batches) == len(loader) == len(demo) // 32  # incomplete last batch dropped
    lengths = {b["input_ids"].shape[1] for b in batches}
    assert lengths <= set(loader.settings.buckets) and len(lengths) > 1
    for batch in batches:
        assert (
            batch["input_ids"].shape
            == batch["attention_mask"].shape
            == (32, batch["input_ids"].shape[1])
        )
        assert batch["input_ids"].dtype == batch["label"].dtype == np.int32
        assert batch["valid"].all() and batch["valid"].dtype == bool
        longest = batch["attention_mask"].sum(1).max()
        smaller = [b for b in loader.settings.buckets if b < batch["input_ids"].shape[1]]
        assert not smaller or longest > max(smaller)  # the smallest bucket that fits
    rows = np.concatenate([b["feature_index"] for b in batches])
    assert len(set(rows.tolist())) == len(rows)  # no row twice in an epoch


def test_shuffling_is_seeded_and_differs_per_epoch(demo):
    def order(seed, epochs=1):
        config = LoaderConfig(batch_size=32, seed=seed, num_epochs=epochs)
        return [b["feature_index"].tolist() for b in BatchLoader(demo, config)]

    assert order(0) == order(0)
    assert order(0) != order(1)
    two = order(0, epochs=2)
    assert two[: len(two) // 2] == order(0) and two[len(two) // 2 :] != order(0)


def test_bucketing_reduces_padding(demo):
    bucketed = BatchLoader(demo, LoaderConfig(batch_size=32)).padding_fraction()
    single = BatchLoader(demo, LoaderConfig(batch_size=32, buckets=(64,))).padding_fraction()
    assert 0 < bucketed < single
    batch = next(iter(BatchLoader(demo, LoaderConfig(batch_size=32, buckets=(64,)))))
    assert batch["input_ids"].shape == (32, 64)


def test_training_batches_mix_lengths_within_a_bucket():
    """Rows of one bucket are not sorted by exact length: where length goes with the label (the
    demo's neutral pairs are one token longer), length-sorted batches were one-label batches and
    a tiny model never learned. Every batch here must hold both lengths."""
    lengths = np.array([20, 21] * 256)
    settings = PlanSettings(batch_size=16, buckets=(16, 32), shuffle=True, seed=0,
                            drop_remainder=True)
    plan = epoch_plan(lengths, settings, 0)
    mixed = [len(set(lengths[b.rows].tolist())) == 2 for b in plan]
    assert all(b.length == 32 for b in plan) and np.mean(mixed) > 0.9


def test_evaluation_pads_the_last_batch_and_loses_nothing(demo):
    loader = BatchLoader(demo, LoaderConfig(batch_size=64, train=False))
    batches = collect(iter(loader))
    assert all(b["input_ids"].shape[0] == 64 for b in batches)
    valid = np.concatenate([b["valid"] for b in batches])
    rows = np.concatenate([b["feature_index"] for b in batches])[valid]
    assert sorted(rows.tolist()) == list(range(len(demo)))
    last = batches[-1]
    assert (~last["valid"]).sum() == -len(demo) % 64
    assert (last["example_index"][~last["valid"]] == -1).all()
    assert (last["attention_mask"][~last["valid"]].sum(1) > 0).all()  # copies of a real row
    lengths = [b["input_ids"].shape[1] for b in batches]
    assert lengths == sorted(lengths)  # sorted by length: little padding


def test_shards_split_each_global_batch_and_agree_on_its_length(demo):
    def shard(index, train):
        config = LoaderConfig(batch_size=32, shard_index=index, shard_count=2, train=train, seed=5)
        return collect(iter(BatchLoader(demo, config)))

    for train in (True, False):
        a, b = shard(0, train), shard(1, train)
        whole = collect(iter(BatchLoader(demo, LoaderConfig(batch_size=32, seed=5, train=train))))
        assert len(a) == len(b) == len(whole)
        for x, y, w in zip(a, b, whole, strict=True):
            assert x["input_ids"].shape == y["input_ids"].shape == (16, w["input_ids"].shape[1])
            np.testing.assert_array_equal(
                np.concatenate([x["feature_index"], y["feature_index"]]), w["feature_index"]
            )
    with pytest.raises(ValueError, match="not divisible"):
        LoaderConfig(batch_size=30, shard_count=4)


@pytest.mark.parametrize("stop", [1, 7, 32, 40])
def test_restored_iterator_yields_exactly_the_remaining_batches(demo, stop):
    config = LoaderConfig(batch_size=32, seed=11, num_epochs=2, num_threads=3)
    expected = collect(iter(BatchLoader(demo, config)))
    iterator = iter(BatchLoader(demo, config))
    collect(iterator, stop)
    state = json.loads(json.dumps(iterator.get_state()))  # what a checkpoint stores
    collect(iterator, 3)  # the original keeps going; the saved state must not move
    restored = iter(BatchLoader(demo, config))
    restored.set_state(state)
    remaining = collect(restored)
    assert len(remaining) == len(expected) - stop
    for got, want in zip(remaining, expected[stop:], strict=True):
        assert got.keys() == want.keys()
        for key in want:
            np.testing.assert_array_equal(got[key], want[key])


def test_state_from_another_loader_is_refused(demo):
    iterator = iter(BatchLoader(demo, LoaderConfig(batch_size=32, seed=1)))
    next(iterator)
    state = iterator.get_state()
    other = iter(BatchLoader(demo, LoaderConfig(batch_size=32, seed=2)))
    with pytest.raises(ValueError, match="another loader.*seed"):
        other.set_state(state)


def test_endless_training_keeps_going(demo):
    loader = BatchLoader(demo, LoaderConfig(batch_size=256, num_epochs=None))
    batches = collect(iter(loader), 3 * loader.batches_per_epoch + 1)
    assert len(batches) == 3 * loader.batches_per_epoch + 1
    with pytest.raises(TypeError):
        len(loader)


def test_every_kind_batches(tokenizer):
    cases = [
        ("hellaswag", "train", None, "label", 3),
        ("panx", "test", ("de", "zh", "th"), "labels", 2),
        ("xquad", "test", ("zh", "ar"), "start_positions", 2),
        ("bucc2018", "test", "ru", None, 2),
    ]
    for name, split, language, key, ndim in cases:
        examples = load_examples(name, split, language, data_dir=FIXTURES)
        features = featurize(examples, tokenizer, FeaturizeConfig(max_length=64))
        loader = BatchLoader(features, LoaderConfig(batch_size=4, train=False))
        batches = collect(iter(loader))
        assert sum(int(b["valid"].sum()) for b in batches) == len(features)
        for batch in batches:
            assert batch["input_ids"].ndim == ndim and batch["input_ids"].shape[0] == 4
            if key == "labels":
                assert (batch["labels"][~batch["valid"]] == -100).all()
            elif key:
                assert batch[key].shape == (4,)
    with pytest.raises(ValueError, match="no full batch"):
        BatchLoader(features, LoaderConfig(batch_size=64))


def test_demo_data_is_small_and_complete():
    from jaxstilts.tasks import DEMO_DATA, demo_mlm_files

    size = sum(p.stat().st_size for p in DEMO_DATA.rglob("*") if p.is_file())
    assert size < 2 * 1024 * 1024
    assert (DEMO_DATA / "README.md").exists() and (DEMO_DATA / "LICENSE-multichecklist").exists()
    assert len(load_examples("demo_xnli", "train")) == 2000
    assert len(load_examples("demo_xnli", "validation")) == 150
    test = load_examples("demo_xnli", "test")
    assert {lang: test.rows["language"].count(lang) for lang in test.languages} == {
        lang: 150 for lang in ("en", "de", "ru", "zh", "ar", "hi", "th")
    }
    assert len(load_examples("demo_nli", "train")) == 2000
    assert set(demo_mlm_files()) == {"en", "de", "ru", "zh", "ar", "hi", "th"}
