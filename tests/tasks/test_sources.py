"""Sources: every registered task from official-format fixtures; the hub path on local parquet
files (same code after the load call); offline and missing-extra errors."""

import sys

import datasets
import pytest

from jaxstilts.tasks import Kind, SourceUnavailable, get_task, load_examples, task_names
from jaxstilts.tasks.catalog_xtreme import PANX_TAGS, UPOS
from tests.tasks.conftest import fixture_languages

CANONICAL = {
    Kind.PAIR_CLASSIFICATION: {"text_a", "text_b", "label"},
    Kind.MULTIPLE_CHOICE: {"context", "choices", "label"},
    Kind.SPAN_EXTRACTION: {"context", "question", "answers"},
    Kind.TAGGING: {"tokens", "tags"},
    Kind.RETRIEVAL: {"text", "text_b", "side"},
    Kind.RETRIEVAL_PAIRS: {"query", "candidate"},
}


def _splits():
    for name in task_names():
        task = get_task(name)
        if "demo" in task.tags:
            continue
        for split in task.splits:
            yield name, split


def _load(task, split, data_dir):
    """All fixture languages of a split: together, or one by one for per-language retrieval."""
    languages = fixture_languages(task, split)
    pooled = all(c.format in ("mewslix", "lareqa") for c in task.sources.local)
    if task.kind == Kind.RETRIEVAL and not pooled:
        return [load_examples(task, split, lang, data_dir=data_dir) for lang in languages]
    return [load_examples(task, split, languages, data_dir=data_dir)]


@pytest.mark.parametrize("name,split", list(_splits()))
def test_every_registered_task_loads_from_local_fixtures(name, split, fixtures_dir):
    task = get_task(name)
    languages = fixture_languages(task, split)
    assert languages, f"no fixture language for {name} {split}"
    for examples in _load(task, split, fixtures_dir):
        assert len(examples) > 0
        assert set(examples.rows.column_names) == {"id", "language"} | CANONICAL[task.kind]
        report = examples.report
        links = sum(map(len, (examples.gold or {}).values()))
        assert report.kept == len(examples) + links and not report.skipped
        assert report.read == report.kept + sum(report.excluded.values())
        if task.kind == Kind.RETRIEVAL:
            sides = set(examples.rows["side"])
            assert sides == {"query", "candidate"}
            assert examples.gold and all(examples.gold.values())
            ids = set(examples.rows["id"])
            assert all(c in ids for cs in examples.gold.values() for c in cs)
        else:
            assert set(examples.rows["language"]) == set(languages)


def test_fixture_text_spans_many_scripts(fixtures_dir):
    rows = load_examples("xquad", "test", ("ru", "ar", "hi", "zh", "th"), data_dir=fixtures_dir)
    joined = "".join(rows.rows["context"])
    for first, last in (
        (0x0400, 0x04FF),
        (0x0600, 0x06FF),
        (0x0900, 0x097F),
        (0x4E00, 0x9FFF),
        (0x0E00, 0x0E7F),
    ):
        assert any(first <= ord(c) <= last for c in joined), hex(first)


