"""What a run will read from disk, checked before it starts: every missing file named at once.

A run that stops at the first missing file after minutes of compute, to stop again at the next
one, teaches the data layout one file at a time; this lists them all with the layout expected.
"""

from __future__ import annotations

from pathlib import Path

import ml_collections

from jaxstilts.experiment.feeds import validates
from jaxstilts.tasks import get_task, target_training
from jaxstilts.tasks.inventory import Entry, RowCounts, layout_line, split_entry
from jaxstilts.tasks.problems import EMPTY_FILE, LANGUAGE_WITHOUT_ROWS, DataError
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
