"""The paper's whole grid for XLM-R Large: 9 intermediate tasks + multi-task, × 9 targets, plus
the baseline. Intermediate phases are trained once and shared by every target.

    jaxstilts sweep paper/grid.py --workdir gs://BUCKET/stilts-grid
    jaxstilts report gs://BUCKET/stilts-grid
"""

from jaxstilts.configs.paper.common import INTERMEDIATE, MULTI_TASK, TARGETS, paper_config


def get_config():
    c = paper_config((), "xnli")
    c.name = "paper-grid"
    c.sweep.intermediate = INTERMEDIATE + (MULTI_TASK,)
    c.sweep.targets = TARGETS
    c.sweep.baseline = True
    return c
