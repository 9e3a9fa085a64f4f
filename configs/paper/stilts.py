"""One experiment of the paper's grid: XLM-R Large → intermediate task(s) → target → zero-shot.

    jaxstilts run paper/stilts.py:mnli,xnli
    jaxstilts run paper/stilts.py:baseline,pawsx          # no intermediate task
    jaxstilts run paper/stilts.py:squad_v2,tatoeba        # retrieval: from the encoder
    jaxstilts run paper/stilts.py:multi,xquad             # all nine intermediate tasks
"""

from jaxstilts.configs.paper.common import MULTI_TASK, intermediate_and_target, paper_config


def get_config(arg: str = "mnli,xnli"):
    inter, target = intermediate_and_target(arg, "paper/stilts.py")
    inter = {"baseline": "", "multi": MULTI_TASK}.get(inter, inter)
    return paper_config(tuple(t for t in inter.split("+") if t), target)
