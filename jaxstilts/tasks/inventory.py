"""What local data a user has: per task, split and language, the layout found (the official
releases, or the folders XTREME's `download_data.sh` writes), the files found and missing, and
where to get them (`jaxstilts data`). The layout is chosen as the loader chooses it
(`sources.local_layout`): the release files where they are all there, else download_data.sh's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jaxstilts.tasks.base import LocalSource, Task
from jaxstilts.tasks.registry import get_task, task_names
from jaxstilts.tasks.sources import local_layout


@dataclass
class Entry:
    """One task split in one language: the files its local source reads."""

    task: str
    split: str
    language: str
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    where: str = ""
    layout: str = "release"
    unlabelled: bool = False  # download_data.sh removed the gold: predicted, not scored

    @property
    def ok(self) -> bool:
        return bool(self.found) and not self.missing


def task_inventory(task: Task, root: Path) -> list[Entry]:
    """Found and missing files of every split and language of `task` under `root`."""
    return [e for split in task.splits for lang in task.languages_of(split)
            for e in split_entries(task, split, lang, root)]


def split_entries(task: Task, split: str, lang: str, root: Path) -> list[Entry]:
    """The files one split reads in one language, in the layout the loader would read."""
    layout, parts, _ = local_layout(task, split, root, (lang,))
    return [split_entry(task, c, split, lang, c.files[split], root, layout) for c in parts]


def split_entry(task: Task, component: LocalSource, split: str, lang: str,
                templates: tuple[str, ...], root: Path, layout: str = "release") -> Entry:
    """The files one split of `component` reads in one language: found and missing."""
    entry = Entry(task.name, split, lang, where=component.note, layout=layout,
                  unlabelled=component.unlabelled)
    for template in templates:
        relative = component.relative(template, lang, task.code(lang))
        hits = [str(p) for p in component.matches(root, relative)]
        (entry.found.extend(hits) if hits else entry.missing.append(str(root / relative)))
    return entry


def layout_line(task: Task, component: LocalSource, root: Path) -> str:
    """Where `component`'s files of every split go under `root`, and where to get them."""
    files = ", ".join(t for templates in component.files.values() for t in templates)
    return f"{task.name}: {root}/{{{files}}}" + (f" ({component.note})" if component.note else "")


def inventory(root: Path, tasks: list[str] | None = None) -> list[Entry]:
    """Entries for `tasks` (default: every task with local files)."""
    names = tasks or [n for n in task_names() if get_task(n).sources.local]
    return [e for name in names for e in task_inventory(get_task(name), root)]


def format_inventory(entries: list[Entry]) -> str:
    """One line per task split language (its layout; a test split whose gold download_data.sh
    removed is marked), then the missing files and where to get them; a file that several
    languages share (XNLI's one test file) and a task's source are named once."""
    lines, named, sources = [], set(), set()
    for e in entries:
        state = "ok" if e.ok else ("missing" if not e.found else "partial")
        lines.append(f"{e.task:18} {e.split:10} {e.language:4} {state:8} {e.layout:16} "
                     f"{len(e.found)} found, {len(e.missing)} missing"
                     + ("; no test gold: predicted, not scored" if e.unlabelled else ""))
        lines += [f"    missing {m}" for m in e.missing if m not in named]
        named.update(e.missing)
        if e.missing and e.where and (e.task, e.where) not in sources:
            sources.add((e.task, e.where))
            other = "download_data.sh" in get_task(e.task).sources.layouts()
            lines.append(f"    get it: {e.where}"
                         + ("; or the task's folder of XTREME's scripts/download_data.sh"
                            if other and e.layout == "release" else ""))
    return "\n".join(lines)
