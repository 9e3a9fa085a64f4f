"""Tables over seeds and study axes: mean ± std per cell with a paired test of each gain, the
cross-lingual transfer gap, high- vs low-resource gains, robustness to noise, and the paper's
headline comparison.

The test: a gain over the baseline is "beyond the seed spread" when a two-sided paired t-test
over seeds (run and baseline of the same seed, so the pair shares its target-phase seed) gives
p < 0.05. With 3 seeds the test has little power: a real gain of the size of the spread often
reads "no"; a "yes" needs the gain to be large against its own variation.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean, stdev

from jaxstilts.report.analyses import group_mean
from jaxstilts.report.runs import BASELINE, Run, Sweep
from jaxstilts.report.tables import Cell, Table, format_cell

ALPHA = 0.05  # the paired test's level

# Phang et al. 2020, "English intermediate-task training improves zero-shot cross-lingual
# transfer too" (AACL 2020, arXiv:2005.13013), abstract.
PAPER = {
    "source": "Phang et al. 2020, AACL, arXiv:2005.13013, abstract",
    "best_overall": ("mnli", "squad_v2", "hellaswag"),
    "multi_task": "multi-task intermediate training: small additional improvements",
    "best_per_target_gain": 5.4,  # XTREME points over XLM-R Large, best intermediate per target
}


def paired_gain(pairs: Sequence[tuple[float, float]]) -> tuple[float | None, float | None,
                                                                 float | None]:
    """(mean gain, std of the gains, p of the two-sided paired t-test) over seeds; std needs
    2 seeds, p too. Gains without any spread give p = 0 (or 1 when they are all zero)."""
    gains = [a - b for a, b in pairs]
    if not gains:
        return None, None, None
    if len(gains) < 2:
        return gains[0], None, None
    m, sd = mean(gains), stdev(gains)
    if sd == 0:
        return m, sd, 0.0 if m != 0 else 1.0
    from scipy import stats  # a dependency of jax

    t = m / (sd / len(gains) ** 0.5)
    return m, sd, float(2 * stats.t.sf(abs(t), df=len(gains) - 1))


def verdict(p: float | None, n: int) -> str:
    """"yes" / "no" for p vs `ALPHA`, or why there is no test."""
    if p is None:
        return f"n/a ({n} seed{'s' * (n != 1)})"
    return "yes" if p < ALPHA else "no"


def mean_std(values: Sequence[float]) -> tuple[float | None, float | None]:
    """(mean, std) of `values`; std needs 2 values, the mean 1."""
    if not values:
        return None, None
    return mean(values), stdev(values) if len(values) > 1 else None


def _cells(sweeps: dict[str, Sweep]):
    for setting, sweep in sweeps.items():
        for target in sweep.targets:
            for row in sweep.rows:
                if sweep.seed_runs(row, target):
                    yield setting, sweep, target, row


def _score(run: Run) -> float | None:
    return run.score


def _others(run: Run) -> float | None:
    return run.others_mean


def others_gain(sweep: Sweep, row: str, target: str) -> tuple[float | None, float | None,
                                                               float | None, int]:
    """The zero-shot gain of `row` over the baseline (`runs.OTHERS`, paired over seeds): mean,
    std, paired-test p and the number of pairs. The demo and the report both print this."""
    pairs = sweep.paired(row, target, _others)
    return (*paired_gain(pairs), len(pairs))


def seed_table(sweeps: dict[str, Sweep]) -> Table:
    """Per (setting, target, row): seeds finished, mean ± std of the score, and the gain over
    the baseline: mean ± std over seeds, paired-test p, and whether it beats the spread; the
    same for the zero-shot figure `others` (`runs.OTHERS`)."""
    rows: list[list[Cell]] = []
    for setting, sweep, target, row in _cells(sweeps):
        runs = sweep.seed_runs(row, target)
        m, sd = mean_std([r.score for r in runs.values()])
        om, osd = mean_std([v for r in runs.values() if (v := r.others_mean) is not None])
        gain = gain_sd = p = ogain = ogain_sd = op = None
        beyond: Cell = None
        obeyond: Cell = None
        if row != BASELINE:
            pairs = sweep.paired(row, target, _score)
            gain, gain_sd, p = paired_gain(pairs)
            beyond = verdict(p, len(pairs)) if pairs else None
            ogain, ogain_sd, op, n = others_gain(sweep, row, target)
            obeyond = verdict(op, n) if n else None
        rows.append([setting, target, row, len(runs), m, sd, gain, gain_sd, p, beyond,
                     om, osd, ogain, ogain_sd, op, obeyond])
    return (["setting", "target", "intermediate", "seeds", "mean", "std", "gain", "gain_std",
             "p_paired_t", "beyond_spread", "others", "others_std", "others_gain",
             "others_gain_std", "others_p_paired_t", "others_beyond_spread"], rows)


SIZE_AXIS = "target.train_examples"  # the target-size study's axis


def target_size_table(sweeps: dict[str, Sweep]) -> Table:
    """Per (target, row, target training size): the zero-shot figure `others` (mean ± std over
    seeds) and the gain over the baseline of the same size on it (paired over seeds, with p),
    and on English; empty unless the sweep has a `target.train_examples` axis."""
    rows: list[list[Cell]] = []
    for _, sweep, target, row in _cells(sweeps):
        size = next((int(v) for r in sweep.runs for k, v in r.settings if k == SIZE_AXIS), None)
        if size is None:
            continue
        runs = sweep.seed_runs(row, target)
        m, sd = mean_std([v for r in runs.values() if (v := r.others_mean) is not None])
        gain = gain_sd = p = en = en_sd = None
        if row != BASELINE:
            gain, gain_sd, p, _ = others_gain(sweep, row, target)
            en, en_sd, _ = paired_gain(sweep.paired(row, target, lambda r: r.languages.get("en")))
        rows.append([target, row, size, len(runs), m, sd, gain, gain_sd, p, en, en_sd])
    rows.sort(key=lambda r: (str(r[0]), r[1] != BASELINE, str(r[1]), r[2]))
    return (["target", "intermediate", "train_examples", "seeds", "others", "others_std",
             "others_gain", "others_gain_std", "p_paired_t", "en_gain", "en_gain_std"], rows)


def gap_table(sweeps: dict[str, Sweep]) -> Table:
    """Per (setting, target, row): the transfer gap (English minus the mean of the other
    languages) mean ± std over seeds, and its change vs the baseline (negative: the
    intermediate task shrank the gap), paired over seeds."""
    rows: list[list[Cell]] = []
    for setting, sweep, target, row in _cells(sweeps):
        gaps = [g for r in sweep.seed_runs(row, target).values()
                if (g := r.transfer_gap) is not None]
        if not gaps:
            continue
        m, sd = mean_std(gaps)
        change = change_sd = p = None
        if row != BASELINE:
            change, change_sd, p = paired_gain(sweep.paired(row, target,
                                                            lambda r: r.transfer_gap))
        rows.append([setting, target, row, len(gaps), m, sd, change, change_sd, p])
    return (["setting", "target", "intermediate", "seeds", "gap", "gap_std", "gap_change",
             "gap_change_std", "p_paired_t"], rows)


def resource_gain_table(sweeps: dict[str, Sweep]) -> Table:
    """Per (setting, target, intermediate row): the gain over the baseline on high- and on
    low-resource languages (`jaxstilts.evaluate.results.HIGH_RESOURCE`), mean ± std over seeds
    with the paired test of each."""
    rows: list[list[Cell]] = []
    for setting, sweep, target, row in _cells(sweeps):
        if row == BASELINE:
            continue
        cells: list[Cell] = []
        for group in ("high", "low"):
            pairs = sweep.paired(row, target, lambda r, g=group: group_mean(r.languages, g))
            m, sd, p = paired_gain(pairs)
            cells += [m, sd, p]
        if any(c is not None for c in cells):
            rows.append([setting, target, row, *cells])
    return (["setting", "target", "intermediate", "gain_high", "gain_high_std", "p_high",
             "gain_low", "gain_low_std", "p_low"], rows)


def robustness_table(sweeps: dict[str, Sweep]) -> Table:
    """Per (setting, target, row, noise rate): the score under character noise (mean over the
    languages), mean ± std over seeds."""
    rows: list[list[Cell]] = []
    for setting, sweep, target, row in _cells(sweeps):
        runs = list(sweep.seed_runs(row, target).values())
        rates = sorted({x for r in runs for x in r.noise})
        for rate in rates:
            m, sd = mean_std([r.noise[rate] for r in runs if rate in r.noise])
            rows.append([setting, target, row, rate, sum(rate in r.noise for r in runs), m, sd])
    return ["setting", "target", "intermediate", "noise_rate", "seeds", "score", "std"], rows


def headline(sweep: Sweep) -> dict:
    """The paper's headline comparison on one setting's runs: the mean gain over targets of
    each intermediate row (ranked), and the best row per target with the mean, over the targets
    that have a baseline, of (best score - baseline) — the paper's "+5.4 over XLM-R Large"."""
    targets = [t for t in sweep.targets if sweep.has_baseline(t)]
    average = {}
    for row in sweep.intermediates:
        deltas = [sweep.delta(row, t) for t in targets]
        if deltas and all(d is not None for d in deltas):
            average[row] = mean(deltas)
    best = {}
    for t in targets:
        gains = {r: d for r in sweep.intermediates if (d := sweep.delta(r, t)) is not None}
        if gains:
            row = max(gains, key=gains.__getitem__)
            best[t] = (row, sweep.score(row, t), sweep.score(BASELINE, t), gains[row])
    ranked = sorted(average.items(), key=lambda kv: -kv[1])
    best_gain = mean(g for *_, g in best.values()) if best else None
    return {"average_gain": ranked, "best_per_target": best, "best_per_target_gain": best_gain}


def plus_minus(m: Cell, sd: Cell, signed: bool = False) -> str:
    """`m ± sd` (just `m` without a spread; "–" without a mean)."""
    if m is None:
        return "–"
    text = format_cell(m, signed)
    return f"{text} ± {sd:.1f}" if isinstance(sd, float) else text
