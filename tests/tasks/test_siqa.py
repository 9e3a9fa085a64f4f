"""Social IQa, the first stage of XTREME-R's XCOPA recipe, from the files users have: AI2's
release (`socialiqa-train-dev.zip`: `{train,dev}.jsonl` rows without labels, `*-labels.lst` one
1-based label per line) and the hub's `allenai/social_i_qa` (same columns plus a string `label`).

The expected examples follow the formats' documentation and jiant's/XTREME-R's prompt
(jiant/tasks/lib/socialiqa.py, xtreme/third_party/run_xcopa.py: `context + " " + question`
against answerA/B/C), written here, not taken from our loader.
"""

import json

import datasets
import pytest

from jaxstilts.tasks import load_examples
from jaxstilts.tasks.problems import DataError

# The first training row as the release and the hub give it (it is the row shown in
# huggingface/datasets#1633, whose label was "1\n" in the hub copy of the time).
BARBECUE = {"context": "Cameron decided to have a barbecue and gathered her friends together.",
            "question": "How would Others feel as a result?", "answerA": "like attending",
            "answerB": "like staying home", "answerC": "a good friend to have"}
JOBS = {"context": "Jan needed to give out jobs for an upcoming project at work.",
        "question": "What will Others want to do next?", "answerA": "disagree with Jan",
        "answerB": "get to work", "answerC": "argue with the assignments"}
EXPECTED = [
    {"context": "Cameron decided to have a barbecue and gathered her friends together. How "
                "would Others feel as a result?",
     "choices": ["like attending", "like staying home", "a good friend to have"], "label": 0},
    {"context": "Jan needed to give out jobs for an upcoming project at work. What will Others "
                "want to do next?",
     "choices": ["disagree with Jan", "get to work", "argue with the assignments"], "label": 1},
]


def _release(root, split, rows, labels: str):
    folder = root / "socialiqa-train-dev"
    folder.mkdir(exist_ok=True)
    (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / f"{split}-labels.lst").write_text(labels)


def _examples(examples):
    return [{k: r[k] for k in ("context", "choices", "label")} for r in examples.rows]


def test_release_rows_pair_with_their_label_lines(tmp_path):
    _release(tmp_path, "train", [BARBECUE, JOBS], "1\n2\n")
    _release(tmp_path, "dev", [JOBS, BARBECUE], "2\r\n1\r\n")  # CRLF label lines read the same
    assert _examples(load_examples("siqa", "train", data_dir=tmp_path)) == EXPECTED
    assert _examples(load_examples("siqa", "validation", data_dir=tmp_path)) == EXPECTED[::-1]


def test_hub_parquet_in_the_hub_schema_gives_the_same_examples(tmp_path):
    """allenai/social_i_qa: six string columns, `label` "1".."3" (older copies: "1\\n")."""
    path = tmp_path / "train.parquet"
    columns = {k: [BARBECUE[k], JOBS[k]] for k in BARBECUE} | {"label": ["1\n", "2"]}
    features = datasets.Features({k: datasets.Value("string") for k in columns})
    datasets.Dataset.from_dict(columns, features=features).to_parquet(path)
    hub = load_examples("siqa", "train", source="hub", hub_data_files={"train": str(path)})
    assert _examples(hub) == EXPECTED


def test_a_labels_file_that_does_not_pair_is_one_error_naming_both_files(tmp_path):
    _release(tmp_path, "train", [BARBECUE, JOBS], "1\n")
    with pytest.raises(DataError, match=r"train\.jsonl, .*train-labels\.lst: wrong_label_count: "
                                        r"2 rows, 1 labels"):
        load_examples("siqa", "train", data_dir=tmp_path)


@pytest.mark.parametrize("bad", ["4", "0"])  # "0" is no choice of 1-based labels, not choice A
def test_a_label_outside_1_to_3_names_its_line(tmp_path, bad):
    """The error names the labels file and the line the label is on (issue 26 item 7)."""
    _release(tmp_path, "train", [BARBECUE, JOBS], f"1\n\n{bad}\n")  # a blank line between
    folder = tmp_path / "socialiqa-train-dev"
    with pytest.raises(DataError) as error:
        load_examples("siqa", "train", data_dir=tmp_path)
    assert str(error.value).startswith(
        f"{folder}/train.jsonl:2 (label {folder}/train-labels.lst:3): unknown_label: ")
    kept = load_examples("siqa", "train", data_dir=tmp_path, skip_invalid=True)
    assert _examples(kept) == EXPECTED[:1] and kept.report.skipped == {"unknown_label": 1}
