"""What a run will read from disk, checked before it starts: every missing file named at once.

A run that stops at the first missing file after minutes of compute, to stop again at the next
one, teaches the data layout one file at a time; this lists them all with the layout expected.
"""

from __future__ import annotations

from pathlib import Path

import ml_collections

from jaxstilts.config_schema import ConfigError, check_values, choice_error
from jaxstilts.experiment.feeds import validates
from jaxstilts.sweep.grid import sweep_configs
from jaxstilts.tasks import get_task, target_training
from jaxstilts.tasks.inventory import Entry, RowCounts, layout_line, split_entry
from jaxstilts.tasks.problems import EMPTY_FILE, LANGUAGE_WITHOUT_ROWS, DataError
from jaxstilts.tasks.sources import local_layout


def check_config(config: ml_collections.ConfigDict, device_count: int | None = None,
                 sweep: bool = True) -> None:
    """Values before a workdir is made: the schema's checks (`config_schema.check_values`), then
    what needs the model and the task catalog: presets, task names, evaluation languages and
    splits, MultiCheckList. Each error names the key and the override that fixes it. `sweep`:
    the command reads the sweep section too (the languages must then suit its targets too)."""
    from jaxstilts.model.config import PRESETS
    from jaxstilts.tasks import task_from_config

    check_values(config, device_count)
    if config.model.preset not in ("", *PRESETS):
        raise choice_error("model.preset", config.model.preset, ("", *sorted(PRESETS)))
    for spec in config.user_tasks:
        task_from_config(spec, register_task=True)
    for name in config.intermediate.tasks:
        _task("intermediate.tasks", name)
    for entry in config.sweep.intermediate:
        for name in entry.split("+"):
            _task("sweep.intermediate", name)
    # each run with its own evaluation settings (a sweep's `per_task` and axes may set them)
    runs = [("target.task", config)] if config.target.task else []
    if sweep and config.sweep.targets:
        runs += [("sweep.targets", run) for _, run in sweep_configs(config)]
    for key, run in runs:
        _check_evaluation(key, run.target.task, run.evaluate)
    if config.evaluate.checklist:
        _check_checklist(config)


def _check_evaluation(key: str, name: str, evaluate: ml_collections.ConfigDict) -> None:
    """The evaluation split and languages exist for target `name`."""
    t = _task(key, name)
    if evaluate.split not in t.splits:
        raise ConfigError(f"evaluate.split={evaluate.split!r}: {name} has splits "
                          f"{', '.join(t.splits)}: e.g. --config.evaluate.split="
                          f"{'test' if 'test' in t.splits else next(iter(t.splits))}")
    have = t.languages_of(evaluate.split)
    missing = [lang for lang in evaluate.languages if lang not in have]
    if missing:
        raise ConfigError(f"evaluate.languages: {name} {evaluate.split} has no "
                          f"{', '.join(missing)} (it has {','.join(have)}): e.g. "
                          f"--config.evaluate.languages={','.join(have[:3])}")


def _task(key: str, name: str):
    try:
        return get_task(name)
    except KeyError as e:
        raise ConfigError(f"{key}: {e.args[0]}") from None


def _check_checklist(config: ml_collections.ConfigDict) -> None:
    """MultiCheckList needs a span-QA target (other targets of a sweep skip it, with a warning)
    and known languages."""
    from jaxstilts.kinds import Kind
    from jaxstilts.tasks.checklist import read_templates

    names = [n for n in (config.target.task, *config.sweep.targets) if n]
    if names and all(_task("target.task", n).kind != Kind.SPAN_EXTRACTION for n in names):
        raise ConfigError(f"evaluate.checklist: MultiCheckList tests a span-QA head; no target "
                          f"({', '.join(names)}) is one: e.g. --config.target.task=xquad")
    known = read_templates()
    unknown = [lang for lang in config.evaluate.checklist_languages if lang not in known]
    if unknown:
        raise ConfigError(f"evaluate.checklist_languages: MultiCheckList has no "
                          f"{', '.join(unknown)} (it has {','.join(sorted(known))})")


def check_model(config: ml_collections.ConfigDict) -> None:
    """The pretrained model and tokenizer can be had (local folder, hub cache or hub)."""
    from jaxstilts.model.hf import hub_snapshot, resolve_folder

    for key in ("pretrained", "tokenizer"):
        name = config.model[key]
        folder = Path(name).expanduser()
        if name and ((folder / "checkpoints").is_dir() or (folder / "best").is_dir()):
            raise ConfigError(f"model.{key}={name!r} is a phase folder (Orbax checkpoints), not a "
                              f"Hugging Face folder: `jaxstilts convert {name} HF_FOLDER` "
                              f"makes one, then --config.model.{key}=HF_FOLDER")
        if name:
            try:
                if key == "tokenizer" and not Path(name).expanduser().exists() and (
                        name.count("/") <= 1 and not name.startswith(("/", ".", "~"))):
                    hub_snapshot(name, tokenizer=True)  # the tokenizer files only
                else:
                    resolve_folder(name)
            except OSError as e:
                raise ConfigError(f"model.{key}={name!r}: {e} Then run with "
                                  f"--config.model.{key}=/path/to/folder") from None


