"""The paper's intermediate tasks against XTREME-R's targets (wider language sets, XCOPA,
Mewsli-X and LAReQA). Scores with `--benchmark xtreme-r` semantics.

    jaxstilts sweep xtreme_r/grid.py --workdir gs://BUCKET/stilts-xtreme-r
"""

from jaxstilts.configs.paper.common import INTERMEDIATE, MULTI_TASK, paper_config

TARGETS = ("xnli", "xcopa", "udpos_xtreme_r", "panx_xtreme_r", "xquad_xtreme_r", "mlqa",
           "tydiqa", "mewslix", "lareqa", "tatoeba_xtreme_r")


def get_config():
    c = paper_config((), "xnli")
    c.name = "xtreme-r-grid"
    c.sweep.intermediate = INTERMEDIATE + (MULTI_TASK,)
    c.sweep.targets = TARGETS
    c.sweep.baseline = True
    return c
