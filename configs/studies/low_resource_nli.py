"""Does logical-inference (NLI) intermediate training help low-resource target languages as much
as high-resource ones?

NLI-type intermediate tasks (ANLI+, MNLI; add your own with
`--config.sweep.intermediate=anli_plus,mnli,my_nli` and a `user_tasks` entry) against targets
rich in low-resource languages, three seeds. Languages are split by Wikipedia size: high-resource
= at least a million articles in 2020-21 (`jaxstilts.evaluate.results.HIGH_RESOURCE`: ar de en
es fr it ja nl pl pt ru uk vi zh, from Wikipedia's List of Wikipedias; the XTREME paper also
characterises its languages by Wikipedia size), every other language low-resource.

    jaxstilts sweep studies/low_resource_nli.py --workdir gs://BUCKET/low-resource-nli
    jaxstilts sweep studies/low_resource_nli.py:tiny                 # CPU, minutes

Report: `resource_gains.md` / `resource_gains.png` (gain on high- vs low-resource languages,
mean ± std over seeds, paired test) and `resources.md` (group means per run).
"""

from jaxstilts.configs.studies.common import real_study, tiny_study

NLI_TASKS = ("anli_plus", "mnli")
TARGETS = ("xnli", "xcopa", "tydiqa", "panx")  # many low-resource languages among them


def get_config(arg: str = ""):
    if arg == "tiny":
        return tiny_study("low-resource-nli")
    c = real_study("low-resource-nli")
    c.sweep.intermediate = NLI_TASKS
    c.sweep.targets = TARGETS
    return c
