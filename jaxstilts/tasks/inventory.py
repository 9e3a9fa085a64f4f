"""What local data a user has: per task, split and language, the layout found (the official
releases, or the folders XTREME's `download_data.sh` writes), the files found, empty and missing,
the rows of each language in a file that holds several (XNLI's one test file), and where to get
what is missing (`jaxstilts data`). The layout is chosen as the loader chooses it
(`sources.local_layout`): the release files where they are all there, else download_data.sh's.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path

from jaxstilts.tasks.base import LocalSource, Task
from jaxstilts.tasks.fields import matches
from jaxstilts.tasks.problems import DataError, RowProblem
from jaxstilts.tasks.readers import POOL_FORMATS, READERS
from jaxstilts.tasks.registry import get_task, task_names
from jaxstilts.tasks.sources import blank_file, folders_at, local_layout, with_gold_if_present

# Rows per language of the files read so far: (task, paths) -> counts (None: the
# files could not be read through; the load names the fault).
RowCounts = dict[tuple, collections.Counter | None]


@dataclass
class Entry:
    """One task split in one language: the files its local source reads.

    `empty`: files found but empty (0 bytes or blanks); `folders`: folders where a file should
    be (a treebank file replaced by a folder; the load stops there); `rows`: the rows of this
    language in a file holding several languages (None: not counted, one file per language);
    `alternatives`: the other layout's files for this split and language, where files are
    missing.
    """

    task: str
    split: str
    language: str
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    where: str = ""
    layout: str = "release"
    unlabelled: bool = False  # download_data.sh removed the gold: predicted, not scored
    empty: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    rows: int | None = None
    alternatives: list[str] = field(default_factory=list)
    alternative_layout: str = ""

    @property
    def state(self) -> str:
        if self.folders:
            return "folder"
        if not self.found:
            return "missing"
        if self.missing:
            return "partial"
        if self.empty:
            return "empty"
        if self.rows == 0:
            return "no rows"
        return "ok"

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def packaged(task: Task) -> bool:
    """The task's data ship with the package (the demo tasks): never looked for in a folder."""
    return task.default_data_dir is not None


def task_inventory(task: Task, root: Path, counts: RowCounts | None = None) -> list[Entry]:
    """Found and missing files of every split and language of `task` under `root`."""
    counts = {} if counts is None else counts
    return [e for split in task.splits for lang in task.languages_of(split)
            for e in split_entries(task, split, lang, root, counts)]


def split_entries(task: Task, split: str, lang: str, root: Path,
                  counts: RowCounts | None = None) -> list[Entry]:
    """The files one split reads in one language, in the layout the loader would read."""
    layout, parts, _ = local_layout(task, split, root, (lang,))
    entries = [split_entry(task, c, split, lang, c.files[split], root, layout, counts)
               for c in parts]
    for name, components in task.sources.layouts().items():
        if name == layout or not any(e.missing for e in entries):
            continue
        other = [str(root / c.relative(t, lang, task.code(lang)))
                 for c in components if split in c.files for t in c.files[split]]
        for entry in entries:
            if entry.missing and other:
                entry.alternatives, entry.alternative_layout = other, name
    return entries


def split_entry(task: Task, component: LocalSource, split: str, lang: str,
                templates: tuple[str, ...], root: Path, layout: str = "release",
                counts: RowCounts | None = None) -> Entry:
    """The files one split of `component` reads in one language: found, empty and missing;
    with `counts` (a cache shared across calls), the rows of `lang` in a file holding several
    languages."""
    entry = Entry(task.name, split, lang, where=component.note, layout=layout,
                  unlabelled=component.unlabelled)
    for template in templates:
        relative = component.relative(template, lang, task.code(lang))
        hits = [str(p) for p in component.matches(root, relative)]
        entry.folders += map(str, folders_at(root, relative))
        (entry.found.extend(hits) if hits or entry.folders else
         entry.missing.append(str(root / relative)))
    entry.empty = [p for p in entry.found if blank_file(Path(p))]
    if entry.found and not (entry.missing or entry.empty or entry.folders):
        paths = [Path(p) for p in entry.found]
        entry.unlabelled = with_gold_if_present(component, paths).unlabelled
        if counts is not None and shared(component, templates):
            tally = _rows_of(task, component, paths, counts)
            entry.rows = None if tally is None else tally[lang]
    return entry


def shared(component: LocalSource, templates: tuple[str, ...]) -> bool:
    """Whether the files hold several languages, told apart by a column (XNLI's `language`)."""
    return (bool(component.rows.where) and component.format not in POOL_FORMATS
            and not any("{lang}" in t or "{code}" in t for t in templates))


def _rows_of(task: Task, component: LocalSource, paths: list[Path],
             counts: RowCounts) -> collections.Counter | None:
    """Rows per language of files shared by languages (read once; a row of no language of the
    task is not counted); None where the files cannot be read through (the load names why)."""
    key = (task.name, tuple(paths))
    if key in counts:
        return counts[key]
    languages = sorted({lang for split in task.splits for lang in task.languages_of(split)})
    contexts = {lang: {"lang": lang, "code": task.code(lang), "languages": ()}
                for lang in languages}
    columns = tuple(component.rows.where)
    seen: dict[tuple, str | None] = {}  # the where-columns' values -> their language
    tally: collections.Counter | None = collections.Counter()
    try:
        for item in READERS[component.format](paths, component.options, contexts[languages[0]]):
            if isinstance(item, RowProblem):
                continue
            raw = item[1]
            values = tuple(str(raw.get(c)) for c in columns)
            if values not in seen:
                seen[values] = next((lang for lang in languages
                                     if matches(component.rows, raw, contexts[lang])), None)
            if seen[values] is not None:
                tally[seen[values]] += 1
    except (DataError, OSError, ValueError):
        tally = None
    counts[key] = tally
    return tally


