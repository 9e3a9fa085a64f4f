"""One vocabulary of task kinds: heads, batch columns and scorers follow from a task's kind, and
the catalog's language lists are the official script's."""

from dataclasses import replace

import numpy as np
import pytest

from jaxstilts.evaluate.scoring import METRICS, Scorer
from jaxstilts.evaluate.xtreme import SCORERS, scorer_of
from jaxstilts.kinds import Kind, head_kind
from jaxstilts.languages import LANGUAGES
from jaxstilts.model.heads import HEAD_KINDS
from jaxstilts.tasks import featurize, get_task, load_examples, task_from_config, task_names
from tests.tasks.conftest import FIXTURES, fixture_languages


def test_every_kind_has_a_head_the_model_knows():
    assert {kind.head for kind in Kind} <= set(HEAD_KINDS)
    assert head_kind("span_extraction") == "span" and head_kind("tagging") == "tagging"


@pytest.mark.parametrize("name", ["xnli", "xcopa", "udpos", "tydiqa", "tatoeba"])
def test_batch_columns_are_the_kinds_targets(name, tokenizer):
    task = get_task(name)
    split = "train" if "train" in task.splits else "test"
    language = fixture_languages(task, split)[0]
    features = featurize(load_examples(task, split, language, data_dir=FIXTURES), tokenizer)
    batch = features.collate(np.arange(min(2, len(features))), features.max_length)
    assert set(batch) == {"input_ids", "attention_mask", "example_index", "feature_index",
                          *task.kind.targets}


def test_every_evaluable_task_has_a_scorer_of_its_own_kind():
    """XTREME's tasks (and their XTREME-R variants) are scored as themselves; every other task
    with a test split by its own metric under its own name (retrieval only as XTREME's)."""
    for name in task_names():
        task = get_task(name)
        if "test" not in task.splits:
            continue
        scorer = scorer_of(task)
        assert scorer.kind == task.kind, name
        if task.scored_as:
            assert scorer is SCORERS[task.scored_as], name
            assert name.removesuffix("_xtreme_r") == task.scored_as or "demo" in task.tags, name
        else:
            assert task.kind != Kind.RETRIEVAL, name
            assert (scorer.name, scorer.metric) == (name, METRICS[task.metric]), name


def test_a_new_task_of_an_existing_kind_needs_only_its_catalog_entry():
    """A user tagging task is scored by its span-F1 metric, predicted by a tagging head, and
    files its predictions under its own name; nothing outside its definition names it."""
    task = task_from_config({
        "name": "my_ner", "kind": "tagging", "languages": ["en", "de"],
        "labels": ["O", "B-X", "I-X"],
        "source": {"local": {"format": "conll", "files": {"train": "x", "test": "y"}}},
    })
    assert task.kind.head == "tagging"
    assert scorer_of(task) == Scorer("my_ner", Kind.TAGGING, METRICS["seqeval_f1"])
    retrieval = replace(task, name="my_retrieval", kind=Kind.RETRIEVAL, metric="map@20")
    with pytest.raises(ValueError, match="my_retrieval: no scorer for a retrieval task of its"):
        scorer_of(retrieval)
    with pytest.raises(ValueError, match="my_ner: metric 'accuracy' cannot score a tagging task"
                                         r" \(seqeval_f1, token_accuracy can\)"):
        scorer_of(replace(task, metric="accuracy"))
    with pytest.raises(ValueError, match="my_ner: unknown metric 'bleu'"):
        scorer_of(replace(task, metric="bleu"))
    with pytest.raises(ValueError, match="scored_as='xnli' is not an XTREME task of kind tagging"):
        scorer_of(replace(task, scored_as="xnli"))


@pytest.mark.parametrize("benchmark", sorted(LANGUAGES))
def test_catalog_languages_are_the_official_lists(benchmark):
    suffix = "" if benchmark == "xtreme" else "_xtreme_r"
    for name, languages in LANGUAGES[benchmark].items():
        task = get_task(f"{name}{suffix}" if f"{name}{suffix}" in task_names() else name)
        assert task.languages == tuple(sorted(languages)), task.name
