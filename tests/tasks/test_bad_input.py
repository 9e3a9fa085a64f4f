"""Malformed rows: an error naming the file and line (or row) and the problem; with
`skip_invalid` the row is skipped and counted per reason, logged and returned."""

import json
import logging

import pytest

from jaxstilts.tasks import DataError, load_examples

XNLI_HEADER = "language\tgold_label\tsentence1\tsentence2\tpairID\n"
GOOD = "de\tentailment\tEr schläft.\tEr ruht.\tp1\n"


def _xnli(tmp_path, *lines: str | bytes) -> None:
    folder = tmp_path / "XNLI-1.0"
    folder.mkdir()
    body = XNLI_HEADER.encode() + b"".join(
        line if isinstance(line, bytes) else line.encode() for line in lines
    )
    (folder / "xnli.test.tsv").write_bytes(body)


CASES = {
    "unknown_label": ("de\tmaybe\tEr schläft.\tEr ruht.\tp2\n", 3),
    "empty_text": ("de\tneutral\tEr schläft.\t \tp2\n", 3),
    "wrong_column_count": ("de\tneutral\tEr schläft.\tEr ruht.\tp2\textra\n", 3),
    "invalid_utf8": (b"de\tneutral\tEr schl\xe4ft.\tEr ruht.\tp2\n", 3),
}


@pytest.mark.parametrize("reason", list(CASES))
def test_bad_tsv_rows_raise_with_file_line_and_reason(tmp_path, reason):
    line, number = CASES[reason]
    _xnli(tmp_path, GOOD, line, GOOD)
    with pytest.raises(DataError) as error:
        load_examples("xnli", "test", "de", data_dir=tmp_path)
    assert error.value.reason == reason
    assert str(error.value).startswith(f"{tmp_path}/XNLI-1.0/xnli.test.tsv:{number}: {reason}:")


def test_skip_invalid_counts_every_reason_and_logs(tmp_path, caplog):
    _xnli(tmp_path, GOOD, *(line for line, _ in CASES.values()), GOOD.replace("p1", "p9"))
    with caplog.at_level(logging.WARNING, logger="jaxstilts.tasks"):
        examples = load_examples("xnli", "test", "de", data_dir=tmp_path, skip_invalid=True)
    assert examples.rows["id"] == ["p1", "p9"]
    report = examples.report
    assert dict(report.skipped) == {reason: 1 for reason in CASES}
    assert report.read == 6 and report.kept == 2
    assert "skipped" in caplog.text and "xnli.test.tsv:5" in caplog.text
    assert report.as_dict()["skipped"] == {reason: 1 for reason in CASES}


def test_missing_field_and_invalid_json_in_jsonl(tmp_path):
    folder = tmp_path / "COPA"
    folder.mkdir()
    good = {
        "premise": "It rained.",
        "choice1": "We stayed in.",
        "choice2": "We swam.",
        "question": "effect",
        "label": 0,
        "idx": 1,
    }
    missing = {k: v for k, v in good.items() if k != "choice2"}
    lines = [json.dumps(good), json.dumps(missing), "{not json", json.dumps({**good, "label": 7})]
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"train\.jsonl:2: missing_field: no column 'choice2'"):
        load_examples("copa", "train", data_dir=tmp_path)
    examples = load_examples("copa", "train", data_dir=tmp_path, skip_invalid=True)
    assert len(examples) == 1
    assert dict(examples.report.skipped) == {
        "missing_field": 1,
        "invalid_json": 1,
        "unknown_label": 1,
    }


