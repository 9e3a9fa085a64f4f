"""The report sections of the four studies (`configs/studies/`), over every setting of
a sweep's axes and over its seeds; each a Markdown table, its CSV and a figure:

  gains.md/.csv, gains.png                 gain over the baseline per cell, mean ± std over
                                           seeds, paired t-test (every study; domain)
  transfer_gap.md/.csv, transfer_gap.png   English minus the other languages (relatedness)
  resource_gains.md/.csv, resource_gains.png   gains on high- vs low-resource languages
                                           (low-resource NLI)
  target_size.md/.csv, target_size_<target>.png  zero-shot gain vs the target's English
                                           training size (target size)
  robustness.md/.csv, robustness_<target>.png  score vs character-noise rate, one line per
                                           setting and row (sequence length vs robustness)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from statistics import mean

from jaxstilts.report.analyses import group_mean
from jaxstilts.report.plots import plot_bars, plot_lines
from jaxstilts.report.runs import BASELINE, OTHERS, Run, Sweep, chance_level
from jaxstilts.report.seeds import (
    ALPHA,
    gap_table,
    mean_std,
    plus_minus,
    resource_gain_table,
    robustness_table,
    seed_table,
    target_size_table,
)
from jaxstilts.report.tables import Cell, Table, format_cell, to_csv

_P = "p of a two-sided paired t-test over seeds (run and baseline of the same seed)"
INTROS = {
    "gains": "Each cell over its seeds: the score (mean over all the target's languages, "
    "English included; mean ± std) and the gain over the baseline of the same setting (mean ± "
    "std of the per-seed gains); then the same for the zero-shot figure: "
    f"{OTHERS} (the gain `jaxstilts demo` prints). `beyond spread`: {_P} below "
    f"{ALPHA}; with few seeds the test is weak, so `no` often means 'not shown', not 'no gain'.",
    "transfer_gap": "The cross-lingual transfer gap as XTREME reports it (Hu et al. 2020): the "
    "English score minus the mean score of the other languages, per run, mean ± std over seeds. "
    "`change` is the gap minus the baseline's (negative: the intermediate task shrank the "
    f"degradation from English to the other languages); p: {_P}.",
    "resource_gains": "Gain over the baseline on high- and on low-resource target languages, "
    "mean ± std over seeds. Split: a language is high-resource if its Wikipedia had at least a "
    "million articles in 2020-21 (`jaxstilts.evaluate.results.HIGH_RESOURCE`: ar de en es fr it "
    "ja nl pl pt ru uk vi zh; Wikipedia's List of Wikipedias, the size measure the XTREME paper "
    f"uses to characterise its languages); every other language is low-resource. p: {_P}.",
    "target_size": "The zero-shot figure ("
    f"{OTHERS}) per size of the target's English training data (`target.train_examples`: its "
    "first N examples), mean ± std over seeds, and each intermediate task's gain over the "
    f"baseline trained on the same data; p: {_P}. Phang et al. (2018, 2020) find the gains of "
    "intermediate training largest where the target's data is small.",
    "robustness": "Score (mean over the target's languages) when the test inputs carry "
    "character noise at each rate (`evaluate.noise_rates`, `jaxstilts.evaluate.perturb`), mean "
    "± std over seeds; one figure per target, one line per setting and intermediate row.",
}


def write_studies(sweeps: Mapping[str, Sweep], out: Path, paths: dict[str, Path]) -> None:
    """Write every study section that the sweep has data for."""
    sweeps = dict(sweeps)
    several = len(sweeps) > 1

    def write(stem: str, title: str, table: Table, md: str) -> None:
        for name, text in ((f"{stem}.md", f"# {title}\n\n{INTROS[stem]}\n\n{md}"),
                           (f"{stem}.csv", to_csv(table))):
            paths[name] = out / name
            paths[name].write_text(text, encoding="utf-8")

    def figure(name: str, drawn: bool) -> None:
        if drawn:
            paths[name] = out / name

    def bars(stem: str, data: tuple, ylabel: str, title: str) -> None:
        figure(f"{stem}.png", plot_bars(*data, out / f"{stem}.png", ylabel, title))

    gains = seed_table(sweeps)
    write("gains", "Gains over seeds", gains, _markdown(gains, [
        ("setting", "setting"), ("target", "target"), ("intermediate", "intermediate"),
        ("seeds", "seeds"), ("score", ("mean", "std", False)),
        ("gain", ("gain", "gain_std", True)), ("p", "p_paired_t"),
        ("beyond spread", "beyond_spread"), ("others", ("others", "others_std", False)),
        ("gain on others", ("others_gain", "others_gain_std", True)),
        ("p (others)", "others_p_paired_t"), ("beyond spread (others)", "others_beyond_spread")],
        several))
    bars("gains", _bar_data(gains, "gain", "gain_std", several),
         "gain over the baseline (points)", "Gain per intermediate task (mean ± std over seeds)")

    gap = gap_table(sweeps)
    if gap[1]:
        write("transfer_gap", "Cross-lingual transfer gap", gap, _markdown(gap, [
            ("setting", "setting"), ("target", "target"), ("intermediate", "intermediate"),
            ("seeds", "seeds"), ("gap (en - others)", ("gap", "gap_std", False)),
            ("change vs baseline", ("gap_change", "gap_change_std", True)),
            ("p", "p_paired_t")], several))
        bars("transfer_gap", _bar_data(gap, "gap", "gap_std", several, with_baseline=True),
             "English minus other languages (points)",
             "Cross-lingual transfer gap (mean ± std over seeds)")

    resources = resource_gain_table(sweeps)
    if resources[1]:
        write("resource_gains", "Gains on high- vs low-resource languages", resources,
              _markdown(resources, [
                  ("setting", "setting"), ("target", "target"), ("intermediate", "intermediate"),
                  ("gain, high-resource", ("gain_high", "gain_high_std", True)),
                  ("p high", "p_high"), ("gain, low-resource", ("gain_low", "gain_low_std", True)),
                  ("p low", "p_low")], several))
        bars("resource_gains", _resource_bars(sweeps, several),
             "gain over the baseline (points)", "Gains by language resource level")

    sizes = target_size_table(sweeps)
    if sizes[1]:
        write("target_size", "Gain vs the target's English training size", sizes,
              _markdown(sizes, [
                  ("target", "target"), ("intermediate", "intermediate"),
                  ("English training examples", "train_examples"), ("seeds", "seeds"),
                  ("others", ("others", "others_std", False)),
                  ("gain on others", ("others_gain", "others_gain_std", True)),
                  ("p", "p_paired_t"), ("gain on en", ("en_gain", "en_gain_std", True))],
                  several=False))
        for target in dict.fromkeys(r[0] for r in sizes[1]):
            curves: dict[str, list] = {}
            for t, row, size, _, _, _, gain, gain_sd, *_ in sizes[1]:
                if t == target and row != BASELINE and gain is not None:
                    curves.setdefault(str(row), []).append((size, gain, gain_sd))
            name = f"target_size_{target}.png"
            figure(name, plot_lines(curves, out / name, "English training examples of the "
                                    "target (log scale)", "gain on others (points)",
                                    f"{target}: zero-shot gain over the baseline vs target data",
                                    zero=True, log_x=True))

    robustness = robustness_table(sweeps)
    if robustness[1]:
        write("robustness", "Robustness to character noise", robustness, _markdown(robustness, [
            ("setting", "setting"), ("target", "target"), ("intermediate", "intermediate"),
            ("noise rate", "noise_rate"), ("seeds", "seeds"),
            ("score", ("score", "std", False))], several))
        header, rows = robustness
        for target in dict.fromkeys(r[1] for r in rows):
            lines: dict[str, list] = {}
            for setting, t, row, rate, _, m, sd in rows:
                if t == target and m is not None:
                    if row == BASELINE:  # one line: it has no intermediate settings
                        setting = ", ".join(x for x in str(setting).split(", ")
                                            if not x.startswith("intermediate."))
                    name = ", ".join(x for x in (row, setting) if x)
                    if all(point[0] != rate for point in lines.get(name, [])):
                        lines.setdefault(name, []).append((rate, m, sd))
            name = f"robustness_{target}.png"
            figure(name, plot_lines(lines, out / name, "character-noise rate",
                                    "score (mean over languages)",
                                    f"{target}: score under character noise",
                                    chance=chance_level(target)))


def study_index(paths: Mapping[str, Path]) -> list[str]:
    """report.md's list of the study sections written, with their figures."""
    sections = [("gains", "Gains over seeds (mean ± std, paired test)"),
                ("transfer_gap", "Cross-lingual transfer gap (relatedness study)"),
                ("resource_gains", "High- vs low-resource gains (low-resource NLI study)"),
                ("target_size", "Gain vs target training size (target-size study)"),
                ("robustness", "Robustness curves (sequence-length study)")]
    lines = ["## Studies", ""]
    for stem, title in sections:
        if f"{stem}.md" in paths:
            lines.append(f"- [{title}]({stem}.md) ([csv]({stem}.csv))")
    lines.append("")
    for name in paths:
        if "/" not in name and name.endswith(".png") and not name.startswith("heatmap"):
            lines += [f"![{name}]({name})", ""]
    return lines


