"""Every experiment config key, once: its type (that of its default), default, allowed values,
one-line doc, the phases it changes, and its policies on a recorded workdir and in sweeps.

`experiment_defaults()` is built from `KEYS`; validation (`check_values`), the workdir's resume
check (`resume_policy`, `reopens`), the sweep's sharing rules (`retrains`, `axis_refusal`) and
`jaxstilts keys` read the entries. Adding a key is one `Key(...)` here, and the code that uses it.

Phases, in order: `intermediate`, `prepare` (a target's preparatory English stages, XCOPA's SIQA),
`target`, `eval`. A key changes the work of the phases in `reads`; everything after the first of
them is redone with it, so an axis over it gives each of those phases its own folder and shares
the phases before.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import ml_collections

PHASES = ("intermediate", "prepare", "target", "eval")
ALL = PHASES

# Resume policies on a workdir recorded with another value.
FREE = "free"  # does not change results: may differ on a resume
ADDS_WORK = "adds work"  # continues or redoes the phases it reads (with --allow-config-change)
CHANGES = "changes results"  # refused: the results on disk were made with the recorded value

# Allowed values that are config facts (the model reads them from here).
COMPUTE_DTYPES = ("float32", "bfloat16")
REMAT_POLICIES = ("none", "full", "dots")
ATTENTION_IMPLS = ("auto", "xla", "cudnn")
MATMUL_PRECISIONS = ("auto", "default", "high", "highest")
DROPOUT_RNGS = ("threefry", "rbg")
SAMPLING_MODES = ("proportional", "temperature", "uniform")
DATA_SOURCES = ("local", "hub", "tfds")
MODEL_DEFAULT = -1.0  # a dropout rate of -1: the model's own (its config.json, or the preset's)


class ConfigError(ValueError):
    """A config key, type or value the run cannot use; the message names the key."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """A value check: `ok(value)`, described as `text` (">= 1 (0: never)")."""

    ok: Callable[[Any], bool]
    text: str


def at_least(n: float, note: str = "") -> Rule:
    return Rule(lambda v: v >= n, f">= {n:g}" + (f" ({note})" if note else ""))


def above(n: float) -> Rule:
    return Rule(lambda v: v > n, f"> {n:g}")


def between(lo: float, hi: float, note: str = "") -> Rule:
    return Rule(lambda v: lo <= v <= hi, f"in [{lo:g}, {hi:g}]" + (f" ({note})" if note else ""))


def _grows(old, new) -> bool:
    """More of a length set before: training continues from the last checkpoint."""
    return isinstance(old, int) and isinstance(new, int) and new > old > 0


@dataclasses.dataclass(frozen=True)
class Key:
    name: str  # dotted: "target.optim.lr"
    default: Any
    doc: str
    reads: tuple[str, ...] = ALL  # the phases whose work it changes
    resume: str = CHANGES  # FREE | ADDS_WORK | CHANGES
    adds_work: Callable[[Any, Any], bool] | None = None  # ADDS_WORK only when this holds
    choices: tuple = ()
    rule: Rule | None = None
    example: Any = None  # a good value, shown in errors (None: the default)
    axis: str | None = None  # None: may be a sweep axis; else what sets it instead
    absent: Any = None  # the value a workdir recorded before the key existed ran with (None:
    # the default)
    any_type: bool = False  # values of any type (the sweep's Python-valued sections)

    @property
    def type(self) -> type:
        return object if self.any_type else type(self.default)


def _phase_keys(phase: str) -> list[Key]:
    """The keys of a training phase (jiant's defaults, Phang et al. 2020: AdamW 1e-5, warm-up
    10%, clip 1.0, batch 32, validation every 1000 steps on 500 examples, patience 30). The
    target's preparatory stages read its settings too, except its length (`prepare_epochs`)."""
    p = phase
    reads = ("intermediate",) if p == "intermediate" else ("prepare", "target")
    length = ("intermediate",) if p == "intermediate" else ("target",)

    def k(name: str, default, doc: str, **kw) -> Key:
        kw.setdefault("reads", reads)
        return Key(f"{p}.{name}", default, doc, **kw)

    return [
        k("tasks", (), "intermediate: task names (several: multi-task training); () = baseline",
          axis="sweep.intermediate" if p == "intermediate" else None),
        k("task", "", "target: the XTREME task (its English training task comes from the "
          "catalog)", reads=("prepare", "target", "eval") if p == "target" else reads,
          axis="sweep.targets" if p == "target" else None),
        k("epochs", 3.0, "length in epochs over all tasks' examples (used when steps is 0)",
          reads=length, rule=at_least(0)),
        k("steps", 0, "length in optimizer steps; overrides epochs when > 0", reads=length,
          rule=at_least(0, "0: epochs"), example=1000,
          **(dict(resume=ADDS_WORK, adds_work=_grows) if p == "target" else {})),
        k("batch_size", 32, "global rows per step (all hosts together)", rule=at_least(1)),
        k("max_length", 0, "tokens per training row in this phase (0: data.max_length)",
          rule=at_least(0, "0: data.max_length")),
        k("log_every", 50, "steps between training-metric logs", resume=FREE, rule=at_least(1)),
        k("checkpoint_every", 500, "steps between checkpoints", resume=FREE, rule=at_least(1)),
        k("validate_every", 1000, "steps between validations (and best-checkpoint saves); "
          "0: never", rule=at_least(0, "0: no validation")),
        k("validation_examples", 500, "English validation examples per task, at most",
          rule=at_least(1)),
        k("train_examples", 0, "English training examples per task: the first N in file order, "
          "at most (0: all); a target with scarce English data (demo, target-size study)",
          rule=at_least(0, "0: all")),
        k("patience", 30, "validations without improvement before stopping early; 0: never stop",
          rule=at_least(0, "0: never stop")),
        k("sampling", "proportional", "multi-task task choice: proportional | temperature | "
          "uniform", choices=SAMPLING_MODES),
        k("temperature", 2.0, "`temperature` sampling: p(task) ∝ size ** (1 / temperature)",
          rule=above(0)),
        k("cap", 0, "task sizes counted at most this large when sampling (0: no cap)",
          rule=at_least(0, "0: no cap")),
        k("mlm_rate", 0.0, "share of steps spent on continued multilingual MLM (intermediate)",
          rule=between(0, 1)),
        k("mlm_files", (), "MLM text files, one sentence per line (() = the embedded demo text)"),
        k("optim.lr", 1e-5, "peak learning rate (AdamW)", rule=above(0), example=1e-5),
        k("optim.eps", 1e-8, "AdamW epsilon", rule=above(0)),
        k("optim.weight_decay", 0.01, "decoupled weight decay, not on biases and LayerNorm",
          rule=at_least(0)),
        k("optim.clip_norm", 1.0, "global gradient-norm clipping (0: off)",
          rule=at_least(0, "0: off")),
        k("optim.warmup_fraction", 0.1, "linear warm-up over this share of steps, then decay "
          "to 0", rule=between(0, 1)),
        k("optim.accumulation_steps", 1, "micro-batches accumulated per optimizer update",
          rule=at_least(1)),
        k("optim.frozen_embeddings", False, "keep the word embedding out of the update"),
    ]


