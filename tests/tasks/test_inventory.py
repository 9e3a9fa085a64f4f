"""`jaxstilts data`: found and missing local files per task and language, and what to get."""

import shutil
from pathlib import Path

from jaxstilts.cli import main
from jaxstilts.tasks import get_task, load_examples, task_names
from jaxstilts.tasks.inventory import inventory

OFFICIAL = Path(__file__).resolve().parents[1] / "fixtures" / "official"
FIXTURES = OFFICIAL.parent / "data"


def _download_folder(tmp_path: Path) -> Path:
    """A download_data.sh folder: XQuAD label-stripped (de, hi), UD-POS and Tatoeba processed."""
    shutil.copytree(OFFICIAL / "expected/xtreme_download/xquad", tmp_path / "xquad")
    shutil.copytree(OFFICIAL / "expected/udpos", tmp_path / "udpos")
    shutil.copytree(OFFICIAL / "expected/tatoeba/processed", tmp_path / "tatoeba")
    return tmp_path


def test_data_lists_found_and_missing_files_and_where_to_get_them(tmp_path, capsys):
    root = _download_folder(tmp_path)
    entries = {(e.split, e.language): e for e in inventory(root, ["xquad"])}
    assert entries["test", "de"].ok and entries["test", "de"].found == [
        str(root / "xquad/xquad.de.json")]
    assert entries["test", "ar"].missing == [str(root / "xquad/xquad.ar.json")]
    assert main(["data", str(root), "--task", "xquad", "--task", "udpos"]) == 1
    out = capsys.readouterr().out
    assert "xquad              test       de   ok       release          1 found, 0 missing" in out
    assert f"missing {root}/xquad/xquad.ar.json" in out and "get it: " in out
    # download_data.sh's processed UD-POS folder is read: the layout is named, and its test
    # split (tags removed) is marked as predicted, not scored
    assert ("udpos              validation es   ok       download_data.sh 1 found, 0 missing"
            in out)
    assert ("udpos              test       es   ok       download_data.sh 1 found, 0 missing; "
            "no test gold: predicted, not scored") in out
    assert f"missing {root}/ud-treebanks-v2.5/UD_*/de_*-ud-dev.conllu" in out
    assert f"or      {root}/udpos/dev-de.tsv (download_data.sh)" in out


def test_data_succeeds_only_when_nothing_is_missing(tmp_path, capsys):
    shutil.copytree(OFFICIAL / "inputs/raw/lareqa", tmp_path / "lareqa")
    assert main(["data", str(tmp_path), "--task", "lareqa"]) == 0
    assert "lareqa             test       ar   ok       release" in capsys.readouterr().out


