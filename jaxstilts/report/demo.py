"""What `jaxstilts demo` prints: the zero-shot table over seeds, and whether the paper's effect
showed on this run.

The demo asks the paper's question on the embedded data: does a related English intermediate
task (demo_nli: the target's decision on other sentences) raise zero-shot accuracy in the *other*
languages over the baseline, and an unrelated one (demo_sst, single-sentence sentiment) less? So
the gains here are on `runs.OTHERS` (the mean of the non-English languages), paired over seeds
(`report.seeds.others_gain`, the figure the report's `others` columns hold too), and the verdict
is computed from them, never written in advance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jaxstilts.report.runs import BASELINE, OTHERS, Run, Sweep, run_from_record, sweeps_by_setting
from jaxstilts.report.seeds import ALPHA, mean_std, others_gain, paired_gain, plus_minus, verdict

# The demo's intermediate tasks and their relation to its target (demo_xnli, sentence-pair NLI).
ROLES = {"demo_nli": "related", "demo_sst": "unrelated"}


def _english(run: Run) -> float | None:
    return run.languages.get("en")


def _sweeps(records: Sequence[Mapping[str, Any]]) -> dict[str, Sweep]:
    return sweeps_by_setting([run_from_record(r) for r in records])


def _spread(values: Sequence[float]) -> str:
    return plus_minus(*mean_std(values))


def _label(row: str) -> str:
    return f"{row} ({ROLES[row]})" if row in ROLES else row


def demo_table(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Per target (and setting): each row's score per language and on `others`, over seeds as
    mean ± std; the gain over the baseline on English and on `others`, and whether the latter
    exceeds the seed spread (paired t-test over seeds, p < 0.05)."""
    lines = []
    for setting, sweep in _sweeps(records).items():
        for target in sweep.targets:
            langs = sweep.languages(target)
            seeds = max(len(sweep.seed_runs(row, target)) for row in sweep.rows)
            over = f", mean ± std over {seeds} seeds" if seeds > 1 else ""
            where = f" [{setting}]" if setting else ""
            lines += [f"\nZero-shot score on {target}{where} (trained on English only{over}; "
                      f"{OTHERS}):", "", "| run | " + " | ".join(langs) + " | others | "
                      "gain on en | gain on others | beyond spread |",
                      "|---|" + "---|" * (len(langs) + 4)]
            for row in sweep.rows:
                runs_ = list(sweep.seed_runs(row, target).values())
                if not runs_:
                    continue
                cells = [_spread([r.languages[lang] for r in runs_ if lang in r.languages])
                         for lang in langs]
                others = _spread([v for r in runs_ if (v := r.others_mean) is not None])
                english, gain, test = "–", "–", "–"
                if row != BASELINE:
                    e_m, e_sd, _ = paired_gain(sweep.paired(row, target, _english))
                    english = plus_minus(e_m, e_sd, signed=True)
                    m, sd, p, n = others_gain(sweep, row, target)
                    gain = plus_minus(m, sd, signed=True)
                    test = verdict(p, n) + (f" (p={p:.3f})" if p is not None else "")
                lines.append(f"| {_label(row)} | " + " | ".join(cells) +
                             f" | {others} | {english} | {gain} | {test} |")
    return lines


def demo_verdict(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Whether the paper's effect showed, from the measured gains: the related task's gain on
    `others` is positive and beyond the seed spread (paired t-test, p < 0.05), and larger than
    the unrelated task's. Empty when the runs lack a baseline or a related task."""
    lines = []
    for setting, sweep in _sweeps(records).items():
        for target in sweep.targets:
            gains = {row: others_gain(sweep, row, target)
                     for row in sweep.intermediates if row in ROLES}
            related = [row for row in gains if ROLES[row] == "related"]
            if not related or gains[related[0]][0] is None:
                continue
            row = related[0]
            m, sd, p, _ = gains[row]
            unrelated = [(r, g) for r, g in gains.items()
                         if ROLES[r] == "unrelated" and g[0] is not None]
            shows = (m > 0 and p is not None and p < ALPHA
                     and all(m > g[0] for _, g in unrelated))
            where = f" [{setting}]" if setting else ""
            said = ("shows" if shows else "does NOT show")
            parts = [f"related {row} {plus_minus(m, sd, signed=True)}"
                     + (f" (p={p:.3f})" if p is not None else "")]
            parts += [f"unrelated {r} {plus_minus(g[0], g[1], signed=True)}"
                      + (f" (p={g[2]:.3f})" if g[2] is not None else "") for r, g in unrelated]
            lines.append(f"\nThe paper's effect {said} here{where}: gain over the baseline on "
                         f"the other languages of {target} (mean of the non-English languages): "
                         + ", ".join(parts)
                         + ". Shown means: the related gain is positive, beyond the seed spread "
                         f"(paired t-test, p < {ALPHA}), and above the unrelated one's.")
    return lines
