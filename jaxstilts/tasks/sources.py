"""Load a task's split (one language, several, or all) from the hub, official local files or TFDS.

Every source yields raw rows `(where, dict)`; from there one path serves all of them: field
mapping (`fields.py`), validation (`validate.py`), problem accounting (`problems.py`) and a
canonical `datasets.Dataset`. Nothing after the read knows which source the rows came from.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import datasets

from jaxstilts.tasks.base import Kind, LocalSource, Task
from jaxstilts.tasks.fields import Excluded, map_row, matches
from jaxstilts.tasks.hub import SourceUnavailable, hub_datasets, hub_rows
from jaxstilts.tasks.problems import (
    DUPLICATE_ID,
    EMPTY_FILE,
    GOLD_LINK_WITHOUT_ROW,
    LANGUAGE_WITHOUT_ROWS,
    DataError,
    LoadReport,
    RowProblem,
)
from jaxstilts.tasks.readers import POOL_FORMATS, READERS
from jaxstilts.tasks.retrieval import split_pool
from jaxstilts.tasks.validate import LABEL_STRIPPED, STRIPPED_DETAIL, Repaired, check_row

PROVIDERS = ("local", "hub", "tfds")

_FEATURES = {
    Kind.PAIR_CLASSIFICATION: {"text_a": "string", "text_b": "string", "label": "string"},
    Kind.MULTIPLE_CHOICE: {"context": "string", "choices": ["string"], "label": "int32"},
    Kind.SPAN_EXTRACTION: {
        "context": "string",
        "question": "string",
        "answers": {"text": ["string"], "answer_start": ["int32"]},
    },
    Kind.TAGGING: {"tokens": ["string"], "tags": ["string"]},
    Kind.RETRIEVAL: {"text": "string", "text_b": "string", "side": "string"},
    Kind.RETRIEVAL_PAIRS: {"query": "string", "candidate": "string"},
}


def canonical_features(kind: Kind) -> datasets.Features:
    """The column types of a canonical examples table of `kind`."""

    def build(spec):
        if isinstance(spec, list):
            return datasets.List(build(spec[0]))
        if isinstance(spec, dict):
            return {k: build(v) for k, v in spec.items()}
        return datasets.Value(spec)

    spec = {"id": "string", "language": "string", **_FEATURES[kind]}
    return datasets.Features({k: build(v) for k, v in spec.items()})


@dataclass
class Examples:
    """A loaded split: canonical rows, the load report, and (retrieval) the gold links.

    `fingerprint` identifies the inputs (task definition, files or hub data, options); the
    featurizer cache is keyed on it. `layout`: which local layout was read ("release" or
    "download_data.sh"; empty for the hub and TFDS).
    """

    task: Task
    split: str
    languages: tuple[str, ...]
    rows: datasets.Dataset
    report: LoadReport
    source: str
    fingerprint: str
    gold: dict[str, list[str]] | None = None
    layout: str = ""

    def __len__(self) -> int:
        return len(self.rows)


def load_examples(
    task: Task | str,
    split: str,
    language: str | Sequence[str] | None = None,
    *,
    source: str = "local",
    data_dir: str | Path | None = None,
    skip_invalid: bool = False,
    hub_data_files: Mapping[str, Any] | None = None,
    hub_kwargs: Mapping[str, Any] | None = None,
    tfds_data_dir: str | None = None,
) -> Examples:
    """Rows of `task`'s `split` in `language` (a code, several, or None for all that have it).

    source: "local" (official files under `data_dir`, or the task's embedded default: the
        release files, else the folders of XTREME's `download_data.sh`, whichever holds the
        split in every language asked for), "hub" (`datasets.load_dataset`; `hub_data_files`
        points it at local parquet/json files) or "tfds" (needs the optional extra).
    skip_invalid: skip malformed rows instead of raising; the counts per reason are logged and
        returned in `Examples.report`.
    """
    from jaxstilts.tasks.registry import get_task

    task = get_task(task) if isinstance(task, str) else task
    available = task.languages_of(split)
    if language is None:
        languages = available
    else:
        languages = (language,) if isinstance(language, str) else tuple(language)
    missing = [lang for lang in languages if lang not in available]
    if missing:
        raise KeyError(f"task {task.name} split {split} has no languages {missing} ({available})")
    layout, alternative = "", ""
    if source == "local":
        root = Path(data_dir if data_dir is not None else task.default_data_dir or ".")
        layout, components, alternative = local_layout(task, split, root, languages)
    else:
        components = [c for c in task.sources.of(source) if split in _splits_of(c)]
    pooled = all(isinstance(c, LocalSource) and c.format in POOL_FORMATS for c in components)
    if task.kind == Kind.RETRIEVAL and len(languages) > 1 and not (components and pooled):
        raise ValueError(
            f"task {task.name}: load one language at a time -- each language is searched against "
            "its own English side, so languages cannot share one candidate pool"
        )
    if not components:
        why = task.sources.hub_unavailable if source == "hub" else ""
        raise SourceUnavailable(
            f"task {task.name}: no {source} source for split {split!r}"
            + (f": {why}" if why else "")
        )
    report = LoadReport(skip_invalid=skip_invalid)
    identity: list[Any] = [repr(task), split, languages, source, skip_invalid]
    collector = _Collector(task, report)
    origins: list[str] = []  # what was read, to name when it held no rows
    for component in components:
        pool = source == "local" and component.format in POOL_FORMATS
        for lang in (None,) if pool else languages:
            context = _context(task, lang, languages)
            unlabelled = False  # the rows carry no gold (`LocalSource.unlabelled`)
            if source == "local":
                paths = _local_paths(task, component, split, root, context, alternative)
                read_as = with_gold_if_present(component, paths)
                unlabelled = read_as.unlabelled
                origins += map(str, paths)
                identity.append([(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths])
                reader = READERS[component.format]
                items = reader(paths, read_as.options, context)
            elif source == "hub":
                items = _hub_items(
                    task, component, split, context, hub_data_files, hub_kwargs, identity
                )
                origins.append(f"hub {component.path} split {split}")
            else:
                from jaxstilts.tasks.tfds_reader import tfds_rows

                identity.append([component.name, split, lang])
                items = tfds_rows(component, split, context, tfds_data_dir)
                origins.append(f"tfds {component.name} split {split}")
            collector.add(items, component.rows, lang, context, unlabelled=unlabelled)
    rows, gold = collector.finish()
    if report.read == 0:
        detail = f"no rows of {task.name} {split} in {','.join(languages)}"
        raise DataError(", ".join(origins), EMPTY_FILE, detail)
    if language is not None:  # None: every language that has the split, as found
        _check_every_language(task, split, languages, collector.languages, origins)
    report.log(f"{task.name} {split} {','.join(languages)} ({source})")
    features = canonical_features(task.kind)
    columns = {name: [row[name] for row in rows] for name in features}
    table = datasets.Dataset.from_dict(columns, features=features)
    digest = hashlib.sha256(json.dumps(identity, default=str).encode()).hexdigest()[:20]
    return Examples(task, split, languages, table, report, source, digest, gold, layout)


def _check_every_language(task: Task, split: str, languages: Sequence[str],
                          found: Mapping[str, None], origins: Sequence[str]) -> None:
    """DataError naming each language asked for of which no row was read (retrieval: no
    query): a file holding 7 of XNLI's 15 languages must not give an average over 7 called one
    over 15. (Rows read and then skipped by `skip_invalid` are counted in the report.)"""
    absent = [lang for lang in languages if lang not in found]
    if absent:
        held = ", ".join(lang for lang in found if lang) or "none"
        raise DataError(
            ", ".join(dict.fromkeys(origins)), LANGUAGE_WITHOUT_ROWS,
            f"{task.name} {split} has no rows in {', '.join(absent)} (asked for "
            f"{len(languages)} languages; rows in {held}): get the complete files, or leave "
            "the language out (evaluate.languages)")


def _splits_of(component) -> Iterable[str]:
    return component.files if isinstance(component, LocalSource) else component.splits


def _context(task: Task, lang: str | None, languages: Sequence[str]) -> dict[str, Any]:
    return {
        "lang": lang or "",
        "code": task.code(lang) if lang else "",
        "languages": tuple(languages),
    }


def local_layout(
    task: Task, split: str, root: Path, languages: Sequence[str]
) -> tuple[str, list[LocalSource], str]:
    """(layout, its components of `split`, where the other layout would be): the first layout
    whose files of `split` are all there in every language asked for -- the release, then
    download_data.sh's folders. Neither complete: the one missing fewer languages (the release
    on a tie), whose first missing file the error names with the other layout's file."""
    layouts = {name: [c for c in parts if split in c.files]
               for name, parts in task.sources.layouts().items()}
    layouts = {name: parts for name, parts in layouts.items() if parts}
    missing = {name: [lang for c in parts for lang in _langs(c, languages)
                      if not _found(task, c, split, root, lang)]
               for name, parts in layouts.items()}
    for name, parts in layouts.items():
        if not missing[name]:
            return name, parts, ""
    if not layouts:
        return "", [], ""
    nearest = min(layouts, key=lambda name: len(missing[name]))  # ties: the release
    others = [name for name in layouts if name != nearest]
    lang = missing[nearest][0] or ""  # the first language the error will name
    where = [str(root / c.relative(t, lang, task.code(lang) if lang else ""))
             for name in others for c in layouts[name] for t in c.files[split]]
    return nearest, layouts[nearest], (f"; or the {others[0]} layout's {where[0]}" if where
                                       else "")


