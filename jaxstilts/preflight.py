"""What a run will read from disk, checked before it starts: every missing file named at once.

A run that stops at the first missing file after minutes of compute, to stop again at the next
one, teaches the data layout one file at a time; this lists them all with the layout expected.
"""

from __future__ import annotations

from pathlib import Path

import ml_collections

from jaxstilts.pipeline import sweep_configs, validates
from jaxstilts.tasks import get_task, target_training
from jaxstilts.tasks.inventory import layout_line, split_entry
from jaxstilts.tasks.sources import local_layout


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


def missing_files(config: ml_collections.ConfigDict, sweep: bool = False
                  ) -> tuple[list[str], list[str]]:
    """(missing paths, the layout lines of the tasks they belong to) for every task read from
    local files (`data.source=local`, or a task with no other source); `sweep`: by every run
    of the config's sweep, each with its own settings (`sweep.per_task`, axes)."""
    configs = [c for _, c in sweep_configs(config)] if sweep else [config]
    wanted = dict.fromkeys((c.data.source, c.data.data_dir, *r) for c in configs for r in reads(c))
    missing, layout = [], []
    for source, data_dir, name, split, langs in wanted:
        task = get_task(name)
        if task.sources.of(source) and source != "local":
            continue
        root = Path(data_dir or task.default_data_dir or ".")
        for lang in langs:
            found, parts, _ = local_layout(task, split, root, (lang,))
            for component in parts:
                entry = split_entry(task, component, split, lang, component.files[split], root,
                                    found)
                new = [m for m in entry.missing if m not in missing]
                missing += new
                line = layout_line(task, component, root)
                if new and line not in layout:
                    layout.append(line)
    return missing, layout


def check_data(config: ml_collections.ConfigDict, sweep: bool = False) -> None:
    """FileNotFoundError listing every missing file, the layout, and the flags to type."""
    missing, layout = missing_files(config, sweep)
    if not missing:
        return
    shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20
                                       else "")
    configs = [c for _, c in sweep_configs(config)] if sweep else [config]
    packaged = sorted({name for c in configs if c.data.data_dir for name, _, _ in reads(c)
                       if get_task(name).default_data_dir})
    embedded = (f". {', '.join(packaged)} come with jaxstilts (their files are in "
                f"{get_task(packaged[0]).default_data_dir}): leave data.data_dir unset to read "
                "them" if packaged else "")
    raise FileNotFoundError(
        f"{len(missing)} data file(s) missing under data.data_dir="
        f"{config.data.data_dir or '(the task default)'}: {shown}. Expected layout: "
        + "; ".join(layout) + embedded
        + ". Put the files there, or point at them with --config.data.source=local "
        "--config.data.data_dir=/path/to/data (README: Data folders)")
