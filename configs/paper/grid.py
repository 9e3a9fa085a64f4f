"""The paper's whole grid for XLM-R Large: 9 intermediate tasks + multi-task, × 9 targets, plus
the baseline. Intermediate phases are trained once and shared by every target.

    jaxstilts sweep configs/paper/grid.py --workdir gs://BUCKET/stilts-grid
    jaxstilts report gs://BUCKET/stilts-grid
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import INTERMEDIATE, MULTI_TASK, TARGETS, paper_config  # noqa: E402


def get_config():
    c = paper_config((), "xnli")
    c.name = "paper-grid"
    c.sweep.intermediate = INTERMEDIATE + (MULTI_TASK,)
    c.sweep.targets = TARGETS
    c.sweep.baseline = True
    return c