KEYS: dict[str, Key] = {key.name: key for key in [
    Key("name", "experiment", "the experiment's name (the default workdir is runs/<config name>)",
        reads=(), resume=FREE, axis="the config file"),
    Key("seed", 0, "seeds head init, data order, dropout and task sampling", axis="sweep.seeds"),

    Key("model.pretrained", "", 'Hugging Face folder or hub id; "" with `preset`: a seeded init'),
    Key("model.preset", "", "tiny | base | large: the shape of a seeded random model "
        "(checked against the model's presets)", example="tiny"),
    Key("model.tokenizer", "", 'tokenizer folder or hub id ("": the pretrained\'s, else the '
        "tiny one)"),
    Key("model.dtype", "float32", "compute dtype; parameters stay float32",
        choices=COMPUTE_DTYPES),
    Key("model.remat", "none", "per-layer rematerialisation (recompute in the backward pass)",
        resume=FREE, choices=REMAT_POLICIES),
    Key("model.matmul_precision", "auto", "float32 matmuls: auto = highest for float32 compute "
        "(GPU float32 matches PyTorch), the backend default for bfloat16",
        choices=MATMUL_PRECISIONS),
    Key("model.scan_layers", True, "one encoder layer compiled and scanned over stacked "
        "parameters (compiles ~Nx faster for N layers); False unrolls them; checkpoints hold one "
        "layout", absent=False),
    Key("model.dropout", MODEL_DEFAULT, "hidden dropout rate (-1: the model's own, XLM-R 0.1)",
        rule=Rule(lambda v: v == MODEL_DEFAULT or 0 <= v < 1, "in [0, 1), or -1 (the model's)"),
        example=0.1),
    Key("model.attention_dropout", MODEL_DEFAULT, "attention-probability dropout rate (-1: the "
        "model's own, XLM-R 0.1)",
        rule=Rule(lambda v: v == MODEL_DEFAULT or 0 <= v < 1, "in [0, 1), or -1 (the model's)"),
        example=0.1),
    Key("model.attention_impl", "auto", "attention kernel: auto = cuDNN on GPU with bfloat16, "
        "XLA elsewhere", choices=ATTENTION_IMPLS),
    Key("model.dropout_rng", "threefry", "random-bit generator of dropout masks (rbg: XLA's "
        "RngBitGenerator)", choices=DROPOUT_RNGS),

    Key("data.source", "local", "where task data comes from: local (official files) | hub | tfds",
        resume=FREE, choices=DATA_SOURCES),
    Key("data.data_dir", "", 'root of the official files ("": the task\'s default, if it has one)',
        resume=FREE),
    Key("data.cache_dir", "", 'featurized-set cache ("": no cache, featurize in memory)',
        resume=FREE),
    Key("data.skip_invalid", False, "skip (and count) malformed rows instead of stopping on them"),
    Key("data.max_length", 0, "tokens per row (0: the task kind's default, 256 / 384 QA / 512)",
        rule=at_least(0, "0: the task kind's default")),
    Key("data.mlm_max_length", 128, "tokens per continued-MLM row", reads=("intermediate",),
        rule=at_least(4)),

    Key("mesh.data", -1, "data-parallel ways (-1: all remaining devices)", resume=FREE),
    Key("mesh.fsdp", 1, "parameter-sharding (fully sharded data parallel) ways", resume=FREE),
    Key("mesh.tensor", 1, "tensor-parallel ways", resume=FREE),

    Key("distributed.auto", False, "jax.distributed.initialize() with auto-detection (TPU pod, "
        "SLURM, Kubernetes)", resume=FREE),
    Key("distributed.coordinator", "", 'host:port of process 0 ("": single process unless auto)',
        resume=FREE),
    Key("distributed.num_processes", 1, "processes in the job", resume=FREE, rule=at_least(1)),
    Key("distributed.process_id", -1, "this process's id (-1: from the environment)",
        resume=FREE, rule=at_least(-1, "-1: from the environment")),

    *_phase_keys("intermediate"),
    *_phase_keys("target"),
    Key("target.prepare_epochs", 3.0, "epochs of each English stage a target's recipe trains "
        "before its own training task (XCOPA: SIQA, then COPA); 0: the training task alone",
        reads=("prepare",), rule=at_least(0, "0: no preparatory stage"), absent=0.0),

    Key("evaluate.split", "test", "the split scored in every language", reads=("eval",),
        resume=ADDS_WORK),
    Key("evaluate.languages", (), "languages to score (() = every language of the split)",
        reads=("eval",), resume=ADDS_WORK),
    Key("evaluate.batch_size", 64, "rows per prediction batch (rounded up to the data-parallel "
        "size)", reads=("eval",), resume=FREE, rule=at_least(1)),
    Key("evaluate.retrieval_layer", 0, "encoder layer embedded for retrieval (0: 14 of 24 or "
        "alike)", reads=("eval",), resume=ADDS_WORK, rule=at_least(0, "0: the model's default")),
    Key("evaluate.noise_rates", (), "character-noise rates to score again at (0.0 = clean inputs)",
        reads=("eval",), resume=ADDS_WORK),
    Key("evaluate.noise_seed", 0, "seed of the character noise", reads=("eval",),
        resume=ADDS_WORK),
    Key("evaluate.checklist", False, "MultiCheckList (XTREME-R's behavioural QA tests) on a "
        "span-QA target's head after its evaluation", reads=("eval",), resume=ADDS_WORK),
    Key("evaluate.checklist_cases", 200, "cases per test and language (XTREME-R: 200)",
        reads=("eval",), resume=ADDS_WORK, rule=at_least(1)),
    Key("evaluate.checklist_languages", (), "() = every language with complete templates",
        reads=("eval",), resume=ADDS_WORK),

    Key("user_tasks", (), "user-defined tasks as dicts (`jaxstilts.tasks.task_from_config`)"),

    Key("sweep.intermediate", (), 'intermediate entries; "a+b" is one multi-task entry',
        reads=(), resume=FREE, axis="the sweep itself"),
    Key("sweep.targets", (), "targets (() = target.task)", reads=(), resume=FREE,
        axis="the sweep itself"),
    Key("sweep.baseline", True, "also run each target without an intermediate phase", reads=(),
        resume=FREE, axis="the sweep itself"),
    Key("sweep.axes", (), "other keys to vary, every combination runs: in a config file a dict "
        'of Python values ({"data.max_length": (128, 256)}), or (as on the command line) strings '
        '"KEY=VALUE|VALUE|..." written as in overrides', reads=(), resume=FREE,
        axis="the sweep itself", any_type=True),
    Key("sweep.seeds", (), "seeds to repeat every run with (() = `seed` alone, no seed axis)",
        reads=(), resume=FREE, axis="the sweep itself"),
    Key("sweep.per_task", (), "settings of one task, a dict {TASK: {KEY: value}} or strings "
        '"TASK: KEY=VALUE", for the runs whose target is TASK (target.*, evaluate.*) or whose '
        "intermediate tasks include it (intermediate.*)", reads=(), resume=FREE,
        axis="the sweep itself", any_type=True),
    *(Key(f"sweep.job_resources.{r}", n, f"{r} a launcher reserves for each job (Ray "
          "resources; 0: none): GPU 1 on a GPU cluster, TPU 4 for a v4-8 host; the local "
          "launcher runs jobs one at a time", reads=(), resume=FREE, axis="the sweep itself",
          rule=at_least(0)) for r, n in (("CPU", 1.0), ("GPU", 0.0), ("TPU", 0.0))),
]}


