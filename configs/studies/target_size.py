"""Does a related English intermediate task help less as the target's English training data
grows? (Phang et al. 2018 found the gains of intermediate training largest where the target
keeps only 1k or 5k training examples; Phang et al. 2020 saw their largest cross-lingual gains on
TyDiQA-GoldP, the target with the least English data.)

The demo's baseline and related runs (`configs/demo.py`: tiny model, demo_nli → demo_xnli on the
embedded data) with the target's English training data cut to its first 100, 300, 1000 and 2000
pairs (`target.train_examples`), each size for the same number of target steps (200, at the demo's
lr), three seeds. The intermediate phase does not depend on the size, so it is trained once per
seed (and is the demo's own: a copy of a demo workdir's `intermediate/` folder is reused as it is).

    jaxstilts sweep studies/target_size.py --workdir runs/target-size   # CPU, ~3 CPU-minutes
    jaxstilts sweep studies/target_size.py:tiny                        # CPU, minutes (tests)

Report: `target_size.md` / `target_size_<target>.png` (the zero-shot gain on the other
languages vs training size, mean ± std over seeds, paired test per size).
"""

from jaxstilts.configs.demo import get_config as demo
from jaxstilts.configs.studies.common import tiny_study

SIZES = (100, 300, 1000, 2000)


def get_config(arg: str = ""):
    if arg == "tiny":  # two sizes, one seed, the related task alone: the plumbing, in CI
        c = tiny_study("target-size")
        c.sweep.axes = {"target.train_examples": (50, 100)}
        return c
    c = demo()
    c.name = "study-target-size"
    c.target.steps = 200  # every size trains as long; 100 pairs: 32 epochs, 2000: 1.6
    c.target.checkpoint_every = 200
    c.sweep.intermediate = ("demo_nli",)  # the related task against the baseline
    c.sweep.axes = {"target.train_examples": SIZES}
    c.sweep.seeds = (0, 1, 2)
    return c
