"""The demo: STILTs on the embedded data, on CPU in a few minutes.

    jaxstilts demo                      # = jaxstilts sweep demo.py --workdir runs/demo

Three runs, each repeated with seeds 0-4 and evaluated zero-shot on seven languages
(demo_xnli: English training data, test in en de ru zh ar hi th):
  baseline   tiny pretrained XLM-R → demo_xnli
  related    → demo_nli (2,000 English pairs with the target's decision on other sentences)
             → demo_xnli
  unrelated  → demo_sst (English single-sentence sentiment) → demo_xnli
The target has scarce English data (its first 100 training pairs), where the paper's gains are
largest. The model is `packaged:tiny_mlm`, a 2-layer XLM-R pretrained by masked-LM on
multilingual MultiCheckList text (scripts/build_tiny_checkpoint.py). Settings were chosen on
English dev accuracy only (README, "Measured": the tuning log).

Measured (README "Measured"): gain on the mean of the six other languages, seeds 0-4: related
+5.7 ± 3.8 (p = 0.029: beyond the spread, so the verdict is "shows"), unrelated -0.9 ± 1.7;
seeds 5-9: related +6.3 ± 4.3 (p = 0.031, "shows"), unrelated -1.0 ± 1.8. The target's lr 2e-3
was chosen over 1e-3 and 5e-4 on English dev (the related run beat its baseline there in all
five seeds); longer or faster intermediate phases did not help on English dev (tuning log).
"""

from jaxstilts.config import experiment_defaults


def get_config():
    c = experiment_defaults()
    c.name = "demo"
    c.model.pretrained = "packaged:tiny_mlm"  # shipped in jaxstilts/assets/tiny_mlm
    # Unrolled: 2 layers leave little compile time to save, and scanned steps are ~4% slower on
    # CPU (README, "Scanned against unrolled layers"); the scanned layout draws other dropout masks.
    c.model.scan_layers = False
    c.intermediate.tasks = ("demo_nli",)
    c.target.task = "demo_xnli"
    c.target.train_examples = 100  # scarce target data: 100 English pairs
    for phase, steps, lr in (("intermediate", 400, 2e-3), ("target", 100, 2e-3)):
        p = c[phase]
        p.steps = steps
        p.batch_size = 16
        p.optim.lr = lr  # a tiny model needs more than jiant's 1e-5
        p.log_every = 50
        p.checkpoint_every = steps
        p.validate_every = 0  # no model selection: the last state is evaluated
        p.patience = 0
    c.evaluate.batch_size = 64
    c.sweep.intermediate = ("demo_nli", "demo_sst")  # related, unrelated
    c.sweep.targets = ("demo_xnli",)
    c.sweep.baseline = True
    c.sweep.seeds = (0, 1, 2, 3, 4)  # every figure the demo prints is mean ± std over these
    return c
