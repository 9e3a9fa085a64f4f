"""The four studies in their tiny forms (`studies/<name>.py:tiny`), in-process on the embedded
demo data, each to its report section; and a sweep with a seed axis and a config axis that is
interrupted mid-run, resumed and reported as mean ± std.

Test time is scarce: relatedness, low-resource NLI and domain share their identical runs (the
later sweeps start from a copy of the earlier one's folder, which is what resuming does), so
together they train 3 runs; the length study trains 6 (2 seeds x baseline and 2 lengths)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from jaxstilts.config import load_config
from jaxstilts.report import write_report


def _sweep(name: str, workdir):
    from jaxstilts.sweep import run_sweep

    return run_sweep(load_config(f"studies/{name}.py:tiny"), workdir)


def _rows(path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f))


def _mtimes(workdir) -> dict[str, int]:
    return {str(p.relative_to(workdir)): p.stat().st_mtime_ns
            for p in workdir.glob("**/done.json")} | {
        str(p.relative_to(workdir)): p.stat().st_mtime_ns for p in workdir.glob("runs/*/run.json")}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """relatedness:tiny, then low_resource_nli:tiny and domain:tiny from copies of its folder."""
    root = tmp_path_factory.mktemp("studies")
    rel = root / "relatedness"
    records = {"relatedness": _sweep("relatedness", rel)}
    before = {}
    for name in ("low_resource_nli", "domain"):
        shutil.copytree(rel, root / name)
        before[name] = _mtimes(root / name)
        records[name] = _sweep(name, root / name)
    return root, records, before


def test_relatedness_reports_grid_types_transfer_gap_and_the_paper(shared):
    root, records, _ = shared
    assert sorted(r["name"] for r in records["relatedness"]) == ["baseline__demo_xnli",
                                                                  "demo_nli__demo_xnli"]
    paths = write_report(root / "relatedness")
    gap = {r["intermediate"]: r for r in _rows(paths["transfer_gap.csv"])}
    for row, record in zip(("baseline", "demo_nli"), records["relatedness"], strict=True):
        scores = {lang: s["accuracy"] for lang, s in record["results"]["demo_xnli"].items()}
        others = [s for lang, s in scores.items() if lang != "en"]
        assert float(gap[row]["gap"]) == pytest.approx(scores["en"] - sum(others) / 3, abs=1e-3)
    assert float(gap["demo_nli"]["gap_change"]) == pytest.approx(
        float(gap["demo_nli"]["gap"]) - float(gap["baseline"]["gap"]), abs=1e-3)
    assert "pair_classification" in paths["relatedness.md"].read_text()  # typed by its kind
    index = paths["report.md"].read_text()
    assert "### Against the paper" in index and "+5.4" in index and "arXiv:2005.13013" in index
    assert paths["transfer_gap.png"].read_bytes()[:4] == b"\x89PNG"


def test_low_resource_nli_splits_gains_and_reuses_identical_runs(shared):
    root, records, before = shared
    workdir = root / "low_resource_nli"
    assert _mtimes(workdir) == before["low_resource_nli"]  # nothing trained again
    paths = write_report(workdir)
    (row,) = _rows(paths["resource_gains.csv"])
    results = {name: r["results"]["demo_xnli"] for name, r in
               ((r["name"].split("__")[0], r) for r in records["low_resource_nli"])}

    def group_gain(langs):
        return sum(results["demo_nli"][x]["accuracy"] - results["baseline"][x]["accuracy"]
                   for x in langs) / len(langs)

    assert float(row["gain_high"]) == pytest.approx(group_gain(["en", "de"]), abs=1e-3)
    assert float(row["gain_low"]) == pytest.approx(group_gain(["hi", "th"]), abs=1e-3)
    assert "million articles" in paths["resource_gains.md"].read_text()
    assert paths["resource_gains.png"].read_bytes()[:4] == b"\x89PNG"


def test_domain_task_from_local_files_beside_the_general_task(shared):
    root, records, before = shared
    workdir = root / "domain"
    after = _mtimes(workdir)
    assert {k: after[k] for k in before["domain"]} == before["domain"]  # shared runs kept
    assert sorted(set(after) - set(before["domain"])) == [
        "intermediate/domain_task/done.json", "runs/domain_task__demo_xnli/eval/done.json",
        "runs/domain_task__demo_xnli/run.json", "runs/domain_task__demo_xnli/target/done.json"]
    done = json.loads((workdir / "intermediate" / "domain_task" / "done.json").read_text())
    assert done["tasks"] == ["domain_task"] and done["sizes"] == {"domain_task": 2000}
    paths = write_report(workdir)
    gains = {r["intermediate"]: r for r in _rows(paths["gains.csv"])}
    assert set(gains) == {"baseline", "demo_nli", "domain_task"}
    assert gains["domain_task"]["beyond_spread"] == "n/a (1 seed)"
    assert paths["gains.png"].read_bytes()[:4] == b"\x89PNG"


def test_target_size_study_cuts_the_target_data_and_reports_the_gain_per_size(shared):
    """target_size:tiny from a copy of the relatedness folder (its intermediate phase is reused):
    each size trains on the first N English pairs, and target_size.csv holds the gain on the
    other languages that the runs' own results give."""
    root, _, _ = shared
    workdir = root / "target_size"
    shutil.copytree(root / "relatedness", workdir)
    intermediate = workdir / "intermediate" / "demo_nli" / "done.json"
    before = intermediate.stat().st_mtime_ns
    records = {r["name"]: r for r in _sweep("target_size", workdir)}
    assert intermediate.stat().st_mtime_ns == before  # one intermediate phase for every size

    def others(record):
        scores = [v["accuracy"] for lang, v in record["results"]["demo_xnli"].items()
                  if lang != "en"]
        return sum(scores) / len(scores)

    paths = write_report(workdir)
    rows = {(r["intermediate"], r["train_examples"]): r for r in _rows(paths["target_size.csv"])}
    for n in (50, 100):
        names = {row: f"{row}__demo_xnli__target.train_examples={n}"
                 for row in ("baseline", "demo_nli")}
        for name in names.values():
            target = json.loads((workdir / "runs" / name / "target" / "done.json").read_text())
            assert target["sizes"] == {"demo_xnli": n}
        gain = others(records[names["demo_nli"]]) - others(records[names["baseline"]])
        assert float(rows["demo_nli", str(n)]["others_gain"]) == pytest.approx(gain, abs=1e-3)
    assert paths["target_size_demo_xnli.png"].read_bytes()[:4] == b"\x89PNG"


