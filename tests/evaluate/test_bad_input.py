"""Bad submissions raise ScoringError naming the file (and line), never a bare KeyError."""

import json
import shutil

import pytest

from jaxstilts.evaluate.metrics import ScoringError
from jaxstilts.evaluate.xtreme import score_folder


@pytest.fixture
def folders(mock_dir, tmp_path):
    """Copies of the mock predictions and labels for a few tasks, free to break."""
    roots = {}
    for side in ("predictions", "labels"):
        for task in ("xnli", "panx", "bucc2018", "xquad", "mlqa"):
            shutil.copytree(mock_dir / side / task, tmp_path / side / task)
        roots[side] = tmp_path / side
    return roots["predictions"], roots["labels"]


def _score(folders):
    return score_folder(*folders)


def test_the_copies_score(folders):
    assert _score(folders)["tasks"]["xnli"]["complete"]


def test_prediction_and_label_counts_differ(folders):
    path = folders[0] / "xnli" / "test-de.tsv"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-2]))
    with pytest.raises(ScoringError) as err:
        _score(folders)
    message = str(err.value)
    assert str(path) in message and "8 predictions" in message
    assert str(folders[1] / "xnli" / "test-de.tsv") in message and "10 labels" in message
    assert err.value.path == str(path)


def test_tag_count_differs_within_a_sentence(folders):
    path = folders[0] / "panx" / "test-en.tsv"
    lines = path.read_text().splitlines(keepends=True)
    blank = lines.index("\n")
    path.write_text("".join(lines[: blank + 1] + lines[blank + 2 :]))  # drop sentence 2's first tag
    with pytest.raises(
        ScoringError, match=r"line \d+: sentence 2 has \d+ tags, but in .*test-en.tsv"
    ):
        _score(folders)


def test_unknown_language(folders):
    path = folders[0] / "xnli" / "test-xx.tsv"
    shutil.copy(folders[0] / "xnli" / "test-de.tsv", path)
    with pytest.raises(ScoringError, match="language 'xx' is not one of xnli's languages") as err:
        _score(folders)
    assert str(path) in str(err.value)


def test_prediction_without_label_file(folders):
    (folders[1] / "xnli" / "test-de.tsv").unlink()
    with pytest.raises(ScoringError, match=r"test-de.tsv: no label file for xnli de"):
        _score(folders)


def test_wrong_json(folders):
    path = folders[0] / "xquad" / "test-en.json"
    path.write_text('{\n  "56beb4343aeaaa14008c925b": "308",\n  "x": \n}\n')
    with pytest.raises(ScoringError, match=r"test-en.json: line 4: invalid JSON") as err:
        _score(folders)
    assert err.value.path == str(path) and err.value.line == 4


def test_json_of_the_wrong_shape(folders):
    path = folders[0] / "mlqa" / "test-de.json"
    path.write_text(json.dumps(["not", "a", "mapping"]))
    with pytest.raises(ScoringError, match=r"test-de.json: expected a JSON object"):
        _score(folders)
    path.write_text(json.dumps({"q": 3}))
    with pytest.raises(ScoringError, match=r"test-de.json: answer for 'q' is int, not text"):
        _score(folders)


def test_malformed_label_dataset(folders):
    path = folders[1] / "xquad" / "test-en.json"
    path.write_text(json.dumps({"data": [{"title": "no paragraphs"}]}))
    with pytest.raises(
        ScoringError, match=r"labels/xquad/test-en.json: article 0: expected paragraphs"
    ):
        _score(folders)


def test_wrong_column_count(folders):
    path = folders[0] / "bucc2018" / "test-fr.tsv"
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace("\t", "\tfr-1\t")
    path.write_text("".join(lines))
    with pytest.raises(
        ScoringError, match=r"test-fr.tsv: line 3: expected 2 tab-separated columns, found 3"
    ):
        _score(folders)
    path = folders[0] / "xnli" / "test-ar.tsv"
    path.write_text("entailment\tneutral\n" * 10)
    with pytest.raises(
        ScoringError, match=r"test-ar.tsv: line 1: expected 1 tab-separated column, found 2"
    ):
        _score(folders)


def test_invalid_utf8(folders):
    path = folders[0] / "panx" / "test-de.tsv"
    data = path.read_bytes().split(b"\n")
    data[4] = b"B-P\xffER"
    path.write_bytes(b"\n".join(data))
    with pytest.raises(ScoringError, match=r"test-de.tsv: line 5: invalid UTF-8 \(byte 0xff"):
        _score(folders)


def test_blank_line_inside_a_label_file(folders):
    path = folders[0] / "xnli" / "test-bg.tsv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:3] + ["\n"] + lines[3:]))
    with pytest.raises(ScoringError, match=r"test-bg.tsv: line 4: blank line"):
        _score(folders)


def test_wrong_suffix_and_missing_folders(folders, tmp_path):
    (folders[0] / "xnli" / "test-de.json").write_text("{}")
    with pytest.raises(
        ScoringError, match=r"xnli/test-de.json: xnli files are named test-<lang>.tsv"
    ):
        _score(folders)
    with pytest.raises(ScoringError, match="nowhere: not a folder"):
        score_folder(tmp_path / "nowhere", folders[1])
    with pytest.raises(ScoringError, match="unknown benchmark 'xtreme-3'"):
        score_folder(*folders, benchmark="xtreme-3")
