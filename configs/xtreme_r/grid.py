"""The paper's intermediate tasks against XTREME-R's targets (wider language sets, XCOPA,
Mewsli-X and LAReQA). Scores with `--benchmark xtreme-r` semantics.

    jaxstilts sweep xtreme_r/grid.py --workdir gs://BUCKET/stilts-xtreme-r
"""

from jaxstilts.configs.paper.common import paper_grid

# XCOPA follows XTREME-R's recipe: SIQA (5 epochs, paper_config's target.prepare_epochs), then
# COPA, each stage shared by the runs that differ only in target.epochs/steps or evaluate.*.
# Mewsli-X and LAReQA train XTREME-R's dual encoder (train_mewslix.sh, train_lareqa.sh) in their
# target phase, with their recipe (batch 4/8 x 4 accumulated, rate, epochs, no warm-up) from
# `paper_config`'s `sweep.per_task` entries, as `paper/stilts.py:mnli,lareqa` builds it.
# Departures (README "Fidelity"): XCOPA's stages keep jiant's lr, length and early stopping.
TARGETS = ("xnli", "xcopa", "udpos_xtreme_r", "panx_xtreme_r", "xquad_xtreme_r", "mlqa",
           "tydiqa", "mewslix", "lareqa", "tatoeba_xtreme_r")


def get_config():
    return paper_grid("xtreme-r-grid", TARGETS)