def test_format_details(fixtures_dir):
    snli = load_examples("anli_plus", "train", data_dir=fixtures_dir)
    assert snli.report.excluded == {"no_gold_label": 1}  # SNLI "-": counted, not an error
    assert "snli_1.0_train.jsonl:4" in snli.report.samples["no_gold_label"][0]
    assert set(snli.rows["label"]) == {"entailment", "neutral", "contradiction"}
    tydiqa = load_examples("tydiqa", "train", data_dir=fixtures_dir)
    assert all(i.startswith("english-") for i in tydiqa.rows["id"])  # Arabic rows filtered out
    panx = load_examples("panx", "test", "zh", data_dir=fixtures_dir)
    assert panx.rows["tokens"][0][0] == "玛丽·居里"  # the "zh:" prefix is stripped
    de = load_examples("udpos", "test", "de", data_dir=fixtures_dir)
    assert len(de) == 4  # two treebanks x two sentences, concatenated in sorted order
    # XTREME's conversion: the fused "zum" is one word, tagged as its head word (zu: ADP and dem:
    # DET both hang on Bahnhof; the default precedence ranks ADP first)
    assert (de.rows["tokens"][1], de.rows["tags"][1]) == (["zum", "Bahnhof"], ["ADP", "NOUN"])
    cosmos = load_examples("cosmos_qa", "train", data_dir=fixtures_dir)
    assert cosmos.rows["context"][0] == (
        "It rained all day, so we stayed in.\nWe played cards. Why did they stay in?"
    )
    csqa = load_examples("commonsense_qa", "train", data_dir=fixtures_dir)
    assert csqa.rows["choices"][0][1] == "tin" and csqa.rows["label"][0] == 1
    xcopa = load_examples("xcopa", "test", "et", data_dir=fixtures_dir)
    assert xcopa.rows["context"][0].endswith("What happened as a result?")
    sst = load_examples("sst2", "train", data_dir=fixtures_dir)
    assert sst.rows["text_b"] == [None, None] and sst.rows["label"] == ["positive", "negative"]


def test_retrieval_gold_links(fixtures_dir):
    bucc = load_examples("bucc2018", "validation", "de", data_dir=fixtures_dir)
    assert bucc.gold == {"de-000000000": ["en-000000013"], "de-000000001": ["en-000000012"]}
    tatoeba = load_examples("tatoeba", "test", "th", data_dir=fixtures_dir)
    queries = [r for r in tatoeba.rows if r["side"] == "query"]
    assert len(queries) == 4 and all(tatoeba.gold[q["id"]] for q in queries)
    lareqa = load_examples("lareqa", "test", "de", data_dir=fixtures_dir)
    candidates = {r["id"]: r for r in lareqa.rows if r["side"] == "candidate"}
    assert {r["language"] for r in candidates.values()} == {"en", "de", "ar", "zh", "th"}
    answers = [candidates[c] for c in lareqa.gold["q0_de"]]  # one answer sentence per language
    assert len(answers) == 5 and any("Warschau" in a["text"] for a in answers)
    mewslix = load_examples("mewslix", "test", data_dir=fixtures_dir)
    queries = [r for r in mewslix.rows if r["side"] == "query"]
    assert {q["language"] for q in queries} == set(get_task("mewslix").languages) & {
        "en",
        "ar",
        "ja",
        "uk",
        "de",
    }
    assert all(mewslix.gold[q["id"]] == ["Q270"] for q in queries)
    with pytest.raises(ValueError, match="one language at a time"):
        load_examples("tatoeba", "test", ("de", "ru"), data_dir=fixtures_dir)


def _parquet(tmp_path, name, columns, features):
    path = tmp_path / f"{name}.parquet"
    datasets.Dataset.from_dict(columns, features=datasets.Features(features)).to_parquet(path)
    return str(path)


def test_hub_xnli_parquet_gives_the_canonical_rows(tmp_path):
    """facebook/xnli's columns and class labels, written here in the hub's own schema (not from
    the local loader), read through load_dataset."""
    labels = datasets.ClassLabel(names=["entailment", "neutral", "contradiction"])
    path = _parquet(
        tmp_path,
        "xnli-de",
        {
            "premise": ["Der Zug ist spät.", "Ich mag Tee."],
            "hypothesis": ["Der Zug kommt nicht pünktlich.", "Ich hasse Tee."],
            "label": [0, 2],
        },
        {
            "premise": datasets.Value("string"),
            "hypothesis": datasets.Value("string"),
            "label": labels,
        },
    )
    hub = load_examples("xnli", "test", "de", source="hub", hub_data_files={"test": path})
    assert hub.source == "hub"
    assert hub.rows["text_a"] == ["Der Zug ist spät.", "Ich mag Tee."]
    assert hub.rows["text_b"] == ["Der Zug kommt nicht pünktlich.", "Ich hasse Tee."]
    assert hub.rows["label"] == ["entailment", "contradiction"]
    assert hub.rows["language"] == ["de", "de"]


