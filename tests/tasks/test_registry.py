"""The task registry: the paper's and XTREME's tasks as data, and tasks defined from a config."""

import json

import ml_collections
import pytest

from jaxstilts.tasks import (
    DEFAULT_MAX_LENGTH,
    Kind,
    get_task,
    load_examples,
    register,
    task_from_config,
    task_names,
)

INTERMEDIATE = {
    "anli_plus": Kind.PAIR_CLASSIFICATION,
    "mnli": Kind.PAIR_CLASSIFICATION,
    "qqp": Kind.PAIR_CLASSIFICATION,
    "sst2": Kind.PAIR_CLASSIFICATION,
    "squad_v2": Kind.SPAN_EXTRACTION,
    "hellaswag": Kind.MULTIPLE_CHOICE,
    "ccg": Kind.TAGGING,
    "cosmos_qa": Kind.MULTIPLE_CHOICE,
    "commonsense_qa": Kind.MULTIPLE_CHOICE,
}

# name: (kind, number of languages, metric)
TARGETS = {
    "xnli": (Kind.PAIR_CLASSIFICATION, 15, "accuracy"),
    "pawsx": (Kind.PAIR_CLASSIFICATION, 7, "accuracy"),
    "udpos": (Kind.TAGGING, 33, "seqeval_f1"),
    "panx": (Kind.TAGGING, 40, "seqeval_f1"),
    "xquad": (Kind.SPAN_EXTRACTION, 11, "squad"),
    "mlqa": (Kind.SPAN_EXTRACTION, 7, "mlqa"),
    "tydiqa": (Kind.SPAN_EXTRACTION, 9, "squad"),
    "bucc2018": (Kind.RETRIEVAL, 4, "bucc_f1"),
    "tatoeba": (Kind.RETRIEVAL, 36, "tatoeba_accuracy"),
    "xcopa": (Kind.MULTIPLE_CHOICE, 11, "accuracy"),
    "udpos_xtreme_r": (Kind.TAGGING, 38, "seqeval_f1"),
    "panx_xtreme_r": (Kind.TAGGING, 48, "seqeval_f1"),
    "xquad_xtreme_r": (Kind.SPAN_EXTRACTION, 12, "squad"),
    "tatoeba_xtreme_r": (Kind.RETRIEVAL, 41, "tatoeba_accuracy"),
    "mewslix": (Kind.RETRIEVAL, 11, "map@20"),
    "lareqa": (Kind.RETRIEVAL, 11, "map@20"),
}


def test_paper_intermediate_tasks_are_registered_english_with_kinds():
    assert set(task_names(tag="intermediate")) >= set(INTERMEDIATE)
    for name, kind in INTERMEDIATE.items():
        task = get_task(name)
        assert task.kind == kind
        assert task.languages == ("en",)
        assert {"train", "validation"} <= set(task.splits)
    assert get_task("squad_v2").unanswerable and get_task("squad_v2").metric == "squad_v2"
    anli = get_task("anli_plus")
    hub_ids = [s.path for s in anli.sources.hub]
    assert hub_ids == ["stanfordnlp/snli", "nyu-mll/glue", "facebook/anli"]
    assert anli.sources.hub[2].splits["train"] == ("train_r1", "train_r2", "train_r3")


def test_targets_have_xtreme_languages_metrics_and_english_training_data():
    for name, (kind, count, metric) in TARGETS.items():
        task = get_task(name)
        assert (task.kind, len(task.languages), task.metric) == (kind, count, metric), name
        assert len(set(task.languages)) == count
        assert set(task.languages_of("test")) == set(task.languages), name
        if task.train_task:
            train = get_task(task.train_task)
            assert train.languages_of("train") == ("en",), name
    assert get_task("xnli").train_task == "mnli"
    assert get_task("xquad").train_task == get_task("mlqa").train_task == "squad_v1"
    assert get_task("bucc2018").train_task is None and get_task("tatoeba").train_task is None
    assert set(get_task("udpos").languages) < set(get_task("udpos_xtreme_r").languages)
    assert set(get_task("panx").languages) < set(get_task("panx_xtreme_r").languages)
    assert "ro" in get_task("xquad_xtreme_r").languages
    for name in ("pawsx", "udpos", "panx", "tydiqa", "squad_v1", "mnli", "copa"):
        assert "english_train" in get_task(name).tags


def test_choice_counts_label_sets_and_default_lengths():
    counts = {"hellaswag": 4, "cosmos_qa": 4, "commonsense_qa": 5, "xcopa": 2, "copa": 2}
    for name, choices in counts.items():
        assert get_task(name).num_choices == choices
    assert get_task("xnli").labels == ("entailment", "neutral", "contradiction")
    assert len(get_task("udpos").labels) == 17
    assert get_task("panx").labels[0] == "O" and len(get_task("panx").labels) == 7
    assert get_task("ccg").labels is None  # open supertag set, inferred from training data
    assert DEFAULT_MAX_LENGTH[Kind.PAIR_CLASSIFICATION] == DEFAULT_MAX_LENGTH[Kind.TAGGING] == 256
    assert get_task("xquad").max_length == 384 and get_task("tatoeba").max_length == 512


