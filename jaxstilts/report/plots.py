"""Report figures: the intermediate x target heatmap and per-language heatmaps (matplotlib,
imported only when drawing)."""

from __future__ import annotations

from pathlib import Path

from jaxstilts.figures import annotate_cells, save_png
from jaxstilts.report.runs import Sweep
from jaxstilts.report.tables import delta_table, language_table, score_table

# Figure labels as the paper prints them; other names are shown as they are.
LABELS = {
    "anli_plus": "ANLI+", "mnli": "MNLI", "qqp": "QQP", "sst2": "SST-2", "squad_v2": "SQuAD",
    "squad_v1": "SQuAD v1.1", "hellaswag": "HellaSwag", "ccg": "CCG", "cosmos_qa": "Cosmos QA",
    "commonsense_qa": "CSQA", "xnli": "XNLI", "pawsx": "PAWS-X", "udpos": "POS", "panx": "NER",
    "xquad": "XQuAD", "mlqa": "MLQA", "tydiqa": "TyDiQA", "bucc2018": "BUCC",
    "tatoeba": "Tatoeba",
}  # fmt: skip


# ---------------------------------------------------------------- heatmap


def heatmap_data(sweep: Sweep) -> tuple[list[str], list[str], list[list[float | None]], bool]:
    """(rows, columns, values, is_delta): deltas vs baseline when any target has a baseline
    (and there are intermediates), else raw scores; the last column is the row average."""
    deltas = delta_table(sweep)
    is_delta = len(deltas[0]) > 2 and bool(deltas[1])
    header, rows = deltas if is_delta else score_table(sweep)
    values = [[c if isinstance(c, float) else None for c in r[1:]] for r in rows]
    return [str(r[0]) for r in rows], header[1:], values, is_delta


def label(name: str) -> str:
    """The figure label of a task or row (`LABELS`; multi-task rows joined or counted)."""
    parts = name.split("+")
    if len(parts) > 3:
        return f"Multi-task ({len(parts)})"
    return "+".join(LABELS.get(p, p) for p in parts)


def plot_heatmap(sweep: Sweep, path: Path) -> bool:
    """Write the intermediate × target heatmap; False (nothing written) when nothing to plot."""
    rows, cols, values, is_delta = heatmap_data(sweep)
    title = ("Gain over the baseline (no intermediate task)" if is_delta
             else "Target-task scores (no baseline run: raw scores)")
    return _draw(rows, [label(c) if c != "avg" else "Avg" for c in cols], values, is_delta, path,
                 "Target task", title)


def plot_language_heatmap(sweep: Sweep, target: str, path: Path) -> bool:
    """Intermediate × language deltas of one target (the zero-shot gain per language)."""
    table = language_table(sweep, target)
    header, rows = table
    deltas = [r for r in rows if r[1] == "delta"]
    if not deltas:
        return False
    keep = [i for i, c in enumerate(header) if i >= 2 and c != "avg"]  # languages, `others`
    values = [[r[i] if isinstance(r[i], float) else None for i in keep] for r in deltas]
    cols = [header[i] for i in keep]
    return _draw([str(r[0]) for r in deltas], cols, values, True, path, "Language",
                 f"{label(target)}: zero-shot gain over the baseline per language\n"
                 "(others: mean over the languages other than English)")


def _draw(rows: list[str], cols: list[str], values: list[list[float | None]], is_delta: bool,
          path: Path, xlabel: str, title: str) -> bool:
    import matplotlib
    import numpy as np
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure  # no pyplot: no global state, Agg canvas

    data = np.ma.masked_invalid(np.array(values, dtype=float))
    if not rows or data.mask.all():
        return False
    low, high = float(data.min()), float(data.max())
    if is_delta:
        lim = max(abs(low), abs(high)) or 1.0
        cmap, norm = matplotlib.colormaps["RdBu"], Normalize(-lim, lim)
    else:
        cmap, norm = matplotlib.colormaps["viridis"], Normalize(low, high)
    fig = Figure(figsize=(max(5.0, 2.4 + 0.9 * len(cols)), max(3.0, 1.6 + 0.5 * len(rows))))
    ax = fig.add_subplot()
    image = ax.imshow(data, cmap=cmap.with_extremes(bad="0.88"), norm=norm, aspect="auto")
    annotate_cells(ax, data, image, is_delta)
    ax.axvline(len(cols) - 1.5, color="white", linewidth=4)  # sets the average column apart
    ax.set_xticks(range(len(cols)), cols, rotation=30 if len(cols) > 6 else 0,
                  ha="right" if len(cols) > 6 else "center")
    ax.set_yticks(range(len(rows)), [label(r) for r in rows])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Intermediate task" if is_delta else "Intermediate task (or baseline)")
    ax.set_title(title)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    bar.set_label("Δ score vs baseline (points)" if is_delta else "score")
    ax.tick_params(length=0)
    return save_png(fig, path)