def test_hub_tagging_squad_choice_and_bitext_layouts(tmp_path):
    """Each in its hub dataset's own schema, written here (not from the local loader)."""
    tags = datasets.List(datasets.ClassLabel(names=list(PANX_TAGS)))
    path = _parquet(  # unimelb-nlp/wikiann's schema: ner_tags as class ids, langs per token
        tmp_path,
        "panx",
        {
            "tokens": [["Мария", "Кюри", "родилась", "в", "Варшаве", "."]],
            "ner_tags": [[1, 2, 0, 0, 5, 0]],
            "langs": [["ru"] * 6],
        },
        {
            "tokens": datasets.List(datasets.Value("string")),
            "ner_tags": tags,
            "langs": datasets.List(datasets.Value("string")),
        },
    )
    panx_hub = load_examples("panx", "test", "ru", source="hub", hub_data_files={"test": path})
    assert panx_hub.rows["tokens"] == [["Мария", "Кюри", "родилась", "в", "Варшаве", "."]]
    assert panx_hub.rows["tags"] == [["B-PER", "I-PER", "O", "O", "B-LOC", "O"]]

    pos = datasets.List(datasets.ClassLabel(names=list(UPOS)))
    path = _parquet(
        tmp_path,
        "udpos",
        {"tokens": [["Wer", "?"]], "pos_tags": [[10, 12]]},
        {"tokens": datasets.List(datasets.Value("string")), "pos_tags": pos},
    )
    udpos = load_examples("udpos", "test", "de", source="hub", hub_data_files={"test": path})
    assert udpos.rows["tags"] == [["PRON", "PUNCT"]]

    context = "Marie Curie was born in Warsaw in 1867."
    path = _parquet(  # rajpurkar/squad_v2's schema; an unanswerable question has empty answers
        tmp_path,
        "squad",
        {
            "id": ["a1", "a2"],
            "title": ["Curie", "Curie"],
            "context": [context, context],
            "question": ["Where was Marie Curie born?", "When did she die?"],
            "answers": [{"text": ["Warsaw"], "answer_start": [24]},
                        {"text": [], "answer_start": []}],
        },
        {
            "id": datasets.Value("string"),
            "title": datasets.Value("string"),
            "context": datasets.Value("string"),
            "question": datasets.Value("string"),
            "answers": {
                "text": datasets.List(datasets.Value("string")),
                "answer_start": datasets.List(datasets.Value("int32")),
            },
        },
    )
    squad_hub = load_examples("squad_v2", "train", source="hub", hub_data_files={"train": path})
    assert squad_hub.rows.to_list() == [
        {"id": "a1", "language": "en", "context": context,
         "question": "Where was Marie Curie born?",
         "answers": {"text": ["Warsaw"], "answer_start": [24]}},
        {"id": "a2", "language": "en", "context": context, "question": "When did she die?",
         "answers": {"text": [], "answer_start": []}},
    ]

    path = _parquet(
        tmp_path,
        "csqa",
        {
            "id": ["q1"],
            "question": ["What do people drink in the afternoon?"],
            "question_concept": ["tea"],
            "choices": [{"label": list("ABCDE"),
                         "text": ["stones", "tea", "clouds", "shoes", "noise"]}],
            "answerKey": ["B"],
        },
        {
            "id": datasets.Value("string"),
            "question": datasets.Value("string"),
            "question_concept": datasets.Value("string"),
            "choices": {
                "label": datasets.List(datasets.Value("string")),
                "text": datasets.List(datasets.Value("string")),
            },
            "answerKey": datasets.Value("string"),
        },
    )
    csqa_hub = load_examples(
        "commonsense_qa", "train", source="hub", hub_data_files={"train": path}
    )
    assert csqa_hub.rows.to_list() == [
        {"id": "q1", "language": "en", "context": "What do people drink in the afternoon?",
         "choices": ["stones", "tea", "clouds", "shoes", "noise"], "label": 1}]

    path = _parquet(
        tmp_path,
        "bitext",
        {
            "source_sentence": ["Ich mag Tee.", "Das Museum öffnet."],
            "target_sentence": ["I like tea.", "The museum opens."],
            "source_lang": ["de", "de"],
            "target_lang": ["en", "en"],
        },
        {
            k: datasets.Value("string")
            for k in ("source_sentence", "target_sentence", "source_lang", "target_lang")
        },
    )
    tatoeba = load_examples("tatoeba", "test", "de", source="hub",
                            hub_data_files={"validation": path})
    assert tatoeba.gold == {"q0": ["c0"], "q1": ["c1"]}
    assert tatoeba.rows["side"] == ["query", "candidate", "query", "candidate"]
    # BUCC's hub copy holds only gold pairs: no hub source (mining among them inflates F1)
    with pytest.raises(SourceUnavailable, match="only the gold pairs"):
        load_examples("bucc2018", "test", "de", source="hub", hub_data_files={"test": path})