def test_every_task_has_local_files_for_each_split_and_a_hub_id_or_a_reason():
    for name in task_names():
        task = get_task(name)
        for split in task.splits:
            assert any(split in c.files for c in task.sources.local), (name, split)
        if task.tags & {"demo", "user"}:  # shipped with the package, or the user's own files
            continue
        if task.sources.hub:
            for component in task.sources.hub:
                assert "/" in component.path, name  # owner/name hub ids
        else:
            assert task.sources.hub_unavailable, name
    assert not get_task("ccg").sources.hub and "LDC" in get_task("ccg").sources.hub_unavailable


def test_hub_ids_and_configs_recorded_per_task():
    expected = {
        "xnli": ("facebook/xnli", "{lang}"),
        "pawsx": ("google-research-datasets/paws-x", "{lang}"),
        "udpos": ("google/xtreme", "udpos.{code}"),
        "panx": ("unimelb-nlp/wikiann", "{lang}"),
        "xquad": ("google/xquad", "xquad.{lang}"),
        "mlqa": ("google/xtreme", "MLQA.{lang}.{lang}"),
        "tydiqa": ("google/xtreme", "tydiqa"),
        "tatoeba": ("google/xtreme", "tatoeba.{code}"),
        "xcopa": ("cambridgeltl/xcopa", "{lang}"),
        "squad_v2": ("rajpurkar/squad_v2", None),
        "mnli": ("nyu-mll/glue", "mnli"),
        "hellaswag": ("Rowan/hellaswag", None),
    }
    for name, (path, config) in expected.items():
        hub = get_task(name).sources.hub[0]
        assert (hub.path, hub.name) == (path, config), name
    assert get_task("udpos").code("de") == "German"
    assert get_task("tatoeba").code("zh") == "cmn"
    assert get_task("tydiqa").code("te") == "telugu"


def test_user_defined_task_from_plain_dict_loads_local_jsonl(tmp_path):
    rows = [
        {"p": "The contract is void.", "h": "The contract is valid.", "gold": "c"},
        {"p": "The contract is void.", "h": "The contract is void.", "gold": "e"},
    ]
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    config = {
        "name": "legal_nli",
        "kind": "pair_classification",
        "labels": ["entailment", "neutral", "contradiction"],
        "source": {"local": {"format": "jsonl", "files": {"train": "train.jsonl"}}},
        "fields": {"text_a": "p", "text_b": "h", "label": "gold"},
        "label_map": {"e": "entailment", "n": "neutral", "c": "contradiction"},
        "data_dir": str(tmp_path),
    }
    task = task_from_config(config)
    assert (
        task.metric == "accuracy" and task.max_length == 256 and task.splits == {"train": ("en",)}
    )
    examples = load_examples(task, "train")
    assert examples.rows["label"] == ["contradiction", "entailment"]
    assert examples.rows["text_b"][0] == "The contract is valid."


def test_user_defined_task_from_configdict_and_registration(tmp_path):
    (tmp_path / "dev.tsv").write_text("q\tans\tlab\nWho?\tAnna\t1\n", encoding="utf-8")
    config = ml_collections.ConfigDict(
        {
            "name": "my_domain_pc",
            "kind": "pair_classification",
            "labels": ("0", "1"),
            "max_length": 128,
            "source": {
                "local": {"format": "tsv", "files": {"validation": str(tmp_path / "dev.tsv")}},
                "hub": {"path": "someone/domain-pairs", "splits": {"validation": "dev"}},
            },
            "fields": {"text_a": "q", "text_b": "ans", "label": "lab"},
        }
    )
    task = task_from_config(config, register_task=True)
    assert get_task("my_domain_pc") is task and "user" in task.tags
    assert task.sources.hub[0].splits == {"validation": ("dev",)}
    assert load_examples("my_domain_pc", "validation").rows["label"] == ["1"]
    with pytest.raises(ValueError, match="already registered"):
        register(task)


def test_config_errors_are_explicit():
    with pytest.raises(ValueError, match="unknown keys"):
        task_from_config({"name": "x", "kind": "tagging", "source": {}, "colour": "red"})
    with pytest.raises(ValueError, match="needs 'source'"):
        task_from_config({"name": "x", "kind": "tagging"})
    with pytest.raises(ValueError, match="not a valid Kind|is not a valid"):
        task_from_config({"name": "x", "kind": "poetry", "source": {"local": {}}})
    with pytest.raises(KeyError, match="unknown task"):
        get_task("no_such_task")
