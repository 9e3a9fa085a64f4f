"""Ablation 1: continue multilingual MLM during intermediate training.

    jaxstilts run paper/mlm_ablation.py:mnli,xnli \
        --config.intermediate.mlm_files=/data/wiki/en.txt,/data/wiki/de.txt,...

MLM batches (15% masking, 80/10/10) from one-sentence-per-line text files are mixed into the
intermediate phase at `intermediate.mlm_rate` of the steps (default 0.5 here).
"""

from jaxstilts.configs.paper.common import intermediate_and_target, paper_config


def get_config(arg: str = "mnli,xnli"):
    inter, target = intermediate_and_target(arg, "paper/mlm_ablation.py")
    c = paper_config((inter,), target)
    c.name += "-mlm"
    c.intermediate.mlm_rate = 0.5
    return c
