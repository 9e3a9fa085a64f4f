"""The smallest end-to-end experiment: tiny random model, embedded demo data, a few steps.
Used by the tests and the quickstart notebook; finishes in well under a minute on CPU.

    jaxstilts run tiny.py --workdir runs/tiny
"""

from jaxstilts.config import experiment_defaults


def get_config():
    c = experiment_defaults()
    c.name = "tiny"
    c.model.preset = "tiny"
    c.intermediate.tasks = ("demo_nli",)
    c.target.task = "demo_xnli"
    for phase in ("intermediate", "target"):
        p = c[phase]
        p.steps = 8
        p.batch_size = 16
        p.optim.lr = 1e-3
        p.log_every = 4
        p.checkpoint_every = 4
        p.validate_every = 4
        p.validation_examples = 32
        p.patience = 0
    c.evaluate.languages = ("en", "de", "ru", "zh", "ar")
    c.evaluate.batch_size = 64
    c.sweep.intermediate = ("demo_nli",)
    c.sweep.targets = ("demo_xnli",)
    return c