def _langs(component: LocalSource, languages: Sequence[str]) -> Sequence[str | None]:
    return (None,) if component.format in POOL_FORMATS else languages


def _found(task: Task, component: LocalSource, split: str, root: Path, lang: str | None) -> bool:
    code = task.code(lang) if lang else ""
    return all(component.matches(root, component.relative(t, lang or "", code))
               for t in component.files[split])


def _local_paths(
    task: Task, component: LocalSource, split: str, root: Path, context: Mapping,
    alternative: str = "",
) -> list[Path]:
    """Files of one split: templates filled in, globs expanded in sorted order, all must exist
    (the error names the file missing, where to get it, and the other layout's file)."""
    paths: list[Path] = []
    for template in component.files[split]:
        relative = component.relative(template, context["lang"], context["code"])
        pattern = str(root / relative)
        found = component.matches(root, relative)
        if folders := folders_at(root, relative):
            raise DataError(str(folders[0]), EMPTY_FILE, f"a folder where {relative} names a file")
        for path in found:
            if blank_file(path):
                raise DataError(str(path), EMPTY_FILE, "the file is empty")
        if not found:
            where = f" ({component.note})" if component.note else ""
            raise FileNotFoundError(
                f"task {task.name} split {split}"
                + (f" language {context['lang']}" if context["lang"] else "")
                + f": no file {pattern}{where}{alternative}"
            )
        paths.extend(found)
    return paths


