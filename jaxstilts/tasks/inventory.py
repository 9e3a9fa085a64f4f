"""What local data a user has: per task, split and language, the files found and missing, and
where to get them (`jaxstilts data`).

It checks the layout the local sources read: the official releases. XQuAD's and MLQA's files
have the same names in XTREME's `download_data.sh` output (their test answers removed: such
questions are predicted and written, not scored). Where a folder is `download_data.sh` output of
another task (`udpos/train-en.tsv`, `panx/`, `pawsx/`, `xnli/`, `tatoeba/de-en.en`,
`bucc2018/de-en.test.de`), it says which raw release to get instead: those folders drop the test
labels and, for Tatoeba and BUCC, the alignments, so they cannot give the reported scores.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from jaxstilts.tasks.base import LocalSource, Task
from jaxstilts.tasks.registry import get_task, task_names

# download_data.sh output the local sources do not read: glob -> what to fetch instead
PROCESSED_ONLY = {
    "udpos/*-*.tsv": "the UD treebanks (ud-treebanks-v2.5/, v2.7/); download_data.sh's "
                     "udpos/*.tsv have no test tags",
    "panx/*-*.tsv": "panx_dataset/ (AmazonPhotos.zip); download_data.sh's panx/*.tsv have no "
                    "test tags",
    "pawsx/*-*.tsv": "x-final/ (the PAWS-X release); download_data.sh's pawsx/*.tsv have no "
                     "test labels",
    "xnli/*-*.tsv": "XNLI-1.0/ (the XNLI release); download_data.sh's xnli/*.tsv have no test "
                    "labels",
    "tatoeba/*-en.en": "tatoeba/v1/ (LASER's release); download_data.sh sorts the English side, "
                       "which loses the alignment",
    "bucc2018/*-en.test.*": "bucc2018/<lg>-en/ (the sample and training tars); "
                            "download_data.sh removes the test gold",
}


@dataclass
class Entry:
    """One task split in one language: the files its local source reads."""

    task: str
    split: str
    language: str
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    where: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.found) and not self.missing


def task_inventory(task: Task, root: Path) -> list[Entry]:
    """Found and missing files of every split and language of `task` under `root`."""
    entries = []
    for component in task.sources.local:
        for split, templates in component.files.items():
            for lang in task.languages_of(split) if split in task.splits else ():
                entries.append(split_entry(task, component, split, lang, templates, root))
    return entries


def split_entry(task: Task, component: LocalSource, split: str, lang: str,
                templates: tuple[str, ...], root: Path) -> Entry:
    """The files one split of `component` reads in one language: found and missing."""
    entry = Entry(task.name, split, lang, where=component.note)
    for template in templates:
        relative = component.relative(template, lang, task.code(lang))
        hits = [str(p) for p in component.matches(root, relative)]
        (entry.found.extend(hits) if hits else entry.missing.append(str(root / relative)))
    return entry


def processed_folders(root: Path) -> dict[str, str]:
    """download_data.sh output under `root` the local sources do not read, and what to get."""
    return {pattern.split("/")[0]: what for pattern, what in PROCESSED_ONLY.items()
            if glob.glob(str(Path(glob.escape(str(root))) / pattern))}


def inventory(root: Path, tasks: list[str] | None = None) -> list[Entry]:
    """Entries for `tasks` (default: every task with local files)."""
    names = tasks or [n for n in task_names() if get_task(n).sources.local]
    return [e for name in names for e in task_inventory(get_task(name), root)]


def format_inventory(entries: list[Entry], root: Path) -> str:
    """One line per task split language, then the missing files and where to get them; a file
    that several languages share (XNLI's one test file) and a task's source are named once."""
    lines, named, sources = [], set(), set()
    for e in entries:
        state = "ok" if e.ok else ("missing" if not e.found else "partial")
        lines.append(f"{e.task:18} {e.split:10} {e.language:4} {state:8} "
                     f"{len(e.found)} found, {len(e.missing)} missing")
        lines += [f"    missing {m}" for m in e.missing if m not in named]
        named.update(e.missing)
        if e.missing and e.where and (e.task, e.where) not in sources:
            sources.add((e.task, e.where))
            lines.append(f"    get it: {e.where}")
    for name, what in processed_folders(root).items():
        lines.append(f"note: {root / name} is download_data.sh output, not read here; get {what}")
    return "\n".join(lines)