# ---------------------------------------------------------------- defaults


def experiment_defaults() -> ml_collections.ConfigDict:
    """Every key an experiment config has, at its default; config files change fields."""
    root = ml_collections.ConfigDict()
    for key in KEYS.values():
        *sections, leaf = key.name.split(".")
        node = root
        for part in sections:
            if part not in node:
                node[part] = ml_collections.ConfigDict()
            node = node[part]
        node[leaf] = (ml_collections.FieldReference(key.default, field_type=object)
                      if key.any_type else key.default)
    return root


def flat_names(tree: dict | ml_collections.ConfigDict, prefix: str = "") -> list[str]:
    """The dotted names of a config's leaves (an any-typed key's dict value is one leaf)."""
    out = []
    for name, value in tree.items():
        key = KEYS.get(prefix + name)
        if isinstance(value, (dict, ml_collections.ConfigDict)) and not (key and key.any_type):
            out += flat_names(value, f"{prefix}{name}.")
        else:
            out.append(prefix + name)
    return out


def phase_length(steps: int, epochs: float, examples: int, batch_size: int) -> int:
    """A phase's optimizer steps: `steps` when > 0, else `epochs` over `examples` (at least 1).
    The one place where "steps 0: the epochs decide" is resolved."""
    if steps > 0:
        return steps
    return max(1, math.ceil(epochs * examples / batch_size))


