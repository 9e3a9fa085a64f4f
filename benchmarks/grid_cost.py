"""Accelerator-hours of the paper grid (`jaxstilts/configs/paper/grid.py`) from a step time.

    PYTHONPATH=. python benchmarks/grid_cost.py [STEP_S ...]   (STEP_S: a measured reference step)

The costing is `jaxstilts.sweep.cost`'s (as `jaxstilts sweep CONFIG --plan --hardware h200`
prints it for any grid): steps per phase as the pipeline counts them, each step costed in
proportion to its tokens against the reference step (32 rows x 256 tokens, XLM-R Large, bf16),
training-set sizes from the datasets' cards. Here the paper grid under several MFUs, per phase.
Validation, evaluation and compiles are left out (see README).
"""

from __future__ import annotations

import sys

from jaxstilts.configs.paper.common import INTERMEDIATE, MULTI_TASK, QA, TARGET_EPOCHS, TARGETS
from jaxstilts.experiment.feeds import training_task
from jaxstilts.sweep.cost import TRAIN_SIZE, phase_cost, reference_step_s
from jaxstilts.tasks import get_task, has_target_phase

# The reference step's time on each accelerator from an MFU: the one measured (H200, XLM-R Large
# bf16 32 x 256, issue 23: 23.5%, before scanned layers), the target (45%), and the
# measured MFU carried over to a TPU v4-8 (4 chips; not measured).
SCENARIOS = (("H200, measured 23.5% MFU", "H200", 1, 0.235),
             ("H200, target 45% MFU", "H200", 1, 0.45),
             ("TPU v4-8, 23.5% MFU assumed", "TPU v4", 4, 0.235),
             ("TPU v4-8, 45% MFU assumed", "TPU v4", 4, 0.45))


def _phase(tasks: tuple[str, ...], epochs: float, batch: int) -> tuple[int, float]:
    return phase_cost({t: TRAIN_SIZE[t] for t in tasks},
                      {t: get_task(t).max_length for t in tasks}, None, epochs, batch)


def grid() -> list[tuple[str, int, float]]:
    rows = []
    for entry in INTERMEDIATE + (MULTI_TASK,):
        tasks = tuple(entry.split("+"))
        batch = 16 if any(t in QA for t in tasks) else 32
        rows.append((f"intermediate {entry if len(tasks) == 1 else 'multi-task'}",
                     *_phase(tasks, 2.0, batch)))
    runs = len(INTERMEDIATE) + 2  # each intermediate, multi-task, and the baseline
    for target in TARGETS:
        if not has_target_phase(target):  # BUCC, Tatoeba: evaluated with the encoder as it is
            continue
        steps, cost = _phase((training_task(target),), TARGET_EPOCHS[target],
                             16 if target in QA else 32)
        rows.append((f"target {target} x {runs}", steps * runs, cost * runs))
    return rows


def main(argv: list[str]) -> None:
    scenarios = ([(f"measured {a} s", float(a)) for a in argv]
                 or [(name, reference_step_s(*rest)) for name, *rest in SCENARIOS])
    rows = grid()
    total_steps = sum(s for _, s, _ in rows)
    total_cost = sum(c for *_, c in rows)
    for name, steps, cost in rows:
        print(f"{name:<32} {steps:>9,} steps {cost:>11,.0f} reference steps")
    print(f"{'total':<32} {total_steps:>9,} steps {total_cost:>11,.0f} reference steps")
    for name, t in scenarios:
        print(f"{name:<30} reference step {t:.4f} s: {total_cost * t / 3600:,.1f} "
              "accelerator-hours (training only)")


if __name__ == "__main__":
    main(sys.argv[1:])
