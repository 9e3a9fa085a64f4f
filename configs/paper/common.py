"""Settings shared by the paper's configs: Phang et al. 2020 with jiant's defaults (README,
"Experiments and configs")."""

from jaxstilts.config import ConfigError, experiment_defaults

INTERMEDIATE = ("anli_plus", "mnli", "qqp", "sst2", "squad_v2", "hellaswag", "ccg", "cosmos_qa",
                "commonsense_qa")
TARGETS = ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018", "tatoeba")
MULTI_TASK = "+".join(INTERMEDIATE)

# Target-task epochs (jiant's XTREME settings); QA uses batch 16, the rest 32. XCOPA follows
# XTREME-R's scripts/train_xcopa.sh: SIQA for 5 epochs (target.prepare_epochs), then COPA for 5;
# its other settings are jiant's, as every target's here (lr 1e-5, 256 tokens, early stopping;
# XTREME-R: lr 3e-5, 128 tokens, none; batch 32 in both) (README "Fidelity").
TARGET_EPOCHS = {"xnli": 2.0, "pawsx": 5.0, "udpos": 10.0, "panx": 10.0, "xquad": 2.0,
                 "mlqa": 2.0, "tydiqa": 2.0, "xcopa": 5.0, "udpos_xtreme_r": 10.0,
                 "panx_xtreme_r": 10.0, "xquad_xtreme_r": 2.0}
QA = {"xquad", "mlqa", "tydiqa", "xquad_xtreme_r", "squad_v2"}
# XTREME-R's dual-encoder recipes with XLM-R Large (scripts/train_lareqa.sh, train_mewslix.sh):
# (per-GPU batch = the in-batch negatives, batches accumulated per update, learning rate,
# epochs); no warm-up, no weight decay.
DUAL_ENCODER = {"lareqa": (4, 4, 2e-5, 3.0), "mewslix": (8, 4, 1e-5, 2.0)}


def intermediate_and_target(arg: str, config: str) -> tuple[str, str]:
    """`INTERMEDIATE,TARGET` of `config`'s argument (`paper/stilts.py:mnli,xnli`)."""
    parts = [p.strip() for p in arg.split(",")]
    if len(parts) != 2 or not all(parts):
        raise ConfigError(f"{config}:{arg}: the argument is INTERMEDIATE,TARGET, e.g. "
                          f"{config}:mnli,xnli ({config}:baseline,xnli without an intermediate "
                          "task)")
    return parts[0], parts[1]


def per_task_settings() -> dict[str, dict]:
    """`sweep.per_task` settings that give each run of a sweep what `paper_config` gives a single
    run: its target's epochs, batch 16 in a phase that trains a QA task, and the dual-encoder
    recipes."""
    settings: dict[str, dict] = {}
    for task, epochs in TARGET_EPOCHS.items():
        settings.setdefault(task, {})["target.epochs"] = epochs
    for task in sorted(QA):
        settings.setdefault(task, {}).update({"target.batch_size": 16,
                                              "intermediate.batch_size": 16})
    for task, (batch, accumulate, lr, epochs) in DUAL_ENCODER.items():
        settings.setdefault(task, {}).update({
            "target.batch_size": batch, "target.optim.accumulation_steps": accumulate,
            "target.optim.lr": lr, "target.epochs": epochs,
            "target.optim.warmup_fraction": 0.0, "target.optim.weight_decay": 0.0})
    return settings


def paper_grid(name: str, targets: tuple[str, ...]):
    """Every intermediate task and the multi-task mix, and the baseline, × `targets`; each
    intermediate phase trained once and shared by every target."""
    c = paper_config((), "xnli")
    c.name = name
    c.sweep.intermediate = INTERMEDIATE + (MULTI_TASK,)
    c.sweep.targets = targets
    c.sweep.baseline = True
    return c


def paper_config(intermediate: tuple[str, ...] = (), target: str = "xnli",
                 pretrained: str = "FacebookAI/xlm-roberta-large"):
    """XLM-R Large, bf16 compute, AdamW 1e-5, warm-up 10%, validation every 1000 steps on 500
    examples with patience 30; intermediate tasks trained for up to 2 epochs (early stopping)."""
    c = experiment_defaults()
    c.name = "+".join(intermediate or ("baseline",)) + "__" + target
    c.model.pretrained = pretrained
    c.model.dtype = "bfloat16"
    c.data.source = "hub"
    c.intermediate.tasks = tuple(intermediate)
    c.intermediate.epochs = 2.0
    c.intermediate.batch_size = 16 if any(t in QA for t in intermediate) else 32
    c.target.task = target
    c.target.epochs = TARGET_EPOCHS.get(target, 2.0)
    c.target.prepare_epochs = 5.0  # XTREME-R's train_xcopa.sh: 5 epochs of SIQA before COPA
    c.target.batch_size = 16 if target in QA else 32
    if target in DUAL_ENCODER:
        o = c.target.optim
        c.target.batch_size, o.accumulation_steps, o.lr, c.target.epochs = DUAL_ENCODER[target]
        o.warmup_fraction = o.weight_decay = 0.0
    c.evaluate.batch_size = 128
    c.sweep.per_task = per_task_settings()  # a sweep's runs get their own tasks' settings
    return c