def folders_at(root: Path, relative: str) -> list[Path]:
    """Folders a file template matches (a treebank file replaced by a folder): never skipped."""
    if glob.has_magic(relative):
        pattern = str(Path(glob.escape(str(root))) / relative)
        return [Path(p) for p in sorted(glob.glob(pattern)) if Path(p).is_dir()]
    return [root / relative] if (root / relative).is_dir() else []


def with_gold_if_present(component: LocalSource, paths: Sequence[Path]) -> LocalSource:
    """A source marked `unlabelled` (download_data.sh's test files) whose files still carry the
    gold column (a first record as wide as `options["labelled_columns"]`: a file written before
    the labels were removed, or by hand) is read with its gold, and scored."""
    labelled = component.options.get("labelled_columns")
    if not component.unlabelled or labelled is None or not paths:
        return component
    width = labelled if isinstance(labelled, int) else len(labelled)
    if all(_first_record_width(path) == width for path in paths):
        return replace(component, unlabelled=False,
                       options={**component.options, "columns": labelled})
    return component


def _first_record_width(path: Path) -> int:
    """Tab-separated fields of the first non-blank line (csv quoting respected)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for line in f:
            if line.strip():
                return len(next(csv.reader([line.rstrip("\r\n")], delimiter="\t")))
    return 0


def blank_file(path: Path) -> bool:
    """Empty, or only whitespace (a file truncated or never filled)."""
    size = path.stat().st_size
    return size == 0 or (size < 4096 and not path.read_bytes().strip())


def _hub_items(task, component, split, context, data_files, kwargs, identity) -> Iterator:
    for where, dataset in hub_datasets(
        task, component, split, context, data_files, **(kwargs or {})
    ):
        identity.append([where, getattr(dataset, "_fingerprint", None)])
        yield from hub_rows(dataset, where)


class _Collector:
    """Map, validate and account for rows; assemble retrieval pools and gold links."""

    def __init__(self, task: Task, report: LoadReport):
        self.task, self.report = task, report
        self.rows: list[dict[str, Any]] = []
        self.gold: dict[str, list[str]] = {}
        self.ids: set[str] = set()
        self.keys: dict[tuple, str] = {}  # (language, [file,] id) -> where it was first seen
        self.languages: dict[str, None] = {}  # languages of the rows read (retrieval: queries)

    def add(self, items: Iterable, rowmap, lang: str | None, context: Mapping,
            unlabelled: bool = False) -> None:
        """`unlabelled`: the rows carry no gold (see `LocalSource.unlabelled`)."""
        if self.task.kind == Kind.RETRIEVAL:  # counted per sentence and link, after the split
            self._add_retrieval(self._filtered(items, rowmap, context, count=False), rowmap, lang,
                                unlabelled)
            return
        for item in self._filtered(items, rowmap, context):
            if isinstance(item, Excluded):  # a reader's own exclusion (LAReQA's pairs)
                self.report.exclude(item)
                continue
            if isinstance(item, RowProblem):
                self.report.reject(item)
                continue
            self.languages[lang or ""] = None
            where, raw = item
            row = map_row(self.task.kind, rowmap, raw, where, unlabelled=unlabelled)
            if isinstance(row, Excluded):
                self.report.exclude(row)
                continue
            if isinstance(row, RowProblem):
                self.report.reject(row)
                continue
            row.setdefault("id", None)
            row["id"] = str(row["id"]) if row["id"] is not None else where
            row["language"] = lang or ""
            if unlabelled:
                self.report.repair(Repaired(where, LABEL_STRIPPED, STRIPPED_DETAIL))
            self._keep(row, where, unlabelled)

    def _filtered(self, items: Iterable, rowmap, context: Mapping, count: bool = True) -> Iterator:
        for item in items:
            if isinstance(item, RowProblem) or matches(rowmap, item[1], context):
                self.report.read += count
                yield item

    def _duplicate(self, row: dict[str, Any], where: str) -> RowProblem | None:
        """A second row with the same id in one language (tagging: in one file, as UD sentence
        ids are unique within a treebank file only). Ids repeat across languages in the real
        releases -- XQuAD's in every language, MLQA's for a parallel question -- and answers,
        predictions and submissions are keyed by (language, id)."""
        key = (row["language"], row["id"])
        if self.task.kind == Kind.TAGGING:
            key = (row["language"], where.rsplit(":", 1)[0], row["id"])
        if key in self.keys:
            return RowProblem(
                where, DUPLICATE_ID, f"id {row['id']!r} seen before at {self.keys[key]}"
            )
        self.keys[key] = where
        return None

    def _keep(self, row: dict[str, Any], where: str, unlabelled: bool = False) -> None:
        row, problems = check_row(self.task, row, where, unlabelled)
        for problem in problems:
            if isinstance(problem, Repaired):
                self.report.repair(problem)
            else:
                self.report.reject(problem)
        if row is None:
            return
        if self.task.kind == Kind.RETRIEVAL:
            if row["id"] in self.ids:  # gold links are keyed by id, across one pool
                self.report.reject(RowProblem(where, DUPLICATE_ID, f"id {row['id']!r} seen before"))
                return
            self.ids.add(row["id"])
        elif (problem := self._duplicate(row, where)) is not None:
            self.report.reject(problem)
            return
        self.rows.append({k: row.get(k) for k in ("id", "language", *_FEATURES[self.task.kind])})

    def _add_retrieval(self, items: Iterable, rowmap, lang: str | None,
                       unlabelled: bool = False) -> None:
        links, buffered = [], []
        for item in items:
            if isinstance(item, Excluded):  # not an error: counted (LAReQA's skipped questions)
                self.report.read += 1
                self.report.exclude(item)
            elif isinstance(item, RowProblem):
                self.report.read += 1
                self.report.reject(item)
            else:
                buffered.append(item)
        for item in split_pool(buffered, rowmap, lang):
            self.report.read += 1
            if isinstance(item, RowProblem):
                self.report.reject(item)
            elif item[0] == "gold":
                links.append(item[1])
            else:
                if item[1]["side"] == "query":
                    self.languages[item[1]["language"]] = None
                if unlabelled and item[1]["side"] == "query":
                    self.report.repair(Repaired(item[0], LABEL_STRIPPED, STRIPPED_DETAIL))
                self._keep(item[1], item[0])
        for query_id, candidate_id in links:
            self.gold.setdefault(query_id, []).append(candidate_id)

    def finish(self) -> tuple[list[dict[str, Any]], dict[str, list[str]] | None]:
        """The rows and gold links kept; sets `report.kept` (see `LoadReport`)."""
        if self.task.kind != Kind.RETRIEVAL:
            self.report.kept = len(self.rows)
            return self.rows, None
        # Links to rows that were skipped (or never given) would point nowhere: counted, dropped.
        live = {r["id"] for r in self.rows}
        gold: dict[str, list[str]] = {}
        for query_id, candidate_ids in self.gold.items():
            for candidate_id in candidate_ids:
                if query_id in live and candidate_id in live:
                    gold.setdefault(query_id, []).append(candidate_id)
                else:
                    self.report.skipped[GOLD_LINK_WITHOUT_ROW] += 1
        self.report.kept = len(self.rows) + sum(map(len, gold.values()))
        return self.rows, gold