def test_data_names_a_missing_folder_and_an_unknown_task_in_one_line(tmp_path, capsys):
    assert main(["data", str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such folder" in capsys.readouterr().err
    assert main(["data", str(tmp_path), "--task", "xnlj"]) == 2
    err = capsys.readouterr().err
    assert "--task xnlj: no such task" in err and "xnli" in err and "Traceback" not in err


def test_a_file_shared_by_languages_is_listed_once(tmp_path, capsys):
    assert main(["data", str(tmp_path), "--task", "xnli"]) == 1
    out = capsys.readouterr().out
    assert out.count(f"missing {tmp_path}/XNLI-1.0/xnli.test.tsv") == 1
    assert out.count("get it: ") == 1 and "xnli               test       de   missing" in out


def test_data_reports_the_layout_each_task_is_found_in():
    """The same six tasks from download_data.sh's folders and from the raw releases: each
    split is found in its layout, and the test splits whose gold the script removed say so."""
    tasks = ["udpos", "panx", "pawsx", "xnli", "tatoeba", "bucc2018"]
    seen = {}
    for root in (OFFICIAL / "expected/xtreme_download", OFFICIAL.parent / "data"):
        seen[root.name] = {(e.task, e.split, e.language): (e.layout, e.unlabelled)
                           for e in inventory(root, tasks) if e.ok}
    for task, split, lang in [("udpos", "train", "en"), ("panx", "validation", "zh"),
                              ("pawsx", "train", "en"), ("xnli", "validation", "ar"),
                              ("bucc2018", "validation", "de")]:
        assert seen["xtreme_download"][task, split, lang] == ("download_data.sh", False)
        assert seen["data"][task, split, lang] == ("release", False)
    for task in tasks:
        assert seen["xtreme_download"][task, "test", "de" if task != "udpos" else "es"] == (
            "download_data.sh", True)
        assert seen["data"][task, "test", "de"] == ("release", False)


# Issue 26 items 2, 7 and 17: what `data` says of a folder as a newcomer has it.


def test_data_on_an_empty_folder_is_a_line_per_task_and_a_summary(tmp_path, capsys):
    """Not a line per file (1,030 of them): a line per task with where to get it and the
    download_data.sh folder that would do instead, the packaged demo tasks not listed."""
    assert main(["data", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    tasks = [n for n in task_names() if get_task(n).sources.local
             and get_task(n).default_data_dir is None]
    assert len(lines) == len(tasks) + 1
    assert not any(line.startswith("demo_") for line in lines)
    assert lines[-1].startswith(f"0 of {len(tasks)} tasks complete, 0 partial, "
                                f"{len(tasks)} missing")
    pawsx = next(line for line in lines if line.startswith("pawsx "))
    assert "validation: missing every language" in pawsx
    assert "get it: https://storage.googleapis.com/paws/pawsx/x-final.tar.gz" in pawsx
    assert pawsx.endswith("or download_data.sh's pawsx/")


def test_data_names_the_download_layout_file_for_each_missing_language(tmp_path, capsys):
    assert main(["data", str(tmp_path), "--task", "pawsx"]) == 1
    out = capsys.readouterr().out
    assert (f"    missing {tmp_path}/x-final/de/test_2k.tsv\n"
            f"    or      {tmp_path}/pawsx/test-de.tsv (download_data.sh)") in out


def xnli_without_rows(root: Path, dropped: tuple[str, ...]) -> Path:
    """XNLI-1.0's release files with every row of `dropped` removed."""
    (root / "XNLI-1.0").mkdir(parents=True)
    for name in ("xnli.dev.tsv", "xnli.test.tsv"):
        lines = (FIXTURES / "XNLI-1.0" / name).read_text("utf-8").splitlines(keepends=True)
        kept = [line for line in lines if line.split("\t", 1)[0] not in dropped]
        (root / "XNLI-1.0" / name).write_text("".join(kept), "utf-8")
    return root


def test_data_counts_the_rows_of_each_language_in_a_file_they_share(tmp_path, capsys):
    """XNLI's one test file holding some of its languages: those it lacks are not "ok"."""
    root = xnli_without_rows(tmp_path, ("ar", "hi"))
    entries = {(e.split, e.language): e for e in inventory(root, ["xnli"])}
    assert entries["test", "de"].ok and entries["test", "de"].rows == 3
    assert entries["test", "ar"].state == "no rows" and entries["test", "ar"].rows == 0
    assert entries["test", "fr"].state == "no rows"  # not in the fixture at all
    assert main(["data", str(root), "--task", "xnli"]) == 1
    out = capsys.readouterr().out
    assert "xnli               test       de   ok       release          1 found, 0 missing; " \
           "3 rows of de" in out
    assert "xnli               test       ar   no rows  release          1 found, 0 missing; " \
           "0 rows of ar" in out
    assert main(["data", str(root)]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("xnli "))
    assert "test: no rows in ar, bg, el, es, fr, hi, sw, tr, ur, vi" in line


def test_data_calls_a_zero_byte_file_empty_and_a_folder_a_folder_not_ok(tmp_path, capsys):
    (tmp_path / "xquad").mkdir()
    (tmp_path / "xquad" / "xquad.de.json").write_bytes(b"")
    (tmp_path / "xquad" / "xquad.hi.json").mkdir()
    entries = {e.language: e for e in inventory(tmp_path, ["xquad"])}
    assert entries["de"].state == "empty" and not entries["de"].ok
    assert entries["hi"].state == "folder" and not entries["hi"].ok
    assert main(["data", str(tmp_path), "--task", "xquad"]) == 1
    out = capsys.readouterr().out
    assert f"    empty   {tmp_path}/xquad/xquad.de.json" in out
    assert f"    folder  {tmp_path}/xquad/xquad.hi.json (a folder, not a file)" in out


def test_a_download_data_test_file_that_kept_its_labels_is_read_with_them(tmp_path, capsys):
    """`pawsx/test-en.tsv` with its label column (utils_preprocess.py's layout, labels kept):
    not "no test gold"; loaded with its labels; a label-stripped one beside it stays without."""
    made = OFFICIAL / "expected/xtreme_download/pawsx"
    (tmp_path / "pawsx").mkdir()
    shutil.copy(made / "dev-en.tsv", tmp_path / "pawsx/test-en.tsv")  # labels kept
    shutil.copy(made / "test-de.tsv", tmp_path / "pawsx/test-de.tsv")  # labels removed
    entries = {e.language: e for e in inventory(tmp_path, ["pawsx"]) if e.split == "test"}
    assert entries["en"].ok and not entries["en"].unlabelled
    assert entries["de"].ok and entries["de"].unlabelled
    examples = load_examples("pawsx", "test", ("en", "de"), data_dir=tmp_path)
    labels = dict(zip(examples.rows["language"], examples.rows["label"], strict=False))
    assert labels["en"] in ("0", "1") and labels["de"] is None
    assert examples.report.repaired == {"label_stripped": 3}