# ---------------------------------------------------------------- rendering


def _markdown(table: Table, columns: list[tuple[str, str | tuple[str, str, bool]]],
              several: bool) -> str:
    """Columns by name; a (mean, std, signed) triple renders as `mean ± std`; p to 3 places.
    The setting column only when the sweep has several settings."""
    header, rows = table
    at = {name: i for i, name in enumerate(header)}
    columns = [c for c in columns if several or c[1] != "setting"]
    lines = ["| " + " | ".join(t for t, _ in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for _, spec in columns:
            if isinstance(spec, tuple):
                cells.append(plus_minus(row[at[spec[0]]], row[at[spec[1]]], spec[2]))
            elif spec.startswith("p_") or "_p_" in spec:  # a p-value column
                value = row[at[spec]]
                cells.append(f"{value:.3f}" if isinstance(value, float) else "–")
            else:
                cells.append(format_cell(row[at[spec]], False))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _group(setting: Cell, row: Cell, several: bool) -> str:
    return f"{row} [{setting}]" if several and setting else str(row)


def _bar_data(table: Table, mean_col: str, std_col: str, several: bool,
              with_baseline: bool = False):
    """(groups = rows, series = targets) of a seeds table, for `plot_bars`."""
    header, rows = table
    at = {name: i for i, name in enumerate(header)}
    keep = [r for r in rows if with_baseline or r[at["intermediate"]] != BASELINE]
    groups = list(dict.fromkeys(_group(r[0], r[at["intermediate"]], several) for r in keep))
    targets = list(dict.fromkeys(r[at["target"]] for r in keep))
    series = {t: [(None, None)] * len(groups) for t in targets}
    for r in keep:
        i = groups.index(_group(r[0], r[at["intermediate"]], several))
        series[r[at["target"]]][i] = (r[at[mean_col]], r[at[std_col]])
    return groups, series


def _resource_bars(sweeps: Mapping[str, Sweep], several: bool):
    """Per intermediate row: the gain on high- and on low-resource languages, averaged over
    targets within each seed, then mean ± std over seeds."""
    groups, series = [], {"high-resource": [], "low-resource": []}
    for setting, sweep in sweeps.items():
        for row in sweep.intermediates:
            groups.append(_group(setting, row, several))
            for group, name in (("high", "high-resource"), ("low", "low-resource")):
                per_seed = _seed_means(sweep, row, lambda r, g=group: group_mean(r.languages, g))
                series[name].append(mean_std(per_seed))
    return groups, series


def _seed_means(sweep: Sweep, row: str, value: Callable[[Run], float | None]) -> list[float]:
    """Per seed: the gain over the baseline averaged over the targets that seed has."""
    by_seed: dict = {}
    for target in sweep.targets:
        base = sweep.seed_runs(BASELINE, target)
        for seed, run in sweep.seed_runs(row, target).items():
            if seed in base and (a := value(run)) is not None and (b := value(base[seed])) \
                    is not None:
                by_seed.setdefault(seed, []).append(a - b)
    return [mean(v) for v in by_seed.values()]
