"""MultiCheckList (XTREME-R): run a span-QA head on the behavioural test cases, judge, write.

    summary = run_checklist(model, tokenizer, "xquad", cases, folder="runs/x/eval")

Every example of every case (all tests and languages at once) is featurized as a SQuAD question
and predicted by the head in one batched pass of the evaluator; a case passes when every one of
its examples' answers equals the expected one after XTREME-R's clean-up (`answer_matches`), as
CheckList's MFT with XTREME-R's `expect_squad` judges. Written to the folder: `checklist.json`
(failure rate in % per test × language, case counts, a few failing examples per cell),
`checklist_results_table.csv` (XTREME-R's `results_table.csv` shape); the experiment adds the
heatmap `checklist.png` (`plot_failure_heatmap`, also drawn by sweep reports for differences).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from etils import epath

from jaxstilts.figures import annotate_cells, save_png
from jaxstilts.tasks.checklist import SHORT, TESTS, Case, answer_matches

log = logging.getLogger("jaxstilts.evaluate")
FAILING_EXAMPLES = 3  # failing cases kept per test × language in checklist.json
FILE = "checklist.json"
CSV_FILE = "checklist_results_table.csv"
PNG_FILE = "checklist.png"


def case_rows(cases: Sequence[Case]) -> list[dict[str, Any]]:
    """One SQuAD-style row per example; the id says which case and example it is."""
    rows = []
    for c_index, case in enumerate(cases):
        for e_index, (context, question, answer) in enumerate(case.examples):
            start = context.find(answer)
            rows.append({"id": f"{c_index}-{e_index}", "title": "", "context": context,
                         "question": question, "language": case.lang,
                         "answers": {"text": [answer], "answer_start": [start]}})
    return rows


def predict_cases(model: Any, tokenizer: Any, task: str, cases: Sequence[Case], *,
                  batch_size: int = 64, mesh: Any = None, head: str | None = None,
                  max_length: int | None = None) -> dict[str, str]:
    """Predicted answer per example id (`case-example`), all languages in one evaluator pass."""
    import datasets

    from jaxstilts.evaluate.evaluator import evaluate_task
    from jaxstilts.kinds import Kind
    from jaxstilts.tasks import LoadReport, get_task
    from jaxstilts.tasks.features import FeaturizeConfig
    from jaxstilts.tasks.featurize import featurize
    from jaxstilts.tasks.sources import Examples

    spec = get_task(task)
    if spec.kind != Kind.SPAN_EXTRACTION:
        raise ValueError(f"MultiCheckList tests a span-QA head; {task} is {spec.kind.value}")
    rows = case_rows(cases)
    if not rows:
        raise ValueError("MultiCheckList: no test cases to predict")
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:16]
    languages = tuple(dict.fromkeys(r["language"] for r in rows))
    report = LoadReport(read=len(rows), kept=len(rows))
    examples = Examples(spec, "checklist", languages, datasets.Dataset.from_list(rows), report,
                        "multichecklist", f"multichecklist-{digest}")
    features = featurize(examples, tokenizer, FeaturizeConfig(max_length=max_length))
    evaluation = evaluate_task(model, "xquad", features, batch_size=batch_size, mesh=mesh,
                               head=head or task)
    return {k: v for preds in evaluation.predictions.values() for k, v in preds.items()}


def judge(cases: Sequence[Case], predictions: dict[str, str],
          keep: int = FAILING_EXAMPLES) -> dict[str, Any]:
    """Failure rate (% of cases with a wrong example) per test short name × language."""
    counts: dict[str, dict[str, list[int]]] = {}
    failing: dict[str, dict[str, list[dict]]] = {}
    for c_index, case in enumerate(cases):
        wrong = []
        for e_index, (context, question, answer) in enumerate(case.examples):
            key = f"{c_index}-{e_index}"
            if key not in predictions:
                raise ValueError(f"MultiCheckList: no prediction for example {key} "
                                 f"({SHORT[case.test]}, {case.lang})")
            if not answer_matches(predictions[key], answer, case.lang):
                wrong.append({"context": context, "question": question, "expected": answer,
                              "predicted": predictions[key]})
        cell = counts.setdefault(SHORT[case.test], {}).setdefault(case.lang, [0, 0])
        cell[0] += 1
        cell[1] += bool(wrong)
        shown = failing.setdefault(SHORT[case.test], {}).setdefault(case.lang, [])
        if wrong and len(shown) < keep:
            shown.append(wrong[0])
    rates = {t: {lang: 100.0 * f / n for lang, (n, f) in by_lang.items()}
             for t, by_lang in counts.items()}
    return {"failure_rate": rates,
            "cases": {t: {lang: n for lang, (n, _) in v.items()} for t, v in counts.items()},
            "failing_examples": failing}


def results_table(failure_rate: dict[str, dict[str, float]]) -> str:
    """XTREME-R's results_table.csv: `Lang.` then the six full test names, error in %."""
    names = [t for t in TESTS if SHORT[t] in failure_rate]
    languages = sorted({lang for by_lang in failure_rate.values() for lang in by_lang})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Lang."] + names)
    for lang in languages:
        writer.writerow([lang] + [failure_rate[SHORT[t]].get(lang, "") for t in names])
    return out.getvalue()


