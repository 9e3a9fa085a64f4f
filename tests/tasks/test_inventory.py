"""`jaxstilts data`: found and missing local files per task and language, and what to get."""

import shutil
from pathlib import Path

from jaxstilts.cli import main
from jaxstilts.tasks.inventory import inventory

OFFICIAL = Path(__file__).resolve().parents[1] / "fixtures" / "official"


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
    assert "or the task's folder of XTREME's scripts/download_data.sh" in out


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
