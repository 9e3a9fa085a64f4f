"""Grain pipeline and batch plans: bucketed fixed shapes, seeded shuffling, shards, exact resume;
the evaluation plan covers every row once."""

import json
from pathlib import Path

import datasets
import numpy as np
import pytest

from jaxstilts.data import BatchLoader, LoaderConfig, default_buckets
from jaxstilts.data.buckets import PlanSettings, epoch_plan, evaluation_lengths, evaluation_plan
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
    settings = PlanSettings(batch_size=16, buckets=(16, 32), seed=0)
    plan = epoch_plan(lengths, settings, 0)
    mixed = [len(set(lengths[b.rows].tolist())) == 2 for b in plan]
    assert all(b.length == 32 for b in plan) and np.mean(mixed) > 0.9


def test_evaluation_plan_pads_the_last_batch_and_loses_nothing(demo):
    plan = evaluation_plan(demo.lengths(), 64, limit=demo.max_length)
    batches = [demo.collate(b.filled, b.length) for b in plan]
    assert all(b["input_ids"].shape[0] == 64 for b in batches)
    valid = np.concatenate([b.valid for b in plan])
    rows = np.concatenate([b["feature_index"] for b in batches])[valid]
    assert sorted(rows.tolist()) == list(range(len(demo)))
    lasts = [i for i, b in enumerate(plan) if i + 1 == len(plan) or plan[i + 1].length != b.length]
    assert all(plan[i].valid.all() for i in range(len(plan)) if i not in lasts)
    assert any(not plan[i].valid.all() for i in lasts)  # a length's last batch is padded
    for i in lasts:  # with copies of a real row
        assert (batches[i]["attention_mask"][~plan[i].valid].sum(1) > 0).all()
    lengths = [b.length for b in plan]
    assert lengths == sorted(lengths, reverse=True)  # longest first: little padding


@pytest.mark.parametrize("batch_size", [1, 7, 32, 1000])
def test_evaluation_plan_covers_every_row_once_at_a_fitting_length(batch_size):
    lengths = np.random.default_rng(batch_size).integers(1, 600, 523)
    plan = evaluation_plan(lengths, batch_size, limit=600)
    rows = np.concatenate([b.rows[b.valid] for b in plan])
    assert sorted(rows.tolist()) == list(range(523))  # none lost, none twice
    assert all(len(b.rows) == batch_size and b.valid[: b.valid.sum()].all() for b in plan)
    assert all((lengths[b.filled] <= b.length).all() for b in plan)  # padding rows too
    # one shape per bucket: 32, 64, 128, 256, 512 and "max" (600)
    assert len({b.length for b in plan}) <= 6
    assert max(b.length for b in plan) == 600


def test_evaluation_lengths_trim_to_the_longest_row_of_the_bucket():
    lengths = np.array([3, 17, 40, 41, 129, 200])
    assert evaluation_lengths(lengths).tolist() == [24, 24, 48, 48, 200, 200]
    assert evaluation_lengths(lengths, multiple=1).tolist() == [17, 17, 41, 41, 200, 200]
    assert evaluation_lengths(np.array([20, 29]), limit=30).tolist() == [30, 30]
    with pytest.raises(ValueError, match="batch_size"):
        evaluation_plan(lengths, 0)


def test_shards_split_each_global_batch_and_agree_on_its_length(demo):
    def shard(index):
        config = LoaderConfig(batch_size=32, shard_index=index, shard_count=2, seed=5)
        return collect(iter(BatchLoader(demo, config)))

    a, b = shard(0), shard(1)
    whole = collect(iter(BatchLoader(demo, LoaderConfig(batch_size=32, seed=5))))
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
        batches = collect(iter(BatchLoader(features, LoaderConfig(batch_size=1))))  # training
        assert len(batches) == len(features) and all(b["valid"].all() for b in batches)
        plan = evaluation_plan(features.lengths(), 4, limit=features.max_length)  # evaluation
        assert sum(int(b.valid.sum()) for b in plan) == len(features)
        for batch in batches + [features.collate(b.filled, b.length) for b in plan]:
            rows = len(batch["feature_index"])
            assert batch["input_ids"].ndim == ndim and batch["input_ids"].shape[0] == rows
            if key:
                assert batch[key].shape[0] == rows
    with pytest.raises(ValueError, match="bucc2018 test: .* no full batch of 64"):
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
