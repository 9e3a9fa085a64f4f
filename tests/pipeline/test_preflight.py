"""Pre-flight: what a run reads is checked before any compute -- files missing, empty, or a
language asked for that a file shared by languages does not hold."""

import shutil
from pathlib import Path

from jaxstilts.cli import main

from ..tasks.test_inventory import xnli_without_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


def _xnli_without(root: Path, dropped: tuple[str, ...]) -> Path:
    """MNLI, and XNLI-1.0's files (the release layout) with every row of `dropped` removed."""
    shutil.copytree(FIXTURES / "MNLI", root / "MNLI")
    return xnli_without_rows(root, dropped)


def test_a_language_asked_for_that_the_shared_file_lacks_stops_the_run_naming_it(
        tmp_path, capsys):
    """XNLI's one test file holding some languages only: the run stops before it starts, with
    one line naming the file and each language it lacks."""
    root = _xnli_without(tmp_path / "data", ("ar", "hi"))
    flags = ["--workdir", str(tmp_path / "W"), f"--config.model.pretrained={tmp_path}",
             "--config.data.source=local", f"--config.data.data_dir={root}"]
    assert main(["run", "paper/stilts.py:mnli,xnli", *flags,
                 "--config.evaluate.languages=en,de,ar,hi"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert (f"{root}/XNLI-1.0/xnli.test.tsv: language_without_rows: xnli test has no rows in "
            "ar, hi") in err
    assert not (tmp_path / "W").exists()
