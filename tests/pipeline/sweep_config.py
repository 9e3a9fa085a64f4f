"""A sweep of 2 intermediate × 2 target tasks on the official-format fixtures, tiny model."""

from pathlib import Path

from jaxstilts.config import experiment_defaults

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


def get_config():
    c = experiment_defaults()
    c.name = "fixture-sweep"
    c.model.preset = "tiny"
    c.data.data_dir = str(FIXTURES)
    c.mesh.data = 1  # one device: the same compiled programs in every subprocess
    c.target.task = "xnli"
    for phase in ("intermediate", "target"):
        p = c[phase]
        p.steps = 3
        p.batch_size = 2
        p.optim.lr = 1e-3
        p.log_every = 1
        p.checkpoint_every = 2
        p.validate_every = 2
        p.validation_examples = 4
        p.patience = 0
    c.evaluate.languages = ("en", "de", "zh")
    c.evaluate.split = "test"
    c.sweep.intermediate = ("mnli", "sst2")
    c.sweep.targets = ("xnli", "pawsx")
    c.sweep.baseline = True
    return c