def write_checklist(summary: dict[str, Any], folder: str | Path) -> list[Path]:
    """checklist.json and the CSV in `folder` (the heatmap is the report's:
    `jaxstilts.report.checklist.plot_failure_heatmap`)."""
    folder = epath.Path(folder)  # local or gs:// alike
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / FILE, folder / CSV_FILE]
    paths[0].write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    paths[1].write_text(results_table(summary["failure_rate"]), encoding="utf-8")
    return paths


def run_checklist(model: Any, tokenizer: Any, task: str, *, folder: str | Path | None = None,
                  cases_per_test: int = 200, seed: int = 0,
                  languages: Sequence[str] | None = None, batch_size: int = 64,
                  mesh: Any = None, head: str | None = None,
                  max_length: int | None = None) -> dict[str, Any]:
    """Generate, predict, judge and (with `folder`) write; returns the summary."""
    from jaxstilts.tasks.checklist import generate_all

    cases, skipped = generate_all(cases_per_test, seed, list(languages) if languages else None)
    for lang, why in skipped.items():
        log.warning("MultiCheckList: %s skipped (%s)", lang, why)
    predictions = predict_cases(model, tokenizer, task, cases, batch_size=batch_size, mesh=mesh,
                                head=head, max_length=max_length)
    judged = judge(cases, predictions)
    languages = sorted({c.lang for c in cases})
    # Few cases per test split over many groups can leave a cell empty (as XTREME-R's would)
    empty = [f"{SHORT[t]}/{lang}" for t in TESTS for lang in languages
             if lang not in judged["cases"].get(SHORT[t], {})]
    summary = {"task": task, "head": head or task, "cases_per_test": cases_per_test,
               "seed": seed, "languages": languages, "skipped_languages": skipped,
               "cells_without_cases": empty, **judged}
    if folder is not None:
        write_checklist(summary, folder)
    return summary


# ---------------------------------------------------------------- the heatmap

Rates = dict[str, dict[str, float]]  # test short name -> language -> failure rate (%)


def failure_tests(rates: Rates) -> list[str]:
    return [SHORT[t] for t in TESTS if SHORT[t] in rates]


def _languages(rates: Rates) -> list[str]:
    langs = {lang for by_lang in rates.values() for lang in by_lang}
    return sorted(langs, key=lambda lang: (lang != "en", lang))


def plot_failure_heatmap(rates: Rates, path: Path, title: str, signed: bool = False) -> bool:
    """Tests (rows) × languages (columns); signed values (differences) on a diverging scale,
    lower is better either way. False when there is nothing to draw."""
    import matplotlib
    import numpy as np
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    tests, langs = failure_tests(rates), _languages(rates)
    if not tests or not langs:
        return False
    data = np.ma.masked_invalid(np.array(
        [[rates[t].get(lang, np.nan) for lang in langs] for t in tests], dtype=float))
    if data.mask.all():
        return False
    if signed:
        lim = float(np.abs(data).max()) or 1.0
        cmap, norm = matplotlib.colormaps["RdBu_r"], Normalize(-lim, lim)
    else:
        cmap, norm = matplotlib.colormaps["magma_r"], Normalize(0.0, 100.0)
    fig = Figure(figsize=(max(5.0, 1.6 + 0.42 * len(langs)), 1.4 + 0.45 * len(tests)))
    ax = fig.add_subplot()
    image = ax.imshow(data, cmap=cmap.with_extremes(bad="0.88"), norm=norm, aspect="auto")
    if len(langs) <= 25:
        annotate_cells(ax, data, image, signed)
    ax.set_xticks(range(len(langs)), langs, rotation=90 if len(langs) > 12 else 0)
    ax.set_yticks(range(len(tests)), tests)
    ax.set_xlabel("language")
    ax.set_title(title)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.02)
    bar.set_label("Δ failure rate vs baseline (points)" if signed else "failure rate (%)")
    ax.tick_params(length=0)
    return save_png(fig, path, dpi=120)
