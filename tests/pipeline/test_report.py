"""`jaxstilts.report` on a hand-made sweep: the numbers in its tables are checked by hand."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from jaxstilts.report import intermediate_type, language_score, target_type, write_report

# XNLI accuracy per language; en, de, ru are high-resource, sw, hi low-resource.
XNLI = {
    "baseline": {"en": 80, "de": 76, "ru": 74, "sw": 60, "hi": 66},  # 71.2
    "mnli": {"en": 84, "de": 80, "ru": 77, "sw": 65, "hi": 70},  # 75.2 (+4.0)
    "qqp": {"en": 82, "de": 78, "ru": 76, "sw": 62, "hi": 68},  # 73.2 (+2.0)
    "squad_v2": {"en": 81, "de": 76, "ru": 75, "sw": 61, "hi": 66},  # 71.8 (+0.6)
}
# XQuAD (EM, F1); figure (EM + F1) / 2; en, de high, th, hi low.
XQUAD = {
    "baseline": {"en": (70, 80), "de": (60, 70), "th": (50, 60), "hi": (40, 56)},  # 60.75
    "mnli": {"en": (72, 82), "de": (62, 72), "th": (53, 63), "hi": (44, 60)},  # 63.5 (+2.75)
}


def _record(row: str, target: str, per_language: dict, status: str = "done") -> dict:
    if target == "xquad":
        results = {lang: {"exact_match": em, "f1": f1} for lang, (em, f1) in per_language.items()}
        figures = [(em + f1) / 2 for em, f1 in per_language.values()]
    else:
        results = {lang: {"accuracy": acc} for lang, acc in per_language.items()}
        figures = list(per_language.values())
    inter = [] if row == "baseline" else row.split("+")
    return {
        "name": f"{row}__{target}",
        "intermediate": inter,
        "target": target,
        "status": status,
        "metric": "accuracy" if target == "xnli" else "squad",
        "score": sum(figures) / len(figures) if status == "done" else None,
        "results": {target: results},
    }


def _write(sweep: Path, record: dict) -> None:
    folder = sweep / "runs" / record["name"]
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps(record))


@pytest.fixture
def sweep(tmp_path) -> Path:
    sweep = tmp_path / "sweep"
    for row, langs in XNLI.items():
        _write(sweep, _record(row, "xnli", langs))
    for row, langs in XQUAD.items():
        _write(sweep, _record(row, "xquad", langs))
    # a failed run's partial results must not reach any table
    _write(sweep, _record("squad_v2", "xquad", {"en": (99, 99)}, status="failed"))
    return sweep


def _csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as f:
        return {row["intermediate"]: row for row in csv.DictReader(f)}


def _approx(value: float):
    return pytest.approx(value, abs=1e-4)  # the CSVs hold 4 decimals


def _num(text: str) -> float | None:
    return float(text) if text else None


def test_scores_and_deltas(sweep):
    paths = write_report(sweep)
    out = sweep / "report"
    assert all(p.parent == out and p.exists() for p in paths.values())
    scores = _csv(paths["scores.csv"])
    assert list(scores) == ["baseline", "mnli", "qqp", "squad_v2"]  # paper order
    assert _num(scores["baseline"]["xnli"]) == _approx(71.2)
    assert _num(scores["baseline"]["xquad"]) == _approx(60.75)
    assert _num(scores["baseline"]["avg"]) == _approx((71.2 + 60.75) / 2)
    assert _num(scores["mnli"]["avg"]) == _approx((75.2 + 63.5) / 2)
    # the failed run and the absent one are not averaged
    assert scores["squad_v2"]["xquad"] == "" and scores["squad_v2"]["avg"] == ""
    assert scores["qqp"]["xquad"] == "" and _num(scores["qqp"]["xnli"]) == _approx(73.2)

    deltas = _csv(paths["deltas.csv"])
    assert "baseline" not in deltas
    assert _num(deltas["mnli"]["xnli"]) == _approx(4.0)
    assert _num(deltas["mnli"]["xquad"]) == _approx(2.75)
    assert _num(deltas["mnli"]["avg"]) == _approx(3.375)
    assert _num(deltas["squad_v2"]["xnli"]) == _approx(0.6)
    assert deltas["squad_v2"]["xquad"] == ""

    md = paths["scores.md"].read_text()
    assert "| squad_v2 | 71.8 | failed | – |" in md
    assert "| mnli | 75.2 | 63.5 | 69.3 |" in md  # 69.35 to one decimal
    assert "| mnli | +4.0 | +2.8 | +3.4 |" in paths["deltas.md"].read_text()


def test_per_language(sweep):
    paths = write_report(sweep)
    with paths["languages_xquad.csv"].open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["intermediate", "value", "en", "de", "hi", "th", "avg", "others"]
    base = next(r for r in rows if r["intermediate"] == "baseline")
    assert {k: _num(base[k]) for k in ("en", "de", "hi", "th", "avg", "others")} == {
        "en": 75.0,
        "de": 65.0,
        "hi": 48.0,
        "th": 55.0,
        "avg": 60.75,
        "others": _approx(56.0),  # English left out: the demo's zero-shot figure
    }
    delta = next(r for r in rows if r["intermediate"] == "mnli" and r["value"] == "delta")
    assert [_num(delta[k]) for k in ("en", "de", "hi", "th")] == [2.0, 2.0, 4.0, 3.0]
    assert _num(delta["others"]) == _approx(3.0)
    assert not any(r["intermediate"] == "squad_v2" for r in rows)  # failed: no numbers
    md = paths["languages.md"].read_text()
    assert "## xnli" in md and "| intermediate | en (h) | de (h) | hi (l) | ru (h) | sw (l) |" in md


def test_relatedness(sweep):
    paths = write_report(sweep)
    with paths["relatedness.csv"].open() as f:
        rows = {(r["intermediate_type"], r["target_type"]): r for r in csv.DictReader(f)}
    assert set(rows) == {
        ("NLI/paraphrase", "sentence-pair classification"),
        ("NLI/paraphrase", "QA"),
        ("extractive QA", "sentence-pair classification"),
    }
    pair = rows["NLI/paraphrase", "sentence-pair classification"]
    assert _num(pair["mean_delta"]) == _approx(3.0)  # mnli +4.0, qqp +2.0
    assert pair["n"] == "2" and pair["pairs"] == "mnli->xnli; qqp->xnli"
    assert _num(rows["NLI/paraphrase", "QA"]["mean_delta"]) == _approx(2.75)
    assert _num(rows["extractive QA", "sentence-pair classification"]["mean_delta"]) == (
        _approx(0.6)
    )
    md = paths["relatedness.md"].read_text()
    assert "| NLI/paraphrase | +3.0 (n=2) | +2.8 (n=1) |" in md


def test_resource_breakdown(sweep):
    paths = write_report(sweep)
    with paths["resources.csv"].open() as f:
        rows = {(r["target"], r["intermediate"]): r for r in csv.DictReader(f)}
    assert ("xquad", "squad_v2") not in rows
    base = rows["xnli", "baseline"]
    assert (base["n_high"], base["n_low"]) == ("3", "2")
    assert _num(base["high"]) == _approx(230 / 3) and _num(base["low"]) == 63.0
    assert base["delta_high"] == ""
    mnli = rows["xnli", "mnli"]
    assert _num(mnli["high"]) == _approx(241 / 3) and _num(mnli["low"]) == 67.5
    assert _num(mnli["delta_all"]) == _approx(4.0)
    assert _num(mnli["delta_high"]) == _approx(11 / 3)
    assert _num(mnli["delta_low"]) == _approx(4.5)
    qa = rows["xquad", "mnli"]
    assert _num(qa["delta_high"]) == _approx(2.0) and _num(qa["delta_low"]) == 3.5
    md = paths["resources.md"].read_text()
    # over the 4 runs with deltas: high (11/3 + 2 + 2/3 + 2) / 4, low (4.5 + 2 + 0.5 + 3.5) / 4
    assert "mean gain on high-resource languages: +2.1 over 4 runs" in md
    assert "mean gain on low-resource languages: +2.6 over 4 runs" in md


def test_heatmap_and_index(sweep):
    import matplotlib.image

    paths = write_report(sweep, sweep / "elsewhere")
    assert paths["heatmap.png"].parent == sweep / "elsewhere"
    assert paths["heatmap.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(paths["heatmap.png"])
    height, width, channels = image.shape
    assert 400 < height < 2000 and 600 < width < 3000 and channels in (3, 4)
    assert image[..., :3].std() > 0.05  # not blank
    index = paths["report.md"].read_text()
    for link in re.findall(r"\]\(([^)]+)\)", index):
        assert (sweep / "elsewhere" / link).exists(), link
    assert "| squad_v2__xquad | failed |" in index
    assert "- xnli: mnli 75.2 vs baseline 71.2 (+4.0)" in index
    assert "- xquad: mnli 63.5 vs baseline 60.8 (+2.8)" in index


def test_a_gain_printed_as_zero_or_less_is_not_called_best(tmp_path):
    """report.md's "best intermediate task per target" names none when the best gain, as
    printed, is -0.0 or below (a -0.04 gain is no gain)."""
    sweep = tmp_path / "sweep"
    _write(sweep, _record("baseline", "xnli", {"en": 70.0, "de": 60.0}))
    _write(sweep, _record("mnli", "xnli", {"en": 70.0, "de": 59.92}))
    index = write_report(sweep)["report.md"].read_text()
    assert "- xnli: no intermediate task beats the baseline (closest: mnli 65.0 vs baseline " \
           "65.0 (-0.0))" in index


def test_curves_say_when_every_run_is_at_chance_and_do_not_stretch_noise():
    """The README's robustness figure drew 33.2-34.1 as a trend: every run was at chance."""
    from jaxstilts.report.plots import all_at_chance, y_range
    from jaxstilts.report.runs import chance_level

    assert chance_level("demo_xnli") == pytest.approx(100 / 3)  # three labels
    assert chance_level("xquad") is None  # not a classification accuracy
    assert all_at_chance([33.3, 33.9, 34.1, 33.6], 100 / 3)
    assert not all_at_chance([33.3, 43.0], 100 / 3)
    lo, hi = y_range([33.2, 33.5], [34.1, 33.9], 10.0, chance=100 / 3)
    assert lo <= 100 / 3 - 1 and hi - lo >= 10  # floor at chance, at least 10 points tall
    assert lo > 100 / 3 - 2  # not padded below chance when no point is there
    lo, hi = y_range([20.0], [60.0], 10.0, chance=100 / 3)
    assert (lo, hi) == (19.5, 60.5)  # a wide curve keeps its own range
    lo, hi = y_range([-0.5], [0.4], 10.0)
    assert hi - lo >= 10 and lo < -0.5 and hi > 0.4