# ---------------------------------------------------------------- policies


def key_of(name: str) -> Key:
    try:
        return KEYS[name]
    except KeyError:
        raise ConfigError(f"{name}: not a config key (`jaxstilts keys` lists them)") from None


def reads(name: str) -> set[str]:
    """The phases whose work key `name` changes (all, for a key the schema does not know: a
    user's config may add its own)."""
    key = KEYS.get(name)
    return set(ALL if key is None else key.reads)


def retrains(name: str) -> set[str]:
    """The phases a change of `name` redoes: the first phase it reads and every later one."""
    read = reads(name)
    if not read:
        return set()
    return set(PHASES[min(PHASES.index(p) for p in read):])


def axis_refusal(name: str) -> str | None:
    """Why `name` (a key, or a section such as `sweep`) cannot be a sweep axis, naming what
    sets it instead; None if it can."""
    if name in KEYS:
        return KEYS[name].axis
    under = [k for k in KEYS.values() if k.name.startswith(name + ".")]
    return under[0].axis if under and all(k.axis for k in under) else None


def resume_policy(name: str, old, new) -> str:
    """FREE, ADDS_WORK or CHANGES for a change of `name` from `old` (recorded) to `new`. A key
    that is no longer in the schema changes results (it was read when they were made)."""
    key = KEYS.get(name)
    if key is None:
        return CHANGES
    if key.resume == ADDS_WORK and key.adds_work is not None and not key.adds_work(old, new):
        return CHANGES
    return key.resume


def reopens(name: str) -> set[str]:
    """The phase folders of a run that a work-adding change of `name` reopens: of those it
    retrains, `target` and `eval` (a shared intermediate or preparatory phase is never
    reopened: such keys change results)."""
    return retrains(name) & {"target", "eval"}


def recorded_before(name: str) -> Any:
    """The value a workdir recorded before `name` existed ran with (None: its default)."""
    key = KEYS[name]
    return key.default if key.absent is None else key.absent


# ---------------------------------------------------------------- validation