@pytest.fixture(scope="module")
def length_study(tmp_path_factory):
    """length_robustness:tiny (seeds 0, 1 x intermediate.max_length 32, 64), interrupted during
    its third run's evaluation, then resumed."""
    import jaxstilts.experiment.run as experiment

    workdir = tmp_path_factory.mktemp("length")
    real, calls = experiment.evaluate_phase, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    experiment.evaluate_phase = interrupted
    try:
        with pytest.raises(KeyboardInterrupt):
            _sweep("length_robustness", workdir)
    finally:
        experiment.evaluate_phase = real
    before = _mtimes(workdir)
    records = _sweep("length_robustness", workdir)
    return workdir, records, before


def test_seed_and_axis_sweep_resumes_and_reports_mean_and_std(length_study):
    workdir, records, before = length_study
    names = sorted(r["name"] for r in records)
    assert names == sorted(
        [f"baseline__demo_xnli__seed={s}" for s in (0, 1)]
        + [f"demo_nli__demo_xnli__intermediate.max_length={n}__seed={s}"
           for n in (32, 64) for s in (0, 1)])
    after = _mtimes(workdir)
    assert len([k for k in before if k.endswith("run.json")]) == 2
    assert {k: after[k] for k in before} == before  # finished work was not redone
    assert sorted(p.name for p in (workdir / "intermediate").iterdir()) == sorted(
        f"demo_nli__intermediate.max_length={n}__seed={s}" for n in (32, 64) for s in (0, 1))
    # the axis reached the intermediate phase's rows (and only its rows)
    for n in (32, 64):
        for s in (0, 1):
            phase = json.loads((workdir / "intermediate" / f"demo_nli__intermediate.max_length={n}"
                                f"__seed={s}" / "done.json").read_text())
            assert phase["max_length"] == {"demo_nli": n}
    target = json.loads((workdir / "runs" / names[-1] / "target" / "done.json").read_text())
    assert target["max_length"] == {"demo_xnli": 64}  # the task's own length
    for record in records:
        assert record["noise"]["0.0"] == record["results"]["demo_xnli"]  # rate 0: clean inputs

    paths = write_report(workdir)
    gains = {(r["setting"], r["intermediate"]): r for r in _rows(paths["gains.csv"])}
    cell = gains["intermediate.max_length=64", "demo_nli"]
    scores = [r["score"] for r in records if "max_length=64" in r["name"]]
    assert cell["seeds"] == "2" and float(cell["mean"]) == pytest.approx(sum(scores) / 2,
                                                                         abs=1e-3)
    assert float(cell["std"]) == pytest.approx(abs(scores[0] - scores[1]) / 2 ** 0.5, abs=1e-3)
    assert cell["beyond_spread"] in ("yes", "no")
    curve = {(r["setting"], r["intermediate"], r["noise_rate"]) for r in
             _rows(paths["robustness.csv"])}
    assert {("intermediate.max_length=32", "demo_nli", "0.2"),
            ("intermediate.max_length=64", "baseline", "0.0")} <= curve
    assert paths["robustness_demo_xnli.png"].read_bytes()[:4] == b"\x89PNG"
    assert " ± " in paths["gains.md"].read_text()


def test_demo_table_prints_mean_and_std_over_seeds(length_study):
    from jaxstilts.report.demo import demo_table, demo_verdict

    _, records, _ = length_study
    text = "\n".join(demo_table(records))
    assert "[intermediate.max_length=32]" in text and "mean ± std over 2 seeds" in text

    def others(record):  # the mean over the non-English languages, from run.json itself
        scores = [v["accuracy"] for lang, v in record["results"]["demo_xnli"].items()
                  if lang != "en"]
        return sum(scores) / len(scores)

    baseline = [others(r) for r in records if r["name"].startswith("baseline")]
    sd = abs(baseline[0] - baseline[1]) / 2 ** 0.5
    assert f"| {sum(baseline) / 2:.1f} ± {sd:.1f} | – | – |" in text
    related = [others(r) for r in records if r["name"].startswith("demo_nli")
               and "max_length=64" in r["name"]]
    gains = [a - b for a, b in zip(related, baseline, strict=True)]
    gain_sd = abs(gains[0] - gains[1]) / 2 ** 0.5
    assert f"| {sum(gains) / 2:+.1f} ± {gain_sd:.1f} | " in text
    assert "| demo_nli (related) | " in text
    verdict = [v for v in demo_verdict(records) if "max_length=64" in v]
    assert len(verdict) == 1 and "related demo_nli" in verdict[0]
    from scipy.stats import ttest_rel

    p = ttest_rel(related, baseline).pvalue
    assert ("effect shows" in verdict[0]) == (sum(gains) > 0 and p < 0.05)
    assert "effect does NOT show" in verdict[0] or "effect shows" in verdict[0]
