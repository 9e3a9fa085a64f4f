"""BUCC and Tatoeba have no training data: scored straight from the intermediate encoder.
Mewsli-X and LAReQA train a dual encoder on English pairs first, as XTREME-R does."""

import json

from jaxstilts.experiment import run_experiment
from jaxstilts.tasks import get_task

from .sweep_config import get_config


def test_retrieval_targets_are_scored_from_the_intermediate_encoder(tmp_path):
    shared = tmp_path / "intermediate"
    for target, langs, metric in (("tatoeba", ("de", "ru"), "accuracy"),
                                  ("bucc2018", ("de", "zh"), "f1")):
        c = get_config()
        c.intermediate.tasks = ("mnli",)
        c.target.task = target
        c.evaluate.languages = langs
        record = run_experiment(c, tmp_path / target, intermediate_dir=shared)
        assert record["encoder_from"] == str(shared)
        assert not (tmp_path / target / "target").exists()  # no target training
        assert set(record["results"][target]) == set(langs)
        for scores in record["results"][target].values():
            assert 0 <= scores[metric] <= 100
        for lang in langs:
            assert (tmp_path / target / "eval" / "predictions" / target /
                    f"test-{lang}.tsv").exists()
    done = json.loads((shared / "done.json").read_text())
    assert done["tasks"] == ["mnli"]  # trained once, used by both targets


def test_mewslix_and_lareqa_train_a_dual_encoder_then_retrieve_with_it(tmp_path):
    for target, langs in (("lareqa", ("de",)), ("mewslix", ("ja",))):
        c = get_config()
        c.intermediate.tasks = ()
        c.target.task = target
        c.target.steps = 2
        c.target.validate_every = 0
        c.evaluate.languages = langs
        record = run_experiment(c, tmp_path / target)
        done = json.loads((tmp_path / target / "target" / "done.json").read_text())
        assert done["heads"] == {target: ["dual_encoder", None]}
        assert get_task(get_task(target).train_task).kind == "retrieval_pairs"
        assert done["steps"] == 2
        assert record["encoder_from"] == str(tmp_path / target / "target")
        assert set(record["results"][target]) == set(langs)
        assert all(0 <= s["map@20"] <= 100 for s in record["results"][target].values())


def test_character_noise_is_scored_per_rate_and_language(tmp_path):
    c = get_config()
    c.target.task = "xnli"
    c.evaluate.languages = ("en", "zh")
    c.evaluate.noise_rates = (0.0, 0.3)
    record = run_experiment(c, tmp_path)
    noise = record["noise"]
    assert set(noise) == {"0.0", "0.3"}
    assert noise["0.0"] == record["results"]["xnli"]  # rate 0 is the clean evaluation
    assert set(noise["0.3"]) == {"en", "zh"}
    assert json.loads((tmp_path / "eval" / "noise.json").read_text()) == noise


def test_noise_changes_the_inputs_and_not_the_labels(tokenizer):
    import numpy as np

    from jaxstilts.evaluate.perturb import with_noise
    from jaxstilts.tasks import features_of

    c = get_config()
    clean = features_of(c.data, "xnli", "test", tokenizer, ("en", "zh"))
    noisy = features_of(c.data, "xnli", "test", tokenizer, ("en", "zh"),
                        transform=lambda examples: with_noise(examples, 0.3, seed=0))
    a, b = clean.arrays(), noisy.arrays()
    np.testing.assert_array_equal(a["label"], b["label"])
    assert clean.examples.rows["text_a"] != noisy.examples.rows["text_a"]
    assert any(x.shape != y.shape or (x != y).any()
               for x, y in zip(a["input_ids"], b["input_ids"]))
