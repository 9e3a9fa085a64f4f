"""The smallest end-to-end experiment: the packaged tiny pretrained model, embedded demo data.
Used by the tests and the quickstart notebook. Short, but long enough to learn: English
accuracy is well above chance (tests/pipeline/test_tiny_learns.py), so a broken pipeline shows.

    jaxstilts run tiny.py --workdir runs/tiny
"""

from jaxstilts.config import experiment_defaults


def get_config():
    c = experiment_defaults()
    c.name = "tiny"
    c.model.pretrained = "packaged:tiny_mlm"  # 2 layers, hidden 64 (assets/tiny_mlm)
    # Unrolled: 2 layers leave little compile time to save, and scanned steps are ~4% slower on
    # CPU (README, "Scanned against unrolled layers"); the scanned layout draws other dropout masks.
    c.model.scan_layers = False
    c.intermediate.tasks = ("demo_nli",)
    c.target.task = "demo_xnli"
    for phase, steps in (("intermediate", 8), ("target", 300)):
        p = c[phase]
        p.steps = steps  # the target leaves chance after ~200 steps; the intermediate is a smoke
        p.batch_size = 16
        p.optim.lr = 1e-3
        p.log_every = 4
        p.checkpoint_every = 4 if phase == "intermediate" else 100
        p.validate_every = 4 if phase == "intermediate" else 100
        p.validation_examples = 32 if phase == "intermediate" else 150
        p.patience = 0
    c.evaluate.languages = ("en", "de", "ru", "zh", "ar")
    c.evaluate.batch_size = 64
    c.sweep.intermediate = ("demo_nli",)
    c.sweep.targets = ("demo_xnli",)
    return c