def choice_error(name: str, value, allowed) -> ConfigError:
    shown = ", ".join(repr(a) if a == "" else str(a) for a in allowed)
    return ConfigError(f"{name}={value!r} is not one of {shown}: e.g. "
                       f"--config.{name}={next(a for a in allowed if a != '')}")


def check_value(name: str, value, where: str | None = None) -> None:
    """`value` against the rule or the choices of key `name` (`where`: the name to show instead,
    e.g. `LoopConfig.log_every`)."""
    key = key_of(name)
    shown = where or name
    if key.choices and value not in key.choices:
        raise choice_error(shown, value, key.choices)
    try:
        ok = key.rule is None or key.rule.ok(value)
    except TypeError:
        raise ConfigError(f"{shown} takes {key.type.__name__} values, got {value!r}") from None
    if not ok:
        example = key.example if key.example is not None else key.default
        hint = f": e.g. --config.{name}={example}" if where is None else ""
        raise ConfigError(f"{shown} must be {key.rule.text}, got {value!r}{hint}")


def check_fields(obj, prefix: str) -> None:
    """The fields of a dataclass that mirror keys under `prefix` (`OptimConfig`: "target.optim.",
    both phases sharing the rules), checked by those keys' rules."""
    for field in dataclasses.fields(obj):
        if prefix + field.name in KEYS:
            check_value(prefix + field.name, getattr(obj, field.name),
                        where=f"{type(obj).__name__}.{field.name}")


def check_values(config: ml_collections.ConfigDict, device_count: int | None = None) -> None:
    """Every value the schema can judge alone, before a workdir is made: choices, ranges, and
    the rules over several keys (a phase's length, the mesh against `device_count`). Task
    names, languages and model presets are checked where tasks and models are known
    (`preflight.check_config`)."""
    for name in flat_names(config):
        if name in KEYS:
            check_value(name, _get(config, name))
    for phase in ("intermediate", "target"):
        p = config[phase]
        if p.steps == 0 and p.epochs == 0:
            raise ConfigError(f"{phase}: set steps > 0 or epochs > 0: e.g. "
                              f"--config.{phase}.epochs=3")
    if config.intermediate.mlm_rate and not config.intermediate.tasks:
        raise ConfigError("intermediate.mlm_rate needs intermediate.tasks")
    if not config.model.pretrained and not config.model.preset:
        raise ConfigError("model: set model.pretrained (HF folder or hub id) or model.preset: "
                          "e.g. --config.model.preset=tiny")
    _check_mesh(config, device_count)


def _check_mesh(config: ml_collections.ConfigDict, device_count: int | None) -> None:
    sizes = {axis: config.mesh[axis] for axis in ("data", "fsdp", "tensor")}
    hint = "e.g. --config.mesh.data=-1 --config.mesh.fsdp=1 --config.mesh.tensor=1"
    bad = [a for a, n in sizes.items() if n == 0 or n < -1]
    if bad or list(sizes.values()).count(-1) > 1:
        raise ConfigError(f"mesh {sizes}: each size is >= 1, and at most one is -1 (all "
                          f"remaining devices): {hint}")
    fixed = math.prod(n for n in sizes.values() if n > 0)
    if device_count is not None and (device_count % fixed or (
            -1 not in sizes.values() and fixed != device_count)):
        raise ConfigError(f"mesh {sizes}: the sizes multiply to {fixed}, which "
                          f"{'does not divide' if -1 in sizes.values() else 'is not'} the "
                          f"{device_count} device(s) of this job: {hint}")


def _get(config, name: str):
    node = config
    for part in name.split("."):
        node = node[part]
    return node


# ---------------------------------------------------------------- help


def describe(prefix: str = "") -> str:
    """`jaxstilts keys`: key, type, default, doc, then the allowed values and the policies."""
    lines = []
    for key in KEYS.values():
        if prefix and not (key.name == prefix or key.name.startswith(prefix.rstrip(".") + ".")):
            continue
        allowed = ("one of " + " | ".join(repr(c) if c == "" else str(c) for c in key.choices)
                   if key.choices else key.rule.text if key.rule else "")
        phases = ", ".join(key.reads) or "none"
        sweep = f"not an axis (set {key.axis})" if key.axis else (
            "an axis retrains " + ", ".join(p for p in PHASES if p in retrains(key.name))
            if key.reads else "an axis shares every phase")
        lines += [f"{key.name} ({key.type.__name__}, default {key.default!r}): {key.doc}",
                  f"    {'allowed: ' + allowed + '; ' if allowed else ''}read by: {phases}; "
                  f"on resume: {key.resume}; in sweeps: {sweep}"]
    return "\n".join(lines)
