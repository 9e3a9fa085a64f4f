"""Writing predictions in the benchmark's layout and reading them back."""

import pytest

from jaxstilts.evaluate import submission
from jaxstilts.evaluate.metrics import ScoringError
from jaxstilts.evaluate.xtreme import LANGUAGES, SCORERS, score_folder, write_submission

TSV_TASKS = ("xnli", "pawsx", "tatoeba", "panx", "udpos", "bucc2018")
JSON_TASKS = ("xquad", "mlqa", "tydiqa", "mewslix")


@pytest.mark.parametrize("task", TSV_TASKS)
def test_tsv_files_are_written_byte_for_byte_as_the_mock_files(mock_dir, tmp_path, task):
    for source in sorted((mock_dir / "predictions" / task).iterdir()):
        language = source.name[len("test-") : -len(".tsv")]
        fmt = SCORERS[task].metric.submission
        predictions = submission.read_prediction_file(fmt, source)
        written = submission.write_predictions(tmp_path, task, language, predictions, fmt)
        assert written == tmp_path / task / source.name
        assert written.read_bytes() == source.read_bytes()


@pytest.mark.parametrize("task", JSON_TASKS)
def test_json_predictions_round_trip(mock_dir, tmp_path, task):
    for source in sorted((mock_dir / "predictions" / task).iterdir()):
        language = source.name[len("test-") : -len(".json")]
        fmt = SCORERS[task].metric.submission
        predictions = submission.read_prediction_file(fmt, source)
        submission.write_predictions(tmp_path, task, language, predictions, fmt)
        assert submission.read_predictions(tmp_path, task, language, fmt) == predictions


def test_written_submission_scores_like_the_mock(mock_dir, tmp_path, mock_scores):
    everything = {
        task: {
            lang: submission.read_predictions(mock_dir / "predictions", task, lang,
                                              SCORERS[task].metric.submission)
            for lang in languages
        }
        for task, languages in LANGUAGES["xtreme"].items()
    }
    paths = write_submission(tmp_path, everything)
    assert len(paths) == sum(len(v) for v in LANGUAGES["xtreme"].values())
    assert score_folder(tmp_path, mock_dir / "labels")["score"] == mock_scores["xtreme"]["score"]


def test_xcopa_and_lareqa_formats(tmp_path):
    path = submission.write_predictions(tmp_path, "xcopa", "et", [1, 0], "jsonl")
    assert path.name == "test-et.jsonl"
    assert submission.read_jsonl_labels(path) == [1, 0]
    path = submission.write_predictions(tmp_path, "lareqa", "de", {"q1": ["a", "b"]},
                                        "ranking")
    assert path.name == "test-de.json"
    assert submission.read_rankings(path) == {"q1": ["a", "b"]}


def test_tag_sentences_keep_their_boundaries(tmp_path):
    sentences = [["B-PER", "I-PER"], ["O"], ["B-LOC", "O", "O"]]
    path = submission.write_predictions(tmp_path, "panx", "de", sentences, "tags")
    assert path.read_text() == "B-PER\nI-PER\n\nO\n\nB-LOC\nO\nO\n"
    assert submission.read_tagged(path) == (sentences, [1, 4, 6])


def test_unwritable_values_are_refused(tmp_path):
    with pytest.raises(ScoringError, match="holds a tab or line break"):
        submission.write_predictions(tmp_path, "xnli", "de", ["entailment", "bad\tlabel"],
                                     "label")
    with pytest.raises(ScoringError, match="empty sentence"):
        submission.write_predictions(tmp_path, "udpos", "de", [["NOUN"], []], "tags")
    with pytest.raises(ScoringError, match="unknown prediction format 'csv'"):
        submission.write_predictions(tmp_path, "nope", "de", ["x"], "csv")
