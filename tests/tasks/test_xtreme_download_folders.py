"""The folders XTREME's `download_data.sh` writes (udpos/, panx/, pawsx/, xnli/, tatoeba/,
bucc2018/), made from the raw fixtures by XTREME's own utils_preprocess.py and shell steps
(tests/fixtures/official/README.md), against the raw releases read from the same fixtures: train
and dev give the same examples; the test split, whose gold the script removed, is predicted and
written, not scored."""

from pathlib import Path

import numpy as np
import pytest

from jaxstilts.evaluate import submission
from jaxstilts.evaluate.evaluator import language_predictions
from jaxstilts.evaluate.metrics import bucc
from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.evaluate.xtreme import SCORERS
from jaxstilts.tasks import featurize, load_examples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OFFICIAL = FIXTURES / "official"
DOWNLOAD = OFFICIAL / "expected" / "xtreme_download"
RAW = OFFICIAL / "inputs" / "raw"  # the UD, BUCC, XNLI and PAWS-X inputs (quotes added)
DATA = FIXTURES / "data"  # the PAN-X and MLQA inputs

PANX = ("ar", "de", "en", "hi", "ja", "ru", "th", "zh")
PAWSX = ("de", "en", "ja", "ko", "zh")
XNLI = ("ar", "de", "en", "hi", "ru", "th", "zh")
UDPOS = ("en", "es", "fa")
LABELLED = [
    ("udpos", RAW, "train", ("en",)), ("udpos", RAW, "validation", UDPOS),
    ("panx", DATA, "train", ("en",)), ("panx", DATA, "validation", PANX),
    ("pawsx", RAW, "train", ("en",)), ("pawsx", RAW, "validation", PAWSX),
    ("xnli", RAW, "validation", XNLI),
]
STRIPPED = [("udpos", RAW, UDPOS), ("panx", DATA, PANX), ("pawsx", RAW, PAWSX),
            ("xnli", RAW, XNLI)]
QUOTED = {"text_a": '"Ja", sagte er.', "text_b": 'Er sagte "nein" und ging.'}


def _content(examples, drop=("id",)) -> list[dict]:
    """The rows as a model sees them (the processed files carry no ids)."""
    return [{k: v for k, v in row.items() if k not in drop} for row in examples.rows]


@pytest.mark.parametrize(("task", "raw_root", "split", "languages"), LABELLED,
                         ids=[f"{t}-{s}" for t, _, s, _ in LABELLED])
def test_processed_train_and_dev_are_the_raw_release_examples(task, raw_root, split, languages):
    raw = load_examples(task, split, languages, data_dir=raw_root)
    processed = load_examples(task, split, languages, data_dir=DOWNLOAD)
    assert (raw.layout, processed.layout) == ("release", "download_data.sh")
    assert len(processed) > 0 and not processed.report.repaired
    assert _content(processed) == _content(raw)
    if task in ("pawsx", "xnli"):  # a sentence pair with quotes, which csv.writer quoted
        assert sum(QUOTED.items() <= row.items() for row in processed.rows) == 1


@pytest.mark.parametrize(("task", "raw_root", "languages"), STRIPPED,
                         ids=[t for t, _, _ in STRIPPED])
def test_stripped_test_split_is_predicted_and_written_not_scored(task, raw_root, languages,
                                                                 tokenizer, tmp_path):
    gold_field = "tags" if task in ("udpos", "panx") else "label"
    raw = load_examples(task, "test", languages, data_dir=raw_root)
    processed = load_examples(task, "test", languages, data_dir=DOWNLOAD)
    assert processed.report.repaired == {"label_stripped": len(processed)}
    assert set(processed.rows[gold_field]) == {None}
    assert _content(processed, ("id", gold_field)) == _content(raw, ("id", gold_field))
    predicted = {}
    for examples in (raw, processed):
        features = featurize(examples, tokenizer)
        if gold_field == "tags":
            outputs = {"token_label": np.zeros((len(features), features.max_length), np.int32)}
        else:
            outputs = {"label": np.zeros(len(features), np.int32)}
        predicted[examples.layout] = language_predictions(task, outputs, features)
    preds, gold, notes = predicted["download_data.sh"]
    assert gold == {} and sorted(preds) == sorted(languages)
    assert sorted(n for n in notes if "scores need the labels" in n) == sorted(
        f"{task} {lang}: no gold (test labels removed, as XTREME's download_data.sh does): "
        "predictions written, scores need the labels" for lang in languages)
    # the same inputs with their labels (the release): the same predictions, and gold to score
    assert predicted["release"][0] == preds and sorted(predicted["release"][1]) == sorted(preds)
    path = submission.write_predictions(tmp_path, task, languages[0], preds[languages[0]],
                                        SCORERS[task].metric.submission)
    assert len(path.read_text().strip().split("\n")) >= sum(
        lang == languages[0] for lang in processed.rows["language"])


