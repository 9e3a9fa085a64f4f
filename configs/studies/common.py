"""Settings shared by the studies: the paper's set-up for the real forms, and the tiny form
(the packaged tiny model on the embedded demo data) that the tests run on CPU."""

from jaxstilts.configs.paper.common import paper_config
from jaxstilts.configs.tiny import get_config as tiny

SEEDS = (0, 1, 2)  # the real forms: every cell over three seeds


def real_study(name: str, target: str = "xnli"):
    """XLM-R Large with jiant's settings (`configs/paper/common.py`), three seeds, baselines."""
    c = paper_config((), target)
    c.name = f"study-{name}"
    c.sweep.seeds = SEEDS
    c.sweep.baseline = True
    return c


def tiny_study(name: str, languages: tuple[str, ...] = ("en", "de", "hi", "th")):
    """`configs/tiny.py` (demo_nli -> demo_xnli, packaged tiny model, 8 intermediate steps)
    with 40 target steps, so that the tests' compiled programs are shared with its other users. It
    checks that the study runs and its report is written, not what the study would find.
    Languages: English, German (high-resource), Hindi and Thai (low-resource)."""
    c = tiny()
    c.name = f"study-{name}-tiny"
    c.target.steps = 40  # the tiny forms check the plumbing, not learning: less CI time
    for phase in ("intermediate", "target"):  # no validation, one checkpoint: less test time
        c[phase].validate_every = 0
        c[phase].checkpoint_every = c[phase].steps
    c.evaluate.languages = languages
    c.sweep.baseline = True
    return c