def reads(config: ml_collections.ConfigDict) -> list[tuple[str, str, tuple[str, ...]]]:
    """(task, split, languages) of everything one run reads, decided as the pipeline decides
    it: its evaluation, then each phase's English training (and validation) data."""
    english = ("en",)
    inter, target = list(config.intermediate.tasks), config.target.task
    out = []
    if target:
        split = config.evaluate.split
        langs = tuple(config.evaluate.languages) or get_task(target).languages_of(split)
        out.append((target, split, langs))
        if target == "bucc2018":  # its threshold is chosen on the validation split
            out.append((target, "validation", langs))
    for phase, names in (("intermediate", inter), ("target", target_training(config))):
        for name in names:
            out.append((name, "train", english))
            if validates(config, phase, name):
                out.append((name, "validation", english))
    return list(dict.fromkeys(out))


def _entries(configs: list[ml_collections.ConfigDict]) -> list[tuple[Entry, str]]:
    """(entry, its layout line) of every task split language the runs read from local files,
    the rows of each language counted in files that several languages share."""
    wanted = dict.fromkeys((c.data.source, c.data.data_dir, *r) for c in configs for r in reads(c))
    counts: RowCounts = {}
    out = []
    for source, data_dir, name, split, langs in wanted:
        task = get_task(name)
        if task.sources.of(source) and source != "local":
            continue
        root = Path(data_dir or task.default_data_dir or ".")
        for lang in langs:
            found, parts, _ = local_layout(task, split, root, (lang,))
            for component in parts:
                entry = split_entry(task, component, split, lang, component.files[split], root,
                                    found, counts)
                out.append((entry, layout_line(task, component, root)))
    return out


def missing_files(config: ml_collections.ConfigDict,
                  runs: list[ml_collections.ConfigDict] | None = None
                  ) -> tuple[list[str], list[str]]:
    """(missing paths, the layout lines of the tasks they belong to) for every task read from
    local files (`data.source=local`, or a task with no other source); `runs`: the configs of
    every run of a sweep (`sweep.plan.sweep_configs`), each with its own settings."""
    return _missing(_entries(runs or [config]))


def _missing(entries: list[tuple[Entry, str]]) -> tuple[list[str], list[str]]:
    missing, layout = [], []
    for entry, line in entries:
        new = [m for m in entry.missing if m not in missing]
        missing += new
        if new and line not in layout:
            layout.append(line)
    return missing, layout


def _packaged_hint(configs: list[ml_collections.ConfigDict]) -> str:
    """What to say when a data_dir hides tasks whose files ship with jaxstilts."""
    packaged = sorted({name for c in configs if c.data.data_dir for name, _, _ in reads(c)
                       if get_task(name).default_data_dir})
    if not packaged:
        return ""
    return (f". {', '.join(packaged)} come with jaxstilts (their files are in "
            f"{get_task(packaged[0]).default_data_dir}): leave data.data_dir unset to read them")


def check_data(config: ml_collections.ConfigDict,
               runs: list[ml_collections.ConfigDict] | None = None) -> None:
    """FileNotFoundError listing every missing file, the layout, and the flags to type; then a
    DataError for an empty file or a language asked for that its shared file has no rows of
    (XNLI's one test file holding 7 of 15 languages), before any compute; `runs`: as for
    `missing_files`."""
    runs = runs or [config]
    entries = _entries(runs)
    missing, layout = _missing(entries)
    if missing:
        shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more"
                                           if len(missing) > 20 else "")
        raise FileNotFoundError(
            f"{len(missing)} data file(s) missing under data.data_dir="
            f"{config.data.data_dir or '(the task default)'}: {shown}. Expected layout: "
            + "; ".join(layout) + _packaged_hint(runs)
            + ". Put the files there, or point at them with --config.data.source=local "
            "--config.data.data_dir=/path/to/data (README: Data folders)")
    for entry, _ in entries:
        if entry.folders:
            raise DataError(entry.folders[0], EMPTY_FILE, "a folder, not a file")
        if entry.empty:
            raise DataError(entry.empty[0], EMPTY_FILE, "the file is empty")
    absent: dict[tuple[str, str, str], list[str]] = {}
    for entry, _ in entries:
        if entry.rows == 0:
            absent.setdefault((", ".join(entry.found), entry.task, entry.split), []).append(
                entry.language)
    if absent:
        (where, task, split), langs = next(iter(absent.items()))
        more = len(absent) - 1
        raise DataError(where, LANGUAGE_WITHOUT_ROWS,
                        f"{task} {split} has no rows in {', '.join(langs)}: get the complete "
                        "files, or leave the language out (evaluate.languages)"
                        + (f" (and {more} more split(s) like it)" if more else ""))
