"""Accelerator-hours of a plan's training, from the step time the benchmarks measured.

A training step is costed in proportion to the tokens it carries against a reference step
(32 rows x 256 tokens of XLM-R Large, bf16), whose time on each hardware follows from its peak
FLOP/s and the MFU `jaxstilts bench` measured (issue 23: 23.5% on one H200, before scanned
layers). Every row counts at its phase's full length (the bucketed loader pads less: an upper
bound), one sequence per answer choice; a phase's steps are the pipeline's (`steps`, else
ceil(epochs x training rows / batch)), from the English training-set sizes below. Validation,
evaluation and compiles are left out. `benchmarks/grid_cost.py` prints the same for the paper
grid under other MFUs.
"""

from __future__ import annotations

import math

from jaxstilts.bench import PEAK_FLOPS, non_embedding_params, train_flops
from jaxstilts.experiment.feeds import training_task
from jaxstilts.model.config import XLMRConfig
from jaxstilts.sweep.plan import Job
from jaxstilts.tasks import get_task, has_target_phase

# English training examples of the tasks that train (Hugging Face dataset cards; CCG: CCGbank
# sections 02-21; SIQA and COPA: their papers' train splits).
TRAIN_SIZE = {
    "anli_plus": 550_152 + 392_702 + 16_946 + 45_460 + 100_459,  # SNLI + MNLI + ANLI R1-R3
    "mnli": 392_702, "qqp": 363_846, "sst2": 67_349, "squad_v2": 130_319,
    "hellaswag": 39_905, "ccg": 39_604, "cosmos_qa": 25_262, "commonsense_qa": 9_741,
    "pawsx": 49_401, "udpos": 21_253, "panx": 20_000, "squad_v1": 87_599, "tydiqa": 3_696,
    "siqa": 33_410, "copa": 400,
}
REFERENCE_ROWS, REFERENCE_LENGTH = 32, 256
# --hardware: (device in bench.PEAK_FLOPS, chips per job, MFU, where the MFU comes from).
HARDWARE = {
    "h200": ("H200", 1, 0.235, "23.5% MFU measured on one H200 (issue 23)"),
    "tpu-v4-8": ("TPU v4", 4, 0.235, "the H200's measured 23.5% MFU assumed on 4 chips, "
                 "not measured"),
}


def reference_step_s(device: str, chips: int, mfu: float) -> float:
    """Seconds of the reference step (XLM-R Large, 32 x 256) at `mfu` of the peak."""
    return (train_flops(XLMRConfig.preset("large"), REFERENCE_ROWS, REFERENCE_LENGTH)
            / (chips * PEAK_FLOPS[device] * mfu))


def phase_cost(sizes: dict[str, int], lengths: dict[str, int], steps: int | None,
               epochs: float, batch: int, scale: float = 1.0) -> tuple[int, float]:
    """(optimizer steps, cost in reference steps) of one phase; a multi-task phase samples tasks
    in proportion to their size, so its step costs the size-weighted mean."""
    total = sum(sizes.values())
    steps = steps or max(1, math.ceil(epochs * total / batch))
    per_step = sum(n / total * batch * (get_task(t).num_choices or 1) * lengths[t]
                   for t, n in sizes.items()) / (REFERENCE_ROWS * REFERENCE_LENGTH)
    return steps, steps * per_step * scale


def _model_scale(config) -> float:
    """The job's encoder against XLM-R Large, by parameters outside the embeddings (a named
    hub model: large unless its name says base)."""
    m = config["model"]
    name = m["preset"] or ("base" if "base" in m["pretrained"].lower() else "large")
    try:
        cfg = XLMRConfig.preset(name)
    except (KeyError, ValueError):
        return 1.0
    return non_embedding_params(cfg) / non_embedding_params(XLMRConfig.preset("large"))


def job_cost(job: Job) -> tuple[int, float] | None:
    """(steps, reference steps) of the training in `job`; (0, 0) when it trains nothing (a
    retrieval target evaluated straight from the encoder); None when a training-set size is
    not known."""
    config = job.config
    if job.kind == "intermediate":
        phase, tasks, epochs = "intermediate", job.spec["tasks"], None
    elif job.kind == "prepare":
        phase, tasks, epochs = "target", [job.spec["stage"]], config["target"]["prepare_epochs"]
    else:
        target = config["target"]["task"]
        if not has_target_phase(target):
            return 0, 0.0
        phase, tasks, epochs = "target", [training_task(target)], None
    p = config[phase]
    if any(t not in TRAIN_SIZE for t in tasks) and not (p["steps"] and epochs is None):
        return None
    length = p["max_length"] or config["data"]["max_length"]
    sizes = {t: TRAIN_SIZE.get(t, 1) for t in tasks}
    lengths = {t: length or get_task(t).max_length for t in tasks}
    return phase_cost(sizes, lengths, p["steps"] if epochs is None else None,
                      p["epochs"] if epochs is None else epochs, p["batch_size"],
                      _model_scale(config))


def estimate_lines(jobs: list[Job], hardware: str) -> list[str]:
    """What `--plan --hardware NAME` adds: the training's accelerator-hours on one NAME per
    job, and the jobs it could not cost."""
    device, chips, mfu, source = HARDWARE[hardware]
    step_s = reference_step_s(device, chips, mfu)
    costs = {job.id: job_cost(job) for job in jobs}
    unknown = [job_id for job_id, cost in costs.items() if cost is None]
    steps = sum(c[0] for c in costs.values() if c)
    reference = sum(c[1] for c in costs.values() if c)
    lines = [f"estimate on one {hardware} per job (reference step {step_s:.4f} s: {source}): "
             f"{steps:,} training steps, {reference:,.0f} reference steps, "
             f"{reference * step_s / 3600:,.1f} accelerator-hours of training (validation, "
             "evaluation and compiles left out)"]
    if unknown:
        lines.append(f"not costed (training-set size not known): {', '.join(unknown)}")
    return lines