# ---------------------------------------------------------------- studies


def plot_bars(groups: list[str], series: dict[str, list[tuple[float | None, float | None]]],
              path: Path, ylabel: str, title: str) -> bool:
    """Grouped bars: one group per entry of `groups`, one bar per series (mean, std error
    bar); False (nothing written) when there is no value."""
    import numpy as np
    from matplotlib.figure import Figure

    if not groups or all(m is None for values in series.values() for m, _ in values):
        return False
    fig = Figure(figsize=(max(5.5, 1.5 + 1.1 * len(groups) * max(1, len(series)) ** 0.5), 4.2))
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    x = np.arange(len(groups))
    for i, (name, values) in enumerate(series.items()):
        means = [np.nan if m is None else m for m, _ in values]
        errors = [0.0 if s is None else s for _, s in values]
        ax.bar(x + (i - (len(series) - 1) / 2) * width, means, width, yerr=errors, capsize=3,
               label=label(name) if name in LABELS or "+" in name else name)
    ax.axhline(0, color="0.3", linewidth=0.8)
    names = [label(g) for g in groups]
    tilt = len(groups) > 5 or max(len(n) for n in names) * len(groups) > 40
    ax.set_xticks(x, names, rotation=25 if tilt else 0, ha="right" if tilt else "center",
                  fontsize=8 if tilt else None)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=8)
    return save_png(fig, path)


# A line whose every point lies this close to chance (in points) says nothing: the plot says so.
CHANCE_BAND = 3.0


def all_at_chance(means: list[float], chance: float) -> bool:
    """Whether every plotted mean lies within `CHANCE_BAND` points of chance."""
    return bool(means) and all(abs(m - chance) <= CHANCE_BAND for m in means)


def y_range(lows: list[float], highs: list[float], min_span: float,
            chance: float | None = None) -> tuple[float, float]:
    """The y-limits of a curve plot: the data (mean ± std) padded to at least `min_span`
    points; with `chance`, never starting above it (the floor: padding goes above instead)."""
    lo, hi = min(lows), max(highs)
    floor = chance is not None and lo >= chance - 1.0  # no data below chance: floor there
    if chance is not None:
        lo = min(lo, chance - 1.0)
    if hi - lo < min_span:
        pad = (min_span - (hi - lo)) / 2
        lo, hi = lo - pad, hi + pad
        if floor:
            lo, hi = chance - 1.0, chance - 1.0 + min_span
    return lo - 0.5, hi + 0.5


def plot_lines(lines: dict[str, list[tuple[float, float, float | None]]], path: Path,
               xlabel: str, ylabel: str, title: str, *, chance: float | None = None,
               min_span: float = 10.0, zero: bool = False, log_x: bool = False) -> bool:
    """One line per entry: (x, mean, std) points, the std as a band; False when empty.

    The y-axis spans at least `min_span` points, so that noise of a point or two is not
    stretched into a trend. With `chance` (a score's guessing level) the axis starts at or below
    it, draws it, and the title says so when every point is within `CHANCE_BAND` of it; `zero`
    draws the zero line (for gains)."""
    from matplotlib.figure import Figure

    lines = {k: sorted(v) for k, v in lines.items() if v}
    if not lines:
        return False
    fig = Figure(figsize=(6.0, 4.0))
    ax = fig.add_subplot()
    lows, highs = [], []
    for name, points in lines.items():
        xs, ms = [p[0] for p in points], [p[1] for p in points]
        sds = [p[2] or 0.0 for p in points]
        ax.plot(xs, ms, marker="o", label=name)
        if any(p[2] is not None for p in points):
            ax.fill_between(xs, [m - s for m, s in zip(ms, sds, strict=True)],
                            [m + s for m, s in zip(ms, sds, strict=True)], alpha=0.15)
        lows += [m - s for m, s in zip(ms, sds, strict=True)]
        highs += [m + s for m, s in zip(ms, sds, strict=True)]
    means = [p[1] for points in lines.values() for p in points]
    if chance is not None:
        ax.axhline(chance, color="0.4", linestyle="--", linewidth=0.9, label="chance")
        if all_at_chance(means, chance):
            title += f"\n(every run is at chance: within {CHANCE_BAND:g} points of {chance:.1f})"
    if zero:
        ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_ylim(*y_range(lows + ([0.0] if zero else []), highs + ([0.0] if zero else []),
                         min_span, chance))
    if log_x:
        ax.set_xscale("log")
        xs = sorted({p[0] for points in lines.values() for p in points})
        ax.set_xticks(xs, [f"{x:g}" for x in xs])
        ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return save_png(fig, path)