def test_processed_tatoeba_gives_xtremes_submission_and_no_score(tokenizer, tmp_path):
    """download_data.sh sorts the English side (the alignment is the gold): the sentences are
    searched as XTREME searches them and the submission is the official one, unscored."""
    examples = load_examples("tatoeba", "test", "de", data_dir=DOWNLOAD)
    assert examples.layout == "download_data.sh" and examples.gold == {}
    assert examples.report.repaired == {"label_stripped": 8}
    features = featurize(examples, tokenizer)
    table = np.load(OFFICIAL / "inputs" / "tatoeba-vectors.npz")
    sides, texts = features.column("side"), features.column("text")
    vectors = np.stack([table[f"{'de' if s == 'query' else 'en'}:{t}"]
                        for s, t in zip(sides, texts)])
    preds, gold, notes = language_predictions("tatoeba", {"vectors": vectors}, features,
                                              links=examples.gold)
    assert gold == {} and any("scores need the labels" in n for n in notes)
    path = submission.write_predictions(tmp_path, "tatoeba", "de", preds["de"], "label")
    assert path.read_text() == (OFFICIAL / "expected/tatoeba/test_de_predictions.txt").read_text()


def test_processed_bucc_dev_threshold_mines_xtremes_test_pairs(tokenizer):
    """dev (renamed from sample) keeps its gold: the same threshold as XTREME's; test (renamed
    from training, gold deleted) is mined with it into XTREME's submission pairs, unscored."""
    split = {}
    for name, raw in (("validation", "sample"), ("test", "training")):
        examples = load_examples("bucc2018", name, "de", data_dir=DOWNLOAD)
        release = load_examples("bucc2018", name, "de", data_dir=RAW)
        assert examples.layout == "download_data.sh"
        assert _content(examples, ()) == _content(release, ())
        features = featurize(examples, tokenizer)
        table = np.load(OFFICIAL / "inputs" / f"bucc-{raw}-vectors.npz")
        split[name] = features, np.stack([table[i] for i in features.column("id")])
    dev, dev_vectors = split["validation"]
    assert dev.examples.gold == load_examples("bucc2018", "validation", "de", data_dir=RAW).gold
    threshold = bucc.dev_threshold(dev.column("id"), dev.column("side"),
                                   dev_vectors, dev.examples.gold, dev.column("text"))
    test, test_vectors = split["test"]
    assert test.examples.gold == {} and test.examples.report.repaired == {"label_stripped": 10}
    preds, gold, notes = language_predictions("bucc2018", {"vectors": test_vectors}, test,
                                              links=test.examples.gold, bucc_threshold=threshold)
    official = OFFICIAL / "expected/bucc/test-de.submission.tsv"
    assert set(preds["de"]) == {tuple(line.split("\t"))
                                for line in official.read_text().splitlines()}
    assert gold == {} and any("scores need the labels" in n for n in notes)
    with pytest.raises(ScoringError, match="no gold pairs"):  # no dev threshold: cannot choose
        language_predictions("bucc2018", {"vectors": test_vectors}, test, links={})


def test_a_split_in_neither_layout_names_the_nearer_layouts_file_and_the_other():
    """Spanish is in neither layout; German is in download_data.sh's: the error names the
    Spanish file of that layout, and the release file that would also do."""
    with pytest.raises(FileNotFoundError) as error:
        load_examples("pawsx", "validation", ("de", "es"), data_dir=DOWNLOAD)
    assert f"language es: no file {DOWNLOAD}/pawsx/dev-es.tsv" in str(error.value)
    assert f"or the release layout's {DOWNLOAD}/x-final/es/dev_2k.tsv" in str(error.value)
    with pytest.raises(FileNotFoundError) as error:  # a tie: the release
        load_examples("pawsx", "validation", "es", data_dir=DOWNLOAD)
    assert f"no file {DOWNLOAD}/x-final/es/dev_2k.tsv" in str(error.value)
    assert f"or the download_data.sh layout's {DOWNLOAD}/pawsx/dev-es.tsv" in str(error.value)


def test_processed_mlqa_folder_is_read_and_its_test_answers_are_stripped():
    """download_data.sh unzips MLQA into mlqa/MLQA_V1/ and strips the test answers."""
    languages = ("ar", "de", "en", "hi", "zh")
    dev = load_examples("mlqa", "validation", languages, data_dir=DOWNLOAD)
    assert dev.layout == "download_data.sh" and not dev.report.repaired
    assert _content(dev) == _content(load_examples("mlqa", "validation", languages,
                                                   data_dir=DATA))
    test = load_examples("mlqa", "test", languages, data_dir=DOWNLOAD)
    assert test.report.repaired == {"label_stripped": len(test)}
    assert _content(test, ("answers",)) == _content(
        load_examples("mlqa", "test", languages, data_dir=DATA), ("answers",))