def layout_line(task: Task, component: LocalSource, root: Path) -> str:
    """Where `component`'s files of every split go under `root`, and where to get them."""
    files = ", ".join(t for templates in component.files.values() for t in templates)
    return f"{task.name}: {root}/{{{files}}}" + (f" ({component.note})" if component.note else "")


def inventory(root: Path, tasks: list[str] | None = None) -> list[Entry]:
    """Entries for `tasks` (default: every task read from local files, less the packaged demo
    tasks)."""
    names = tasks or [n for n in task_names()
                      if get_task(n).sources.local and not packaged(get_task(n))]
    counts: RowCounts = {}
    return [e for name in names for e in task_inventory(get_task(name), root, counts)]


def format_inventory(entries: list[Entry]) -> str:
    """One line per task split language (its layout, rows in a shared file; a test split whose
    gold download_data.sh removed is marked), then the files missing or empty, the other
    layout's files that would do instead, and where to get them; a file that several languages
    share (XNLI's one test file) and a task's source are named once."""
    lines, named, sources = [], set(), set()
    for e in entries:
        rows = f"; {e.rows} rows of {e.language}" if e.rows is not None else ""
        lines.append(f"{e.task:18} {e.split:10} {e.language:4} {e.state:8} {e.layout:16} "
                     f"{len(e.found)} found, {len(e.missing)} missing{rows}"
                     + ("; no test gold: predicted, not scored" if e.unlabelled else ""))
        lines += [f"    missing {m}" for m in e.missing if m not in named]
        lines += [f"    empty   {m}" for m in e.empty if m not in named]
        lines += [f"    folder  {m} (a folder, not a file)" for m in e.folders if m not in named]
        if e.alternatives:
            lines.append(f"    or      {', '.join(e.alternatives)} ({e.alternative_layout})")
        named.update(e.missing + e.empty + e.folders)
        if e.missing and e.where and (e.task, e.where) not in sources:
            sources.add((e.task, e.where))
            lines.append(f"    get it: {e.where}")
    return "\n".join(lines)


def summarize_inventory(entries: list[Entry]) -> str:
    """One line per task (complete, or which splits and languages lack what, and where to get
    them), then the totals: what `jaxstilts data DIR` prints for every task at once."""
    by_task: dict[str, list[Entry]] = {}
    for e in entries:
        by_task.setdefault(e.task, []).append(e)
    lines, states = [], collections.Counter()
    for name, group in by_task.items():
        # one state per (split, language): all of its components ok, else the first fault
        units: dict[tuple[str, str], list[Entry]] = {}
        for e in group:
            units.setdefault((e.split, e.language), []).append(e)
        good = [k for k, es in units.items() if all(e.ok for e in es)]
        none = [k for k, es in units.items() if all(e.state == "missing" for e in es)]
        state = ("ok" if len(good) == len(units) else "missing" if len(none) == len(units)
                 else "partial")
        states[state] += 1
        layouts = sorted({e.layout for e in group if e.found})
        head = f"{name:18} {state:8} {len(good)}/{len(units)} split-languages"
        unlabelled = sorted({e.language for e in group if e.unlabelled and e.ok})
        gold = (f"; no test gold in {', '.join(unlabelled)}: predicted, not scored"
                if unlabelled else "")
        if state == "ok":
            lines.append(head + f" ({', '.join(layouts)})" + gold)
            continue
        faults = []
        for split in dict.fromkeys(k[0] for k in units):
            bad = {k[1]: es for k, es in units.items() if k[0] == split and k not in good}
            if not bad:
                continue
            kinds = collections.defaultdict(list)
            for lang, es in bad.items():
                kinds[next(e.state for e in es if not e.ok)].append(lang)
            faults.append(f"{split}: " + "; ".join(
                f"{kind}{' in' if kind == 'no rows' else ''} {_languages(langs, split, group)}"
                for kind, langs in kinds.items()))
        wheres = dict.fromkeys(e.where for e in group if e.where and not e.ok)
        download = get_task(name).sources.download
        folders = dict.fromkeys(t.split("/")[0] + "/" for c in download
                                for ts in c.files.values() for t in ts)
        lines.append(head + (f" ({', '.join(layouts)})" if layouts else "") + "; "
                     + "; ".join(faults) + gold
                     + (f"; get it: {'; '.join(wheres)}" if wheres else "")
                     + (f"; or download_data.sh's {', '.join(folders)}" if folders else ""))
    lines.append(f"{states['ok']} of {len(by_task)} tasks complete, {states['partial']} partial, "
                 f"{states['missing']} missing. The demo tasks ship with the package. Each file "
                 "and the other layout's files: jaxstilts data DATA_DIR --task NAME")
    return "\n".join(lines)


def _languages(langs: list[str], split: str, group: list[Entry]) -> str:
    every = [e.language for e in group if e.split == split]
    return "every language" if len(set(langs)) == len(set(every)) > 1 else ", ".join(langs)
