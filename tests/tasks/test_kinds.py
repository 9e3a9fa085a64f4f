"""One vocabulary of task kinds: heads, batch columns and scorers follow from a task's kind, and
the catalog's language lists are the official script's."""

import numpy as np
import pytest

from jaxstilts.evaluate.xtreme import SCORER_KINDS, scorer_of
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


def test_every_evaluable_task_has_an_official_scorer_of_its_own_kind():
    for name in task_names():
        task = get_task(name)
        if "test" not in task.splits or (task.kind == Kind.RETRIEVAL and name not in SCORER_KINDS
                                         and not name.endswith("_xtreme_r")):
            continue
        assert SCORER_KINDS[scorer_of(name, task.kind, task.metric)] == task.kind, name


def test_a_new_task_of_an_existing_kind_needs_only_its_catalog_entry():
    """A user tagging task with a span-F1 metric is scored like PAN-X, predicted by a tagging
    head; nothing outside its definition names it."""
    task = task_from_config({
        "name": "my_ner", "kind": "tagging", "languages": ["en", "de"],
        "labels": ["O", "B-X", "I-X"],
        "source": {"local": {"format": "conll", "files": {"train": "x", "test": "y"}}},
    })
    assert task.kind.head == "tagging"
    assert scorer_of(task.name, task.kind, task.metric) == "panx"
    with pytest.raises(ValueError, match="no official scorer for a retrieval task"):
        scorer_of("my_retrieval", Kind.RETRIEVAL, "map@20")


@pytest.mark.parametrize("benchmark", sorted(LANGUAGES))
def test_catalog_languages_are_the_official_lists(benchmark):
    suffix = "" if benchmark == "xtreme" else "_xtreme_r"
    for name, languages in LANGUAGES[benchmark].items():
        task = get_task(f"{name}{suffix}" if f"{name}{suffix}" in task_names() else name)
        assert task.languages == tuple(sorted(languages)), task.name
