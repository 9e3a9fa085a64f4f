"""Does a longer intermediate-training sequence length make the transferred model more robust
to noisy input?

MNLI as the intermediate task at `intermediate.max_length` 128, 256 and 512 tokens (the target
phase and the evaluation keep the task's own length), each target scored again under character
noise (`evaluate.noise_rates`: typos, deletions, swaps; `jaxstilts.evaluate.perturb`), three
seeds. The baseline has no intermediate phase, so it is trained once per seed and serves every
length.

    jaxstilts sweep studies/length_robustness.py --workdir gs://BUCKET/length-robustness
    jaxstilts sweep studies/length_robustness.py:tiny                # CPU, minutes

Report: `robustness.md` and `robustness_<target>.png` (score vs noise rate, one line per
length, and the baseline), one folder of the usual tables per length.
"""

from jaxstilts.configs.studies.common import real_study, tiny_study

NOISE_RATES = (0.0, 0.05, 0.1, 0.2)


def get_config(arg: str = ""):
    if arg == "tiny":  # the demo task's rows fit in 64 tokens: 32 truncates, 64 does not
        c = tiny_study("length-robustness")
        c.sweep.axes = {"intermediate.max_length": (32, 64)}
        c.sweep.seeds = (0, 1)
        c.evaluate.noise_rates = (0.0, 0.2)
        return c
    c = real_study("length-robustness")
    c.sweep.intermediate = ("mnli",)
    c.sweep.targets = ("xnli", "pawsx", "xquad")
    c.sweep.axes = {"intermediate.max_length": (128, 256, 512)}
    c.evaluate.noise_rates = NOISE_RATES
    return c
