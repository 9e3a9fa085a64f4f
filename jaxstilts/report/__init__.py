"""Sweep report: tables, heatmaps, analyses and the studies' sections from
`SWEEP_DIR/runs/*/run.json`.

Files written into `out_dir` (default `SWEEP_DIR/report`); with several settings of the sweep's
axes, the per-setting files go into one sub-folder per setting (`data.max_length=128/...`):

  report.md                 index: runs found, missing runs, notes, best task per target, links
  scores.md, scores.csv     target score per intermediate task (rows) and target (columns), + avg
  deltas.md, deltas.csv     the same minus each target's baseline (no intermediate task)
  languages.md, languages_<target>.csv   per-language scores (and deltas) of every target
  relatedness.md/.csv       mean delta per (intermediate-task type, target-task type)
  resources.md/.csv         high- vs low-resource language averages and deltas per run
  heatmap.png               intermediate x target deltas (raw scores when no target has a baseline)
  heatmap_<target>_languages.png   intermediate x language deltas of each target with a baseline

Across settings (`studies.py`): gains.md/.csv/.png (mean ± std over seeds, paired t-test),
transfer_gap.*, resource_gains.*, robustness.* and robustness_<target>.png (with noise rates);
report.md also holds the paper's headline comparison per setting.

A row is "baseline" (pretrained -> target), one intermediate task, or "a+b+..." for multi-task.
Runs whose status is not "done" are listed as missing and left out of every number. Seeds of one
cell are averaged in the per-setting tables and kept apart in the study sections.


Modules: `runs` (reading run records, task types, settings), `tables` (scores,
deltas, languages; Markdown and CSV), `analyses` (relatedness, resource split), `seeds` (over
seeds: spreads, the paired test, gaps, robustness, the paper's figures), `plots` (heatmaps, bars,
curves), `studies` (the studies' sections), `write` (the report folder).
"""

from jaxstilts.naming import BASELINE, run_name
from jaxstilts.report.analyses import relatedness_table, resource_table
from jaxstilts.report.plots import heatmap_data, label, plot_heatmap, plot_language_heatmap
from jaxstilts.report.runs import (
    MULTI_TASK,
    Run,
    Sweep,
    by_setting,
    intermediate_type,
    language_score,
    load_runs,
    run_from_record,
    target_type,
)
from jaxstilts.report.tables import delta_table, language_table, score_table, to_csv, to_markdown
from jaxstilts.report.write import write_report

__all__ = [
    "BASELINE", "MULTI_TASK", "Run", "Sweep", "by_setting", "delta_table", "heatmap_data",
    "intermediate_type",
    "label", "language_score", "language_table", "load_runs", "plot_heatmap",
    "plot_language_heatmap", "relatedness_table", "resource_table", "run_from_record", "run_name",
    "score_table", "target_type", "to_csv", "to_markdown", "write_report",
]  # fmt: skip
