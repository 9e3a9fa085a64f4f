"""Accelerator-hours of the paper grid (`configs/paper/grid.py`) from a step time.

    PYTHONPATH=. python benchmarks/grid_cost.py [STEP_S ...]   (STEP_S: a measured reference step)

Steps per phase follow the pipeline (ceil(epochs x training examples / batch)); the grid's
settings (tasks, epochs, batch sizes, lengths) come from the paper configs, the training-set sizes
from the datasets' cards (below, English train splits). A step is costed in proportion to the
tokens it carries against the reference step (32 rows x 256 tokens, XLM-R Large, bf16): every
row padded to its task's full length (the bucketed loader pads less: an upper bound), one
sequence per answer choice. Validation, evaluation and compiles are left out (see README).
"""

from __future__ import annotations

import math
import sys

from jaxstilts.configs.paper.common import INTERMEDIATE, MULTI_TASK, QA, TARGET_EPOCHS, TARGETS

# English training examples (Hugging Face dataset cards; CCG: CCGbank sections 02-21).
TRAIN_SIZE = {
    "anli_plus": 550_152 + 392_702 + 16_946 + 45_460 + 100_459,  # SNLI + MNLI + ANLI R1-R3
    "mnli": 392_702, "qqp": 363_846, "sst2": 67_349, "squad_v2": 130_319,
    "hellaswag": 39_905, "ccg": 39_604, "cosmos_qa": 25_262, "commonsense_qa": 9_741,
    "xnli": 392_702, "pawsx": 49_401, "udpos": 21_253, "panx": 20_000, "xquad": 87_599,
    "mlqa": 87_599, "tydiqa": 3_696,
}
CHOICES = {"hellaswag": 4, "cosmos_qa": 4, "commonsense_qa": 5}  # sequences per example
RETRIEVAL = {"bucc2018", "tatoeba"}  # no training: evaluated with the encoder as it is
REFERENCE_TOKENS = 32 * 256
# The reference step's time on each accelerator from an MFU: the one measured (H200, XLM-R Large
# bf16 32 x 256, issue 23: 23.5%, before scanned layers), the target (45%), and the
# measured MFU carried over to a TPU v4-8 (4 chips; not measured).
SCENARIOS = (("H200, measured 23.5% MFU", "H200", 1, 0.235),
             ("H200, target 45% MFU", "H200", 1, 0.45),
             ("TPU v4-8, 23.5% MFU assumed", "TPU v4", 4, 0.235),
             ("TPU v4-8, 45% MFU assumed", "TPU v4", 4, 0.45))


def reference_step_s(chip: str, chips: int, mfu: float) -> float:
    from jaxstilts.bench import PEAK_FLOPS, train_flops
    from jaxstilts.model.config import XLMRConfig

    return train_flops(XLMRConfig.preset("large"), 32, 256) / (chips * PEAK_FLOPS[chip] * mfu)


def length(task: str) -> int:
    return 384 if task in QA else 256


def phase_cost(tasks: tuple[str, ...], epochs: float, batch: int) -> tuple[int, float]:
    """(optimizer steps, cost in reference steps) of one phase; a multi-task phase samples
    tasks in proportion to their size, so its step costs the size-weighted mean."""
    sizes = {t: TRAIN_SIZE[t] for t in tasks}
    steps = max(1, math.ceil(epochs * sum(sizes.values()) / batch))
    per_step = sum(n / sum(sizes.values()) * batch * CHOICES.get(t, 1) * length(t)
                   for t, n in sizes.items()) / REFERENCE_TOKENS
    return steps, steps * per_step


def grid() -> list[tuple[str, int, float]]:
    rows = []
    for entry in INTERMEDIATE + (MULTI_TASK,):
        tasks = tuple(entry.split("+"))
        batch = 16 if any(t in QA for t in tasks) else 32
        rows.append((f"intermediate {entry if len(tasks) == 1 else 'multi-task'}",
                     *phase_cost(tasks, 2.0, batch)))
    runs = len(INTERMEDIATE) + 2  # each intermediate, multi-task, and the baseline
    for target in TARGETS:
        if target in RETRIEVAL:
            continue
        steps, cost = phase_cost((target,), TARGET_EPOCHS[target], 16 if target in QA else 32)
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
