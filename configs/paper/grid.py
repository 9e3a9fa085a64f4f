"""The paper's whole grid for XLM-R Large: 9 intermediate tasks + multi-task, × 9 targets, plus
the baseline. Intermediate phases are trained once and shared by every target.

    jaxstilts sweep paper/grid.py --workdir gs://BUCKET/stilts-grid
    jaxstilts report gs://BUCKET/stilts-grid
"""

from jaxstilts.configs.paper.common import TARGETS, paper_grid


def get_config():
    return paper_grid("paper-grid", TARGETS)