def test_missing_baseline(sweep, tmp_path):
    shutil.rmtree(sweep / "runs" / "baseline__xquad")
    paths = write_report(sweep)
    deltas = _csv(paths["deltas.csv"])
    assert "xquad" not in deltas["mnli"] and _num(deltas["mnli"]["avg"]) == _approx(4.0)
    assert "No finished baseline run for xquad" in paths["deltas.md"].read_text()
    assert "No finished baseline run for xquad" in paths["report.md"].read_text()

    for target in ("xnli", "xquad"):
        shutil.rmtree(sweep / "runs" / f"baseline__{target}", ignore_errors=True)
    paths = write_report(sweep, tmp_path / "no_baseline")
    assert "_No deltas._" in paths["deltas.md"].read_text()
    assert "no relatedness analysis" in paths["relatedness.md"].read_text()
    assert _num(_csv(paths["scores.csv"])["mnli"]["xnli"]) == _approx(75.2)
    image = __import__("matplotlib.image").image.imread(paths["heatmap.png"])  # raw scores
    assert image.ndim == 3


def test_incomplete_run_and_empty_sweep(sweep, tmp_path):
    (sweep / "runs" / "hellaswag__xnli").mkdir()  # started, no run.json yet
    index = write_report(sweep)["report.md"].read_text()
    assert "| hellaswag__xnli | incomplete (no run.json) |" in index
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path / "nothing")


