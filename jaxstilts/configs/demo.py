"""The demo: STILTs on the embedded data with a tiny model, on CPU in a few minutes.

    jaxstilts demo                      # = jaxstilts sweep demo.py --workdir runs/demo

A baseline (random tiny XLM-R → demo_xnli) and STILTs (→ demo_nli → demo_xnli), each evaluated
zero-shot on seven languages. The tiny model is randomly initialised: the demo shows the
protocol end to end, not pretrained transfer.
"""

from jaxstilts.config import experiment_defaults


def get_config():
    c = experiment_defaults()
    c.name = "demo"
    c.model.preset = "tiny"
    c.intermediate.tasks = ("demo_nli",)
    c.target.task = "demo_xnli"
    for phase, epochs in (("intermediate", 10.0), ("target", 8.0)):
        p = c[phase]
        p.epochs = epochs
        p.batch_size = 32
        p.optim.lr = 1e-3  # a randomly initialised tiny model needs more than jiant's 1e-5
        p.log_every = 25
        p.checkpoint_every = 100
        p.validate_every = 100
        p.validation_examples = 256
        p.patience = 0
    c.evaluate.batch_size = 64
    c.sweep.intermediate = ("demo_nli",)
    c.sweep.targets = ("demo_xnli",)
    c.sweep.baseline = True
    return c
