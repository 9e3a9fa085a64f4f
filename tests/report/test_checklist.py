"""MultiCheckList in a sweep's report: failure rates per intermediate task and their change vs
the baseline, averaged over seeds; the numbers are checked by hand."""

import json
from pathlib import Path

from jaxstilts.report import write_report

# failure rate (%) per seed: test -> language -> rate
BASE = [{"comp": {"en": 50.0, "sw": 80.0}, "prof": {"en": 10.0, "sw": 40.0}},
        {"comp": {"en": 60.0, "sw": 90.0}, "prof": {"en": 20.0, "sw": 40.0}}]
MNLI = [{"comp": {"en": 40.0, "sw": 60.0}, "prof": {"en": 10.0, "sw": 50.0}},
        {"comp": {"en": 40.0, "sw": 70.0}, "prof": {"en": 10.0, "sw": 50.0}}]


def _write(sweep: Path, row: str, seed: int, rates: dict) -> None:
    name = f"{row}__xquad__seed={seed}"
    folder = sweep / "runs" / name
    folder.mkdir(parents=True)
    record = {"name": f"{row}__xquad", "intermediate": [] if row == "baseline" else [row],
              "target": "xquad", "status": "done", "metric": "squad", "score": 50.0 + seed,
              "seed": seed, "results": {"xquad": {"en": {"exact_match": 50, "f1": 50}}},
              "checklist": {"failure_rate": rates, "cases": {}}}
    (folder / "run.json").write_text(json.dumps(record))


def test_sweep_report_compares_failure_rates_to_the_baseline_over_seeds(tmp_path):
    sweep = tmp_path / "sweep"
    for seed in (0, 1):
        _write(sweep, "baseline", seed, BASE[seed])
        _write(sweep, "mnli", seed, MNLI[seed])
    paths = write_report(sweep)
    assert {"checklist.md", "checklist.csv", "heatmap_checklist_xquad_mnli.png"} <= set(paths)
    rows = {line.split(",")[0]: line.split(",")[1:]
            for line in paths["checklist.csv"].read_text().splitlines()[1:]}
    # baseline comp: mean over seeds (55, 85), over languages 70; prof (15, 40) -> 27.5
    assert [float(x) for x in rows["baseline"][:2]] == [70.0, 27.5]
    # mnli comp (40, 65) -> 52.5, Δ -17.5; prof (10, 50) -> 30, Δ +2.5
    assert [float(x) for x in rows["mnli"]] == [52.5, 30.0, -17.5, 2.5]
    md = paths["checklist.md"].read_text()
    assert "| mnli | 52.5 | 30.0 | -17.5 | +2.5 |" in md
    assert "MultiCheckList failure rates" in paths["report.md"].read_text()


def test_a_sweep_without_multichecklist_has_no_such_section(tmp_path):
    sweep = tmp_path / "sweep"
    _write(sweep, "baseline", 0, {})
    paths = write_report(sweep)
    assert "checklist.md" not in paths
    assert "MultiCheckList" not in paths["report.md"].read_text()
