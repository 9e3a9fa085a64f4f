"""The STILTs protocol as phases: pretrained → [intermediate] → target → zero-shot evaluation.

    run_experiment(load_config("demo"), "runs/demo")

Each phase works in its own folder and leaves `done.json` when it finishes, so a re-run skips
finished phases and resumes an interrupted one from its checkpoints. The intermediate phase's
folder can be shared by every target of a sweep. A target whose recipe names preparatory English
stages (XCOPA: SIQA, then COPA) trains each as a phase of its own under `prepare/`, in order,
each starting from the one before. Retrieval targets without training data (BUCC, Tatoeba) are
evaluated straight from the intermediate encoder; those XTREME-R fine-tunes (Mewsli-X, LAReQA)
train a dual encoder on English pairs in the target phase.

Modules: `setup` (config checks, multi-host), `model` (tokenizer, architecture, weights),
`feeds` (training feeds, validation, MLM), `phases` (one phase in its folder), `run` (one
experiment; evaluate or checklist a finished one).
"""

from jaxstilts.experiment.run import checklist_workdir, evaluate_workdir, run_experiment
from jaxstilts.experiment.setup import setup_distributed, validate_config

__all__ = ["checklist_workdir", "evaluate_workdir", "run_experiment", "setup_distributed",
           "validate_config"]