def test_hub_class_label_minus_one_and_id_filters(tmp_path):
    labels = datasets.ClassLabel(names=["entailment", "neutral", "contradiction"])
    path = _parquet(
        tmp_path,
        "snli",
        {
            "premise": ["A dog runs.", "A cat sleeps."],
            "hypothesis": ["An animal runs.", "Cats."],
            "label": [0, -1],
        },
        {
            "premise": datasets.Value("string"),
            "hypothesis": datasets.Value("string"),
            "label": labels,
        },
    )
    task = get_task("anli_plus")
    from dataclasses import replace

    snli_only = replace(task, sources=replace(task.sources, hub=task.sources.hub[:1]))
    snli = load_examples(snli_only, "train", source="hub", hub_data_files={"train": path})
    assert len(snli) == 1 and snli.report.excluded == {"no_gold_label": 1}

    answers = {"text": ["Warsaw"], "answer_start": [0]}
    path = _parquet(
        tmp_path,
        "tydiqa",
        {
            "id": ["english-1", "arabic-2"],
            "title": ["", ""],
            "context": ["Warsaw.", "Warsaw."],
            "question": ["Where?", "Where?"],
            "answers": [answers, answers],
        },
        {
            "id": datasets.Value("string"),
            "title": datasets.Value("string"),
            "context": datasets.Value("string"),
            "question": datasets.Value("string"),
            "answers": {
                "text": datasets.List(datasets.Value("string")),
                "answer_start": datasets.List(datasets.Value("int32")),
            },
        },
    )
    ar = load_examples("tydiqa", "test", "ar", source="hub", hub_data_files={"validation": path})
    assert ar.rows["id"] == ["arabic-2"]


def test_offline_hub_says_what_to_download_and_where(monkeypatch):
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    with pytest.raises(SourceUnavailable) as error:
        load_examples("xnli", "test", "de", source="hub")
    message = str(error.value)
    assert "facebook/xnli" in message and "config de" in message and "'test'" in message
    assert "datasets.load_dataset('facebook/xnli', 'de', split='test')" in message
    assert "hub_data_files" in message and "XNLI-1.0/xnli.test.tsv" in message
    with pytest.raises(SourceUnavailable, match="LDC"):
        load_examples("ccg", "train", source="hub")


def test_missing_local_file_names_the_path_and_the_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"XNLI-1\.0/xnli\.test\.tsv.*XNLI-1\.0\.zip"):
        load_examples("xnli", "test", "de", data_dir=tmp_path)


def test_tfds_without_the_extra_says_how_to_install_it(monkeypatch):
    # Reading through the real library is tests/tasks/test_tfds_real.py (run by .ci/tfds).
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(SourceUnavailable, match=r"jaxstilts\[tfds\]"):
        load_examples("panx", "test", "de", source="tfds")
