"""Ablation 2: machine-translated intermediate data, supplied by the user as a task.

    jaxstilts run paper/translated.py:xnli     # after setting data_dir below

The user task below reads GLUE-MNLI-format TSV files (train.tsv, dev_matched.tsv) with the
translated sentences; any other format the readers know works the same way (see README).
"""

import ml_collections

from jaxstilts.configs.paper.common import paper_config


def get_config(arg: str = "xnli"):
    c = paper_config(("mnli_translated",), arg)
    c.name = "mnli_translated__" + arg
    c.user_tasks = (ml_collections.ConfigDict(dict(
        name="mnli_translated", kind="pair_classification", metric="accuracy",
        labels=("entailment", "neutral", "contradiction"), languages=("en",),
        source=dict(local=dict(format="tsv", files=dict(train="train.tsv",
                                                        validation="dev_matched.tsv"))),
        fields=dict(text_a="sentence1", text_b="sentence2", label="gold_label"),
        data_dir="/data/mnli-translated",
    )),)
    # The user task has local files only, so it is read from them; the target from the hub.
    return c
