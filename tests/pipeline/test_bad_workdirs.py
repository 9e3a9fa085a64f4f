"""A broken or unwritable workdir gives one line naming the file, never a traceback."""

import os

from jaxstilts.cli import main


def test_a_corrupt_run_json_under_report_names_the_file(tmp_path, capsys):
    run = tmp_path / "runs" / "mnli__xnli"
    run.mkdir(parents=True)
    (run / "run.json").write_text('{"name": "mnli__xnli", "target": "xnli", ')
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"jaxstilts report: {run / 'run.json'}:1: invalid_json: Expecting property "
                   "name enclosed in double quotes\n")


def test_a_read_only_workdir_is_one_line(tmp_path, capsys):
    if os.geteuid() == 0:  # root writes through file modes; /sys refuses even root
        workdir = "/sys/kernel"
    else:
        workdir = tmp_path / "ro"
        workdir.mkdir()
        workdir.chmod(0o555)
    assert main(["run", "tiny", "--workdir", str(workdir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("jaxstilts run: [Errno "), err
    assert f"{workdir}/.jaxstilts.lock" in err