def test_task_types_and_language_score():
    assert intermediate_type("mnli") == "NLI/paraphrase"
    assert intermediate_type("sst2") == "single-sentence classification"
    assert intermediate_type("cosmos_qa") == "commonsense multiple choice"
    assert intermediate_type("mnli+squad_v2") == "multi-task"
    assert intermediate_type("demo_nli") == "pair_classification"  # registered: its kind
    assert intermediate_type("my_own_task") == "other"
    assert target_type("panx") == "structured prediction"
    assert target_type("tatoeba") == "retrieval"
    assert target_type("demo_xnli") == "pair_classification"
    assert language_score({"exact_match": 60.0, "f1": 70.0}) == 65.0
    assert language_score({"f1": 50.0, "accuracy": 40.0}) == 50.0
    assert language_score({"map@20": 30.0}) == 30.0
    assert language_score({"loss": 1.0}) is None


def _seeded(row: str, setting: dict, seed: int, per_language: dict, noise: dict | None = None):
    record = _record(row, "xnli", per_language)
    label = "".join(f"__{k}={v}" for k, v in setting.items())
    record.update(name=f"{record['name']}{label}__seed={seed}", seed=seed, settings=setting)
    if noise:
        record["noise"] = {str(rate): {lang: {"accuracy": acc} for lang, acc in langs.items()}
                           for rate, langs in noise.items()}
    return record


