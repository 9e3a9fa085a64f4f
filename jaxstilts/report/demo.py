"""What `jaxstilts demo` prints: the zero-shot table over seeds, and whether the paper's effect
showed on this run.

The demo asks the paper's question on the embedded data: does a related English intermediate
task (demo_nli, the target's task type) raise zero-shot accuracy in the *other* languages over
the baseline, and an unrelated one (demo_sst, single-sentence sentiment) less? So the gains here
are on the mean of the non-English languages, paired over seeds (`report.seeds.paired_gain`), and
the verdict is computed from them, never written in advance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jaxstilts.report.runs import BASELINE, Run, Sweep, run_from_record, sweeps_by_setting
from jaxstilts.report.seeds import ALPHA, mean_std, paired_gain, plus_minus, verdict

# The demo's intermediate tasks and their relation to its target (demo_xnli, sentence-pair NLI).
ROLES = {"demo_nli": "related", "demo_sst": "unrelated"}


def _others_mean(run: Run) -> float | None:
    return run.others_mean  # the zero-shot figure the demo's gains are on


def _sweeps(records: Sequence[Mapping[str, Any]]) -> dict[str, Sweep]:
    return sweeps_by_setting([run_from_record(r) for r in records])


def _spread(values: Sequence[float]) -> str:
    return plus_minus(*mean_std(values))


def _label(row: str) -> str:
    return f"{row} ({ROLES[row]})" if row in ROLES else row


def demo_table(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Per target (and setting): each row's score per language, on English and on the mean of
    the other languages, over seeds as mean ± std; the gain on the other languages over the
    baseline and whether it exceeds the seed spread (paired t-test over seeds, p < 0.05)."""
    lines = []
    for setting, sweep in _sweeps(records).items():
        for target in sweep.targets:
            langs = sweep.languages(target)
            seeds = max(len(sweep.seed_runs(row, target)) for row in sweep.rows)
            over = f", mean ± std over {seeds} seeds" if seeds > 1 else ""
            where = f" [{setting}]" if setting else ""
            lines += [f"\nZero-shot score on {target}{where} (trained on English only{over}):",
                      "", "| run | " + " | ".join(langs) + " | other languages | gain | "
                      "beyond spread |", "|---|" + "---|" * (len(langs) + 3)]
            for row in sweep.rows:
                runs_ = list(sweep.seed_runs(row, target).values())
                if not runs_:
                    continue
                cells = [_spread([r.languages[lang] for r in runs_ if lang in r.languages])
                         for lang in langs]
                others = _spread([v for r in runs_ if (v := r.others_mean) is not None])
                gain, test = "–", "–"
                if row != BASELINE:
                    pairs = sweep.paired(row, target, _others_mean)
                    m, sd, p = paired_gain(pairs)
                    gain = plus_minus(m, sd, signed=True)
                    test = verdict(p, len(pairs)) + (f" (p={p:.3f})" if p is not None else "")
                lines.append(f"| {_label(row)} | " + " | ".join(cells) +
                             f" | {others} | {gain} | {test} |")
    return lines


def demo_verdict(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Whether the paper's effect showed, from the measured gains: the related task's gain on
    the other languages is positive and beyond the seed spread (paired t-test, p < 0.05), and
    larger than the unrelated task's. Empty when the runs lack a baseline or a related task."""
    lines = []
    for setting, sweep in _sweeps(records).items():
        for target in sweep.targets:
            gains = {row: paired_gain(sweep.paired(row, target, _others_mean))
                     for row in sweep.intermediates if row in ROLES}
            related = [row for row in gains if ROLES[row] == "related"]
            if not related or gains[related[0]][0] is None:
                continue
            row = related[0]
            m, sd, p = gains[row]
            unrelated = [(r, g) for r, g in gains.items()
                         if ROLES[r] == "unrelated" and g[0] is not None]
            shows = (m > 0 and p is not None and p < ALPHA
                     and all(m > g[0] for _, g in unrelated))
            where = f" [{setting}]" if setting else ""
            said = ("shows" if shows else "does NOT show")
            parts = [f"related {row} {plus_minus(m, sd, signed=True)}"
                     + (f" (p={p:.3f})" if p is not None else "")]
            parts += [f"unrelated {r} {plus_minus(g[0], g[1], signed=True)}"
                      for r, g in unrelated]
            lines.append(f"\nThe paper's effect {said} here{where}: gain over the baseline on "
                         f"the mean of the other languages of {target}: " + ", ".join(parts)
                         + ". Shown means: the related gain is positive, beyond the seed spread "
                         f"(paired t-test, p < {ALPHA}), and above the unrelated one's.")
    return lines
