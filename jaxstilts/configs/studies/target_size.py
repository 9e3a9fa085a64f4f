"""Does a related English intermediate task help less as the target's English training data
grows? (Phang et al. 2018 found the gains of intermediate training largest where the target
keeps only 1k or 5k training examples; Phang et al. 2020 saw their largest cross-lingual gains on
TyDiQA-GoldP, the target with the least English data.)

The demo's runs (`configs/demo.py`: baseline, related demo_nli, unrelated demo_sst, tiny model on
the embedded data) with the target's English training data cut to its first 100, 300, 1000 and
2000 pairs (`target.train_examples`), each size for the same number of target steps (300), three
seeds. The intermediate phase does not depend on the size, so it is trained once per seed.

    jaxstilts sweep studies/target_size.py --workdir runs/target-size   # CPU, about an hour
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
        c.sweep.axes = ("target.train_examples=50|100",)
        return c
    c = demo()
    c.name = "study-target-size"
    c.target.steps = 300  # every size trains as long; 100 pairs: 48 epochs, 2000: 2.4
    c.target.checkpoint_every = 300
    c.sweep.axes = ("target.train_examples=" + "|".join(map(str, SIZES)),)
    c.sweep.seeds = (0, 1, 2)
    return c