def test_seeds_and_axes_mean_std_paired_test_gap_and_robustness(tmp_path):
    """Baseline and mnli over 3 seeds and an intermediate-only axis (2 values); the baseline,
    which has no intermediate phase, is shared by both values."""
    from scipy import stats

    sweep = tmp_path / "sweep"
    base = {0: (80, 70), 1: (82, 70), 2: (81, 73)}  # seed -> (en, de)
    mnli = {"64": {0: (84, 76), 1: (85, 77), 2: (83, 77)}, "32": {0: (80, 71), 1: (83, 70),
                                                                 2: (81, 72)}}
    for seed, (en, de) in base.items():
        _write(sweep, _seeded("baseline", {}, seed, {"en": en, "de": de},
                              {0.0: {"en": en, "de": de}, 0.1: {"en": en - 10, "de": de - 10}}))
    for length, seeds in mnli.items():
        for seed, (en, de) in seeds.items():
            _write(sweep, _seeded("mnli", {"intermediate.max_length": int(length)}, seed,
                                  {"en": en, "de": de},
                                  {0.0: {"en": en, "de": de}, 0.1: {"en": en - 5, "de": de - 5}}))
    paths = write_report(sweep)
    assert "intermediate.max_length=64/scores.csv" in paths  # one folder per setting
    with paths["gains.csv"].open() as f:
        rows = {(r["setting"], r["intermediate"]): r for r in csv.DictReader(f)}
    b_scores = [(en + de) / 2 for en, de in base.values()]  # 75, 76, 77
    m_scores = [(en + de) / 2 for en, de in mnli["64"].values()]  # 80, 81, 80
    b = rows["intermediate.max_length=64", "baseline"]
    assert b["seeds"] == "3" and _num(b["mean"]) == _approx(76.0) and _num(b["std"]) == _approx(1)
    m = rows["intermediate.max_length=64", "mnli"]
    assert _num(m["mean"]) == _approx(80 + 1 / 3)
    assert _num(m["gain"]) == _approx(80 + 1 / 3 - 76)
    want_p = stats.ttest_rel(m_scores, b_scores).pvalue
    assert _num(m["p_paired_t"]) == _approx(want_p) and m["beyond_spread"] == (
        "yes" if want_p < 0.05 else "no")
    short = rows["intermediate.max_length=32", "mnli"]  # gains 0.5, 0.5, -0.5: within spread
    assert _num(short["gain"]) == _approx(1 / 6) and short["beyond_spread"] == "no"
    # The zero-shot gain (English left out: here de alone), the figure `jaxstilts demo` prints.
    de_gains = [mnli["64"][s][1] - base[s][1] for s in base]  # 6, 7, 4
    assert _num(m["others"]) == _approx(76 + 2 / 3)
    assert _num(m["others_gain"]) == _approx(sum(de_gains) / 3)
    want_p = stats.ttest_rel([mnli["64"][s][1] for s in base], [base[s][1] for s in base]).pvalue
    assert _num(m["others_p_paired_t"]) == _approx(want_p)
    assert "gain on others" in paths["gains.md"].read_text()

    with paths["transfer_gap.csv"].open() as f:
        gaps = {(r["setting"], r["intermediate"]): r for r in csv.DictReader(f)}
    assert _num(gaps["intermediate.max_length=64", "baseline"]["gap"]) == _approx(10.0)
    # mnli/64 gaps 8, 8, 6 vs baseline 10, 12, 8: change -8/3
    assert _num(gaps["intermediate.max_length=64", "mnli"]["gap_change"]) == _approx(-8 / 3)

    with paths["robustness.csv"].open() as f:
        curve = [(r["setting"], r["intermediate"], r["noise_rate"], r["score"])
                 for r in csv.DictReader(f)]
    assert ("intermediate.max_length=64", "mnli", "0.1", repr(round(80 + 1 / 3 - 5, 4))) in curve
    assert ("intermediate.max_length=32", "baseline", "0.1", "66.0") in curve
    assert paths["robustness_xnli.png"].read_bytes()[:4] == b"\x89PNG"
    md = paths["gains.md"].read_text()
    assert "| intermediate.max_length=64 | xnli | baseline | 3 | 76.0 ± 1.0 |" in md
    index = paths["report.md"].read_text()
    assert "seeds 0, 1, 2 (cells are means over seeds)" in index and "2 settings" in index
    for link in re.findall(r"\]\(([^)]+)\)", index):
        assert (sweep / "report" / link).exists(), link
