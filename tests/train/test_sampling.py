"""Multi-task sampling frequencies and the MLM mix rate hold; MLM masking follows 80/10/10."""

import numpy as np
import pytest

from jaxstilts.data.mlm import IGNORE, mask_tokens
from jaxstilts.data.multitask import TaskSampler, task_probabilities

SIZES = {"mnli": 392_702, "squad": 130_319, "ccg": 38_015, "sst": 67_349}


def frequencies(sampler, n=40_000):
    draws = [sampler.task_at(s) for s in range(n)]
    return {t: draws.count(t) / n for t in set(draws)}


@pytest.mark.parametrize("mode,kwargs", [("proportional", {}), ("uniform", {}),
                                         ("temperature", {"temperature": 3.0}),
                                         ("proportional", {"cap": 50_000})])
def test_sampling_frequencies_match_the_configured_distribution(mode, kwargs):
    probs = task_probabilities(SIZES, mode, **kwargs)
    assert sum(probs.values()) == pytest.approx(1.0)
    got = frequencies(TaskSampler(probs, seed=1))
    for task, p in probs.items():
        assert got[task] == pytest.approx(p, abs=0.01), (task, got[task], p)


def test_distribution_shapes():
    assert task_probabilities(SIZES, "uniform")["ccg"] == pytest.approx(0.25)
    capped = task_probabilities(SIZES, cap=50_000)
    assert capped["mnli"] == capped["squad"] == capped["sst"] > capped["ccg"]
    t = task_probabilities({"a": 100, "b": 1}, "temperature", temperature=2.0)
    assert t["a"] == pytest.approx(10 / 11)


def test_mlm_mix_rate_holds_and_the_rest_follows_the_tasks():
    probs = task_probabilities(SIZES)
    got = frequencies(TaskSampler(probs, seed=2, mlm_task="mlm", mlm_rate=0.2))
    assert got["mlm"] == pytest.approx(0.2, abs=0.01)
    assert got["mnli"] / (1 - got["mlm"]) == pytest.approx(probs["mnli"], abs=0.015)


def test_sampling_is_a_function_of_seed_and_step():
    a, b = TaskSampler(task_probabilities(SIZES), seed=3), TaskSampler(task_probabilities(SIZES),
                                                                         seed=3)
    assert [a.task_at(s) for s in range(500, 600)] == [b.task_at(s) for s in range(500, 600)]


def test_bad_sampling_configs_are_named():
    with pytest.raises(ValueError, match="mode 'zipf'"):
        task_probabilities(SIZES, "zipf")
    with pytest.raises(ValueError, match="tasks with no examples: {'x': 0}"):
        task_probabilities({"x": 0})


def test_mlm_masking_rates():
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 1000, (64, 128)).astype(np.int32)
    ids[:, 0], ids[:, -1] = 0, 2
    mask = np.ones_like(ids)
    mask[:, 100:] = 0
    out = mask_tokens(ids, mask, mask_id=1001, vocab_size=1002, special_ids=(0, 1, 2), seed=0,
                      step=5)
    chosen = out["labels"] != IGNORE
    assert not chosen[:, 100:].any() and not chosen[:, 0].any()  # padding and <s> never chosen
    real = (mask == 1).sum() - 2 * len(ids)
    assert chosen.sum() / real == pytest.approx(0.15, abs=0.01)
    masked = (out["input_ids"] == 1001) & chosen
    kept = (out["input_ids"] == ids) & chosen
    assert masked.sum() / chosen.sum() == pytest.approx(0.8, abs=0.03)
    assert kept.sum() / chosen.sum() == pytest.approx(0.1 + 0.1 / 1002, abs=0.03)
    np.testing.assert_array_equal(out["labels"][chosen], ids[chosen])
    again = mask_tokens(ids, mask, mask_id=1001, vocab_size=1002, special_ids=(0, 1, 2), seed=0,
                        step=5)
    np.testing.assert_array_equal(again["input_ids"], out["input_ids"])