def _squad(tmp_path, answer: str, start: int) -> None:
    folder = tmp_path / "squad"
    folder.mkdir(exist_ok=True)
    data = {
        "data": [
            {
                "title": "t",
                "paragraphs": [
                    {
                        "context": "Marie Curie was born in Warsaw.",
                        "qas": [
                            {
                                "id": "q1",
                                "question": "Where?",
                                "answers": [{"text": answer, "answer_start": start}],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    (folder / "train-v1.1.json").write_text(json.dumps(data))


def test_answer_not_in_context_names_the_question(tmp_path):
    _squad(tmp_path, "Krakow", 24)
    with pytest.raises(DataError) as error:
        load_examples("squad_v1", "train", data_dir=tmp_path)
    assert error.value.reason == "answer_not_in_context"
    assert "train-v1.1.json: data[0].paragraphs[0].qas[0] (id q1)" in str(error.value)
    skipped = load_examples("squad_v1", "train", data_dir=tmp_path, skip_invalid=True)
    assert len(skipped) == 0 and skipped.report.skipped == {"answer_not_in_context": 1}


def test_misplaced_answer_offset_is_repaired_and_counted(tmp_path):
    _squad(tmp_path, " Warsaw", 21)  # leading space, start two characters early
    examples = load_examples("squad_v1", "train", data_dir=tmp_path)
    answers = examples.rows["answers"][0]
    assert answers == {"text": ["Warsaw"], "answer_start": [24]}
    assert examples.report.repaired == {"answer_start_moved": 1}


def _bucc(tmp_path, gold: str) -> None:
    folder = tmp_path / "bucc2018" / "de-en"
    folder.mkdir(parents=True)
    (folder / "de-en.training.de").write_text("de-1\tIch mag Tee.\nde-2\tDas Museum.\n")
    (folder / "de-en.training.en").write_text("en-1\tI like tea.\nen-2\tThe museum.\n")
    (folder / "de-en.training.gold").write_text(gold)


def test_bucc_gold_id_without_sentence(tmp_path):
    _bucc(tmp_path, "de-1\ten-1\nde-2\ten-9\n")
    with pytest.raises(DataError) as error:
        load_examples("bucc2018", "test", "de", data_dir=tmp_path)
    assert error.value.reason == "unknown_sentence_id"
    assert str(error.value).startswith(f"{tmp_path}/bucc2018/de-en/de-en.training.gold:2:")
    assert "'en-9'" in str(error.value)
    examples = load_examples("bucc2018", "test", "de", data_dir=tmp_path, skip_invalid=True)
    assert examples.gold == {"de-1": ["en-1"]}
    assert examples.report.skipped == {"unknown_sentence_id": 1}


def test_tagging_sentence_problems(tmp_path):
    folder = tmp_path / "panx_dataset" / "de"
    folder.mkdir(parents=True)
    text = "de:Marie\tB-PER\nde:Curie\tI-PER\n\nde:kaputt\n\nde:Paris\tB-TOWN\n\nde:Berlin\tB-LOC\n"
    (folder / "test").write_text(text)
    with pytest.raises(DataError, match=r"panx_dataset/de/test:4: wrong_column_count"):
        load_examples("panx", "test", "de", data_dir=tmp_path)
    examples = load_examples("panx", "test", "de", data_dir=tmp_path, skip_invalid=True)
    assert examples.rows["tokens"] == [["Marie", "Curie"], ["Berlin"]]
    assert examples.report.skipped == {"wrong_column_count": 1, "unknown_label": 1}
    assert "test:6" in examples.report.samples["unknown_label"][0]


def test_wrong_choice_count_and_duplicate_ids(tmp_path):
    folder = tmp_path / "hellaswag"
    folder.mkdir()
    row = {"ind": 1, "ctx_a": "She opens the oven.", "ctx_b": "she",
           "endings": ["a.", "b.", "c.", "d."], "label": 0}
    lines = [row, {**row, "ind": 2, "endings": ["a.", "b."]}]
    (folder / "hellaswag_train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    with pytest.raises(DataError, match=r"hellaswag_train\.jsonl:2: wrong_choice_count: 2"):
        load_examples("hellaswag", "train", data_dir=tmp_path)
    _squad(tmp_path, "Warsaw", 24)
    path = tmp_path / "squad" / "train-v1.1.json"
    data = json.loads(path.read_text())
    data["data"].append(data["data"][0])
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match="duplicate_id: id 'q1' seen before"):
        load_examples("squad_v1", "train", data_dir=tmp_path)


def test_mewslix_training_pairs_keep_a_repeated_entity_and_refuse_a_repeated_mention(tmp_path):
    folder = tmp_path / "mewslix"
    folder.mkdir()
    text = "Marie Curie was born in Warsaw. She won twice."
    entity = {"entity_id": "Q270", "title": "Warsaw", "description": "Capital of Poland.",
              "sentence_spans": [{"start": 0, "end": 18}]}

    def pair(example_id, start=24):
        mention = {
            "example_id": example_id,
            "entity_id": "Q270",
            "mention_span": {"text": text[start:start + 6], "start": start, "end": start + 6},
        }
        context = {"language": "en", "text": text,
                   "sentence_spans": [{"start": 0, "end": 31}, {"start": 32, "end": 46}]}
        return {"contextual_mention": {"context": context, "mention": mention}, "entity": entity}

    def write(lines):
        (folder / "wikipedia_pairs-train.jsonl").write_text(
            "".join(json.dumps(x) + "\n" for x in lines))

    write([pair("m1"), pair("m2")])
    examples = load_examples("mewslix_pairs", "train", data_dir=tmp_path)
    assert examples.rows["candidate"] == ["Capital of Poland.", "Capital of Poland."]
    write([pair("m1"), pair("m2"), pair("m1")])
    with pytest.raises(DataError, match=r"wikipedia_pairs-train\.jsonl:3: duplicate_id: id 'm1'"):
        load_examples("mewslix_pairs", "train", data_dir=tmp_path)
    write([pair("m1", start=28)])  # "Warsaw" would straddle the sentence break: no query
    with pytest.raises(DataError, match="lies in no single sentence"):
        load_examples("mewslix_pairs", "train", data_dir=tmp_path)


# Issue 16: empty files, duplicate ids and pairs, extra columns, bad QA ids and offsets, and
# counts that add up -- on copies of the official-format fixtures.


def _copy(fixtures_dir, tmp_path, *folders):
    import shutil

    for folder in folders:
        shutil.copytree(fixtures_dir / folder, tmp_path / folder)
    return tmp_path


EMPTY = {
    "xnli": ("test", "de", "XNLI-1.0/xnli.test.tsv"),
    "pawsx": ("test", "de", "x-final/de/test_2k.tsv"),
    "mnli": ("train", None, "MNLI/train.tsv"),
    "hellaswag": ("train", None, "hellaswag/hellaswag_train.jsonl"),
    "commonsense_qa": ("train", None, "commonsenseqa/train_rand_split.jsonl"),
    "ccg": ("train", None, "ccg/ccg.train"),
    "udpos": ("test", "de", "ud-treebanks-v2.5/UD_de-A/de_a-ud-test.conllu"),
    "tatoeba": ("test", "de", "tatoeba/v1/tatoeba.deu-eng.deu"),
    "bucc2018": ("test", "de", "bucc2018/de-en/de-en.training.gold"),
}


@pytest.mark.parametrize("task", list(EMPTY))
def test_an_empty_data_file_is_an_error_naming_it(fixtures_dir, tmp_path, task):
    split, lang, relative = EMPTY[task]
    root = _copy(fixtures_dir, tmp_path, relative.split("/")[0])
    (root / relative).write_text("")
    for skip_invalid in (False, True):
        with pytest.raises(DataError) as error:
            load_examples(task, split, lang, data_dir=root, skip_invalid=skip_invalid)
        assert str(error.value) == f"{root / relative}: empty_file: the file is empty"


def test_a_table_with_a_header_only_is_an_error_naming_it(fixtures_dir, tmp_path):
    root = _copy(fixtures_dir, tmp_path, "x-final")
    path = root / "x-final/de/test_2k.tsv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    with pytest.raises(DataError, match=f"^{path}: empty_file: no rows of pawsx test in de$"):
        load_examples("pawsx", "test", "de", data_dir=root)


def _duplicate_line(path, number):
    """Append a copy of line `number` (1-based) of `path`: the same id again."""
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines) + lines[number - 1])
    return len(lines) + 1


DUPLICATES = {  # task: split, language, file, the line repeated
    "xnli": ("test", "de", "XNLI-1.0/xnli.test.tsv", 5),
    "pawsx": ("test", "de", "x-final/de/test_2k.tsv", 2),
    "mnli": ("train", None, "MNLI/train.tsv", 2),
    "hellaswag": ("train", None, "hellaswag/hellaswag_train.jsonl", 1),
    "commonsense_qa": ("train", None, "commonsenseqa/train_rand_split.jsonl", 1),
}


@pytest.mark.parametrize("task", list(DUPLICATES))
def test_a_duplicate_id_is_an_error_or_a_counted_skip(fixtures_dir, tmp_path, task):
    split, lang, relative, first = DUPLICATES[task]
    root = _copy(fixtures_dir, tmp_path, relative.split("/")[0])
    clean = load_examples(task, split, lang, data_dir=root)
    number = _duplicate_line(root / relative, first)
    with pytest.raises(DataError) as error:
        load_examples(task, split, lang, data_dir=root)
    assert str(error.value) == (
        f"{root / relative}:{number}: duplicate_id: id {clean.rows['id'][0]!r} seen before at "
        f"{root / relative}:{first}")
    skipped = load_examples(task, split, lang, data_dir=root, skip_invalid=True)
    assert skipped.rows["id"] == clean.rows["id"]
    assert skipped.report.skipped == {"duplicate_id": 1}
    assert skipped.report.read == skipped.report.kept + 1 + sum(skipped.report.excluded.values())


def test_a_duplicate_ud_sentence_id_in_one_treebank_file(fixtures_dir, tmp_path):
    root = _copy(fixtures_dir, tmp_path, "ud-treebanks-v2.5")
    path = root / "ud-treebanks-v2.5/UD_de-A/de_a-ud-test.conllu"
    text = path.read_text()
    first = text.split("\n\n")[0]
    path.write_text(text.rstrip("\n") + "\n\n" + first + "\n\n")
    with pytest.raises(DataError, match=r"duplicate_id: id 'de-1' seen before at .*conllu:1$"):
        load_examples("udpos", "test", "de", data_dir=root)
    skipped = load_examples("udpos", "test", "de", data_dir=root, skip_invalid=True)
    assert skipped.report.skipped == {"duplicate_id": 1}


def test_a_repeated_bucc_gold_pair_is_reported(fixtures_dir, tmp_path):
    root = _copy(fixtures_dir, tmp_path, "bucc2018")
    gold = root / "bucc2018/de-en/de-en.training.gold"
    number = _duplicate_line(gold, 1)
    with pytest.raises(DataError) as error:
        load_examples("bucc2018", "test", "de", data_dir=root)
    assert str(error.value) == (f"{gold}:{number}: duplicate_pair: gold pair de-000000100 "
                                "en-000000113 repeats line 1")
    skipped = load_examples("bucc2018", "test", "de", data_dir=root, skip_invalid=True)
    assert skipped.report.skipped == {"duplicate_pair": 1}
    assert skipped.gold == load_examples("bucc2018", "test", "de", data_dir=_copy(
        fixtures_dir, tmp_path / "clean", "bucc2018")).gold


EXTRA_COLUMN = {
    "bucc2018": ("test", "de", "bucc2018/de-en/de-en.training.de", 3,
                 "wrong_column_count: 3 tab-separated fields, expected `id<TAB>sentence`"),
    "ccg": ("train", None, "ccg/ccg.train", 2,
            "wrong_column_count: 3 tab-separated fields, expected 2 (text, tags)"),
    "panx": ("test", "de", "panx_dataset/de/test", 1,
             "wrong_column_count: 3 tab-separated fields, expected 2 (token, tag)"),
}


@pytest.mark.parametrize("task", list(EXTRA_COLUMN))
def test_an_extra_column_in_a_fixed_width_format_is_an_error(fixtures_dir, tmp_path, task):
    split, lang, relative, number, message = EXTRA_COLUMN[task]
    root = _copy(fixtures_dir, tmp_path, relative.split("/")[0])
    path = root / relative
    lines = path.read_text().splitlines(keepends=True)
    lines[number - 1] = lines[number - 1].rstrip("\n") + "\textra\n"
    path.write_text("".join(lines))
    with pytest.raises(DataError) as error:
        load_examples(task, split, lang, data_dir=root)
    assert str(error.value) == f"{path}:{number}: {message}"
    skipped = load_examples(task, split, lang, data_dir=root, skip_invalid=True)
    assert skipped.report.skipped["wrong_column_count"] == 1
    assert not any("extra" in str(value) for column in skipped.rows.column_names
                   for value in skipped.rows[column])


def _squad_bytes(tmp_path, qa_id: bytes, start: bytes) -> None:
    folder = tmp_path / "squad"
    folder.mkdir(exist_ok=True)
    good = (b'{"id": "q0", "question": "Who?", '
            b'"answers": [{"text": "Marie Curie", "answer_start": 0}]}')
    bad = (b'{"id": "' + qa_id + b'", "question": "Where?", '
           b'"answers": [{"text": "Warsaw", "answer_start": ' + start + b'}]}')
    (folder / "train-v1.1.json").write_bytes(
        b'{"data": [{"title": "t", "paragraphs": [{"context": "Marie Curie was born in '
        b'Warsaw.", "qas": [' + good + b", " + bad + b"]}]}]}")


@pytest.mark.parametrize("qa_id,start,message", [
    (b"q\xff1", b"24", "(id q\\xff1): invalid_utf8: id has bytes that are not UTF-8"),
    (b"q1", b'"24a"', "(id q1): invalid_answer_start: answer_start '24a' is not an integer"),
    (b"q1", b"2.5", "(id q1): invalid_answer_start: answer_start 2.5 is not an integer"),
])
def test_a_bad_qa_id_or_answer_start_names_file_and_id_and_can_be_skipped(tmp_path, qa_id, start,
                                                                          message):
    _squad_bytes(tmp_path, qa_id, start)
    path = tmp_path / "squad" / "train-v1.1.json"
    with pytest.raises(DataError) as error:
        load_examples("squad_v1", "train", data_dir=tmp_path)
    assert str(error.value) == f"{path}: data[0].paragraphs[0].qas[1] {message}"
    skipped = load_examples("squad_v1", "train", data_dir=tmp_path, skip_invalid=True)
    assert skipped.rows["id"] == ["q0"]
    assert skipped.report.read == 2 and skipped.report.kept == 1
    assert sum(skipped.report.skipped.values()) == 1


def test_skip_invalid_counts_add_up_for_bucc_and_tatoeba(fixtures_dir, tmp_path):
    root = _copy(fixtures_dir, tmp_path, "bucc2018", "tatoeba")
    sentences = root / "bucc2018/de-en/de-en.training.de"
    sentences.write_bytes(sentences.read_bytes().replace(b"Marie", b"Mar\xffie", 1))
    bucc = load_examples("bucc2018", "test", "de", data_dir=root, skip_invalid=True)
    report = bucc.report
    assert report.skipped == {"invalid_utf8": 1, "unknown_sentence_id": 1}  # its gold pair
    assert report.read == report.kept + 2
    assert report.kept == len(bucc) + sum(map(len, bucc.gold.values()))
    deu = root / "tatoeba/v1/tatoeba.deu-eng.deu"
    deu.write_bytes(deu.read_bytes().replace(b"\n", b"\xff\n", 1))
    tatoeba = load_examples("tatoeba", "test", "de", data_dir=root, skip_invalid=True)
    report = tatoeba.report
    assert report.skipped == {"invalid_utf8": 1}
    assert report.read == report.kept + 1
    assert report.kept == len(tatoeba) + sum(map(len, tatoeba.gold.values()))


# Issue 26 item 7: damaged files that were read short without a word -- on copies of the
# official-format fixtures.


@pytest.mark.parametrize("damage", ["folder", "comments only"])
def test_a_treebank_file_that_is_a_folder_or_holds_no_sentence_is_an_error(
        fixtures_dir, tmp_path, damage):
    """German has two treebanks: one damaged must not leave the split with half its sentences."""
    root = _copy(fixtures_dir, tmp_path, "ud-treebanks-v2.5")
    path = root / "ud-treebanks-v2.5/UD_de-B/de_b-ud-test.conllu"
    path.unlink()
    if damage == "folder":
        path.mkdir()
        message = f"{path}: empty_file: a folder where ud-treebanks-v2.5/UD_*/de_*-ud-test.conllu"
    else:
        path.write_text("# newdoc id = de-b\n# sent_id = de-b-1\n# text = Ein Satz .\n")
        message = f"{path}: empty_file: no sentence in the file"
    for skip_invalid in (False, True):
        with pytest.raises(DataError) as error:
            load_examples("udpos", "test", "de", data_dir=root, skip_invalid=skip_invalid)
        assert str(error.value).startswith(message), error.value


SQUAD_FILES = {  # task: split, language, a file in the release layout
    "squad_v1": ("validation", None, "squad/dev-v1.1.json"),
    "xquad": ("test", "de", "xquad/xquad.de.json"),
    "mlqa": ("test", "de", "MLQA_V1/test/test-context-de-question-de.json"),
    "tydiqa": ("test", "ar", "tydiqa/tydiqa-goldp-v1.1-dev/tydiqa-goldp-dev-arabic.json"),
}


@pytest.mark.parametrize("task", list(SQUAD_FILES))
def test_a_squad_article_without_paragraphs_is_a_problem_naming_it(fixtures_dir, tmp_path, task):
    split, lang, relative = SQUAD_FILES[task]
    root = _copy(fixtures_dir, tmp_path, relative.split("/")[0])
    data = json.loads((root / relative).read_text("utf-8"))
    whole = json.loads(json.dumps(data["data"][0]))  # a second, intact article
    for qa in whole["paragraphs"][0]["qas"]:
        qa["id"] += "-b"
    data["data"][0]["paragraph"] = data["data"][0].pop("paragraphs")  # a misspelled key
    data["data"].append(whole)
    (root / relative).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(DataError) as error:
        load_examples(task, split, lang, data_dir=root)
    assert str(error.value) == (f"{root / relative}: data[0]: missing_field: the article has no "
                                "'paragraphs' list (its keys: title, paragraph)")
    skipped = load_examples(task, split, lang, data_dir=root, skip_invalid=True)
    assert skipped.report.skipped == {"missing_field": 1}  # counted, never silent
    assert len(skipped) == len(whole["paragraphs"][0]["qas"])


@pytest.mark.parametrize("task", list(SQUAD_FILES))
def test_a_squad_file_without_articles_is_no_test_set(fixtures_dir, tmp_path, task):
    """`{"data": []}` is not a language's test set, even beside an intact English one (its
    earlier score would otherwise stand)."""
    split, lang, relative = SQUAD_FILES[task]
    root = _copy(fixtures_dir, tmp_path, relative.split("/")[0])
    (root / relative).write_text('{"version": "1.1", "data": []}')
    for skip_invalid in (False, True):
        with pytest.raises(DataError) as error:
            load_examples(task, split, ("en", lang) if lang else None, data_dir=root,
                          skip_invalid=skip_invalid)
        assert str(error.value) == f"{root / relative}: empty_file: 'data' holds no article"


CUT = {  # task: split, language, a file whose releases end every line
    "bucc2018": ("test", "de", "bucc2018/de-en/de-en.training.de"),
    "bucc2018 gold": ("test", "de", "bucc2018/de-en/de-en.training.gold"),
    "tatoeba": ("test", "de", "tatoeba/v1/tatoeba.deu-eng.deu"),
}


@pytest.mark.parametrize("case", list(CUT))
@pytest.mark.parametrize("where", ["last line", "earlier line"])
def test_a_file_cut_mid_line_is_an_error_naming_file_and_line(fixtures_dir, tmp_path, case,
                                                               where):
    split, lang, relative = CUT[case]
    task = case.split()[0]
    root = _copy(fixtures_dir, tmp_path, relative.split("/")[0])
    path = root / relative
    data = path.read_bytes()
    ends = [i for i, b in enumerate(data) if b == ord("\n")]
    cut = ends[-1] - 3 if where == "last line" else ends[1] - 3  # 3 bytes before a line end
    path.write_bytes(data[:cut])
    line = data[:cut].count(b"\n") + 1
    for skip_invalid in (False, True):  # not a row to skip: what followed it is lost
        with pytest.raises(DataError) as error:
            load_examples(task, split, lang, data_dir=root, skip_invalid=skip_invalid)
        assert str(error.value).startswith(f"{path}:{line}: cut_mid_line: the last line has no "
                                           "line end"), error.value


def test_a_language_asked_for_with_no_rows_is_an_error_naming_it(fixtures_dir, tmp_path):
    """Issue 26 item 2: XNLI's one test file holding some of the languages asked for."""
    root = _copy(fixtures_dir, tmp_path, "XNLI-1.0")
    path = root / "XNLI-1.0/xnli.test.tsv"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith(("ar\t", "hi\t"))), "utf-8")
    for skip_invalid in (False, True):
        with pytest.raises(DataError) as error:
            load_examples("xnli", "test", ("en", "ar", "de", "hi"), data_dir=root,
                          skip_invalid=skip_invalid)
        assert str(error.value).startswith(
            f"{path}: language_without_rows: xnli test has no rows in ar, hi (asked for 4 "
            "languages; rows in en, de)")
    every = load_examples("xnli", "test", data_dir=root)  # None: the languages that are there
    assert set(every.rows["language"]) == {"en", "de", "ru", "zh", "th"}
