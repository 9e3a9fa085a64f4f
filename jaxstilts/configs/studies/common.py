"""Settings shared by the studies: the paper's set-up for the real forms, and the tiny form
(tiny random model, embedded demo data, a few steps) that the tests run on CPU."""

from jaxstilts.config import experiment_defaults
from jaxstilts.configs.paper.common import paper_config

SEEDS = (0, 1, 2)  # the real forms: every cell over three seeds


def real_study(name: str, target: str = "xnli"):
    """XLM-R Large with jiant's settings (`configs/paper/common.py`), three seeds, baselines."""
    c = paper_config((), target)
    c.name = f"study-{name}"
    c.sweep.seeds = SEEDS
    c.sweep.baseline = True
    return c


def tiny_study(name: str, languages: tuple[str, ...] = ("en", "de", "hi", "th")):
    """The demo tasks (demo_nli -> demo_xnli) on the tiny random model: 2 steps a phase. It
    checks that the study runs and its report is written, not what the study would find.
    Languages: English, German (high-resource), Hindi and Thai (low-resource)."""
    c = experiment_defaults()
    c.name = f"study-{name}-tiny"
    c.model.preset = "tiny"
    c.mesh.data = 1  # one device: fewer, smaller programs to compile on CPU
    c.target.task = "demo_xnli"
    for phase in ("intermediate", "target"):
        p = c[phase]
        p.steps = 2
        p.batch_size = 16
        p.optim.lr = 1e-3
        p.log_every = 2
        p.checkpoint_every = 2
        p.validate_every = 0
        p.patience = 0
    c.evaluate.languages = languages
    c.evaluate.batch_size = 64
    c.sweep.intermediate = ("demo_nli",)
    c.sweep.targets = ("demo_xnli",)
    c.sweep.baseline = True
    return c
