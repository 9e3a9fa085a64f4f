"""BUCC and Tatoeba have no training data: scored straight from the intermediate encoder."""

import json

from jaxstilts.pipeline import run_experiment

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
