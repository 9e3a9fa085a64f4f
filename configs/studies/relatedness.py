"""Which English intermediate tasks help which cross-lingual targets, by task type, and does a
related intermediate task shrink the cross-lingual transfer gap?

The paper's grid (Phang et al. 2020: nine intermediate tasks and their multi-task mixture) on
the XTREME targets and the XTREME-R-only targets (XCOPA, Mewsli-X, LAReQA), three seeds.

    jaxstilts sweep studies/relatedness.py --workdir gs://BUCKET/relatedness
    jaxstilts sweep studies/relatedness.py:tiny --workdir runs/relatedness-tiny   # CPU, minutes

Report: `heatmap.png` and `deltas.md` (the grid), `relatedness.md` (gains grouped by task type:
NLI/paraphrase, extractive QA, commonsense multiple choice, tagging, single-sentence), and
`transfer_gap.md` / `transfer_gap.png` (English minus the other languages, and its change vs the
baseline: negative = the intermediate task shrank the gap).
"""

from jaxstilts.configs.paper.common import INTERMEDIATE, MULTI_TASK, TARGETS
from jaxstilts.configs.studies.common import real_study, tiny_study

XTREME_R_ONLY = ("xcopa", "mewslix", "lareqa")  # XTREME-R's targets that XTREME lacks


def get_config(arg: str = ""):
    if arg == "tiny":
        return tiny_study("relatedness")
    c = real_study("relatedness")
    c.sweep.intermediate = INTERMEDIATE + (MULTI_TASK,)
    c.sweep.targets = TARGETS + XTREME_R_ONLY
    return c
