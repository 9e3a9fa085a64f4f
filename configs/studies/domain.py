"""Does an English intermediate task from your own domain help cross-lingual transfer more
than the paper's general intermediate tasks?

A template: the intermediate task `domain_task` is read from your local files and compared with
MNLI, SQuAD and HellaSwag (the paper's best general tasks) on the targets you care about, three
seeds. Edit DOMAIN_TASK below (or copy this file) to point at your data:

    jaxstilts sweep studies/domain.py --workdir gs://BUCKET/domain \
        --config.sweep.targets=xnli,pawsx
    jaxstilts sweep studies/domain.py:tiny                           # CPU, minutes

The file format (any of the local readers; see README, "Your own tasks"):

- `format`: `tsv` or `csv` (a header row), or `jsonl` (one JSON object per line);
- `files`: one file per split, at least `train` (and `validation` for early stopping), relative
  to `data_dir` or absolute;
- `fields`: which column holds each input: `text_a`, `text_b` (pair tasks; leave out for a
  single sentence) and `label`;
- `labels`: the label names, in a fixed order; a row whose label is not among them is an error
  naming the file and row (or is skipped and counted with `--config.data.skip_invalid=true`).

For example a TSV file `train.tsv` with the header `premise<TAB>hypothesis<TAB>label` and rows
`The lease ends in May.<TAB>The lease runs to June.<TAB>contradiction`.

Report: `gains.md` / `gains.png` (each intermediate task's gain, mean ± std over seeds, paired
test) beside the usual tables.
"""

import ml_collections

from jaxstilts.configs.studies.common import real_study, tiny_study
from jaxstilts.tasks.catalog_demo import DEMO_DATA

GENERAL = ("mnli", "squad_v2", "hellaswag")  # the paper's best intermediate tasks overall

DOMAIN_TASK = dict(
    name="domain_task",
    kind="pair_classification",
    labels=("entailment", "neutral", "contradiction"),
    languages=("en",),
    source=dict(local=dict(format="tsv", files=dict(train="train.tsv",
                                                    validation="dev.tsv"))),
    fields=dict(text_a="premise", text_b="hypothesis", label="label"),
    data_dir="/data/my-domain",  # your folder
)


def get_config(arg: str = ""):
    if arg == "tiny":  # the embedded demo NLI files, read as a user's own local task
        c = tiny_study("domain")
        task = dict(DOMAIN_TASK, data_dir=str(DEMO_DATA),
                    source=dict(local=dict(format="tsv", files=dict(
                        train="demo_nli/train.tsv", validation="demo_nli/dev_matched.tsv"))),
                    fields=dict(text_a="sentence1", text_b="sentence2", label="gold_label"))
        c.user_tasks = (ml_collections.ConfigDict(task),)
        c.sweep.intermediate = ("domain_task", "demo_nli")
        return c
    c = real_study("domain")
    c.user_tasks = (ml_collections.ConfigDict(DOMAIN_TASK),)
    c.sweep.intermediate = ("domain_task", *GENERAL)
    c.sweep.targets = ("xnli", "pawsx")
    return c
