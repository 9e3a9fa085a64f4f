"""What a task is: plain data (kind, labels, languages, sources, field mapping, length, metric).

A task holds no code. Everything that differs between datasets -- file layout, column names, label
spellings -- is described here and interpreted by `sources.py`, so a user-defined task is just a
config, and the hub and local paths of one task share everything after reading.
"""

from __future__ import annotations

import glob
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jaxstilts.kinds import Kind

SPLITS = ("train", "validation", "test")


DEFAULT_MAX_LENGTH = {
    Kind.PAIR_CLASSIFICATION: 256,
    Kind.MULTIPLE_CHOICE: 256,
    Kind.TAGGING: 256,
    Kind.SPAN_EXTRACTION: 384,
    Kind.RETRIEVAL: 512,
    Kind.RETRIEVAL_PAIRS: 64,
}

# Canonical fields of a row, per kind, after mapping; `id` and `language` are always present.
CANONICAL_FIELDS = {
    Kind.PAIR_CLASSIFICATION: ("text_a", "text_b", "label"),
    Kind.MULTIPLE_CHOICE: ("context", "choices", "label"),
    Kind.SPAN_EXTRACTION: ("context", "question", "answers"),
    Kind.TAGGING: ("tokens", "tags"),
    Kind.RETRIEVAL: ("text", "text_b", "side"),
    Kind.RETRIEVAL_PAIRS: ("query", "candidate"),
}


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class RowMap:
    """How raw rows of one source become canonical rows.

    fields: canonical field -> raw column. A column may be dotted (`question.stem`), may map over a
        list of dicts (`choices[].text`), or be a list of columns (text fields: joined with a space;
        `choices`: collected as a list).
    label_map: raw label value (as a string) -> canonical label (name, or choice index).
    value_maps: raw column -> {raw value -> replacement}, applied before `fields`.
    where: raw column -> value pattern (fnmatch, may use `{lang}`, `{code}`); other rows are not
        part of this split/language (e.g. XNLI's one file for 15 languages) and are not counted.
    exclude_labels: raw labels that mean "no gold label" (SNLI's `-`); such rows are counted in the
        load report as `no_gold_label`, never silently dropped.
    choice_prefix: raw column put before every choice, with a space (jiant's HellaSwag:
        `ctx_b + " " + ending`, the context being `ctx_a`).
    """

    fields: Mapping[str, Any] = field(default_factory=dict)
    label_map: Mapping[str, Any] = field(default_factory=dict)
    value_maps: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    where: Mapping[str, str] = field(default_factory=dict)
    exclude_labels: tuple[str, ...] = ()
    choice_prefix: str | None = None

    def __post_init__(self):
        for name in ("fields", "label_map", "value_maps", "where"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))


@dataclass(frozen=True)
class HubSource:
    """One Hugging Face hub dataset (parquet) providing some splits.

    `name` may contain `{lang}`/`{code}`; `splits` maps our split name to one or more hub splits.
    """

    path: str
    splits: Mapping[str, tuple[str, ...]]
    name: str | None = None
    rows: RowMap = field(default_factory=RowMap)
    note: str = ""

    def __post_init__(self):
        object.__setattr__(self, "splits", _frozen(_tuples(self.splits)))


@dataclass(frozen=True)
class LocalSource:
    """Official files under a data directory, read by the reader named `format`.

    `files` maps our split name to path templates relative to the data directory; templates may
    use `{lang}`, `{code}` (from the task's `codes`) and shell globs (all matches are read in sorted
    order and concatenated, e.g. the UD treebanks of one language). `options` go to the reader.
    `unlabelled`: the files carry no gold (XTREME's `download_data.sh` removes test labels, tags
    and alignments): rows load without it, counted as `label_stripped`, predicted and written but
    not scored.
    """

    format: str
    files: Mapping[str, tuple[str, ...]]
    rows: RowMap = field(default_factory=RowMap)
    options: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    unlabelled: bool = False

    def __post_init__(self):
        object.__setattr__(self, "files", _frozen(_tuples(self.files)))
        object.__setattr__(self, "options", _frozen(self.options))

    def relative(self, template: str, lang: str, code: str) -> str:
        """`template` filled in for one language, with its per-language `template_values`
        (e.g. the UD version; "*" is the default)."""
        values = self.options.get("template_values", {})
        return template.format(lang=lang, code=code, **values.get(lang, values.get("*", {})))

    @staticmethod
    def matches(root: Path, relative: str) -> list[Path]:
        """The files `relative` names under `root`, globs expanded in sorted order (only the
        template globs: the root may hold `[` or `*` itself)."""
        if glob.has_magic(relative):
            return [Path(p) for p in sorted(glob.glob(str(Path(glob.escape(str(root))) / relative)))
                    if Path(p).is_file()]
        return [root / relative] if (root / relative).is_file() else []


@dataclass(frozen=True)
class TfdsSource:
    """A TensorFlow Datasets builder (optional extra `tfds`); `name` may use `{lang}`/`{code}`."""

    name: str
    splits: Mapping[str, tuple[str, ...]]
    rows: RowMap = field(default_factory=RowMap)
    note: str = ""

    def __post_init__(self):
        object.__setattr__(self, "splits", _frozen(_tuples(self.splits)))


def _tuples(mapping: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {k: (v,) if isinstance(v, str) else tuple(v) for k, v in dict(mapping).items()}


@dataclass(frozen=True)
class Sources:
    """Every way to get a task's data. Each list holds components that are concatenated per split
    (ANLI+ is SNLI + MNLI + ANLI R1-R3); a component contributes only the splits it names."""

    hub: tuple[HubSource, ...] = ()
    local: tuple[LocalSource, ...] = ()
    tfds: tuple[TfdsSource, ...] = ()
    hub_unavailable: str = ""  # why there is no hub source, shown in the error
    # The same splits as `local`, in the folders XTREME's scripts/download_data.sh writes
    # (`udpos/`, `panx/`, ...): read with source "local" where the release files are not found.
    download: tuple[LocalSource, ...] = ()

    def layouts(self) -> dict[str, tuple[LocalSource, ...]]:
        """The local layouts, in the order they are looked for."""
        return {name: parts for name, parts in (("release", self.local),
                                                ("download_data.sh", self.download)) if parts}

    def of(self, provider: str) -> tuple:
        if provider not in ("hub", "local", "tfds"):
            raise ValueError(f"unknown source {provider!r}: expected 'hub', 'local' or 'tfds'")
        return getattr(self, provider)


@dataclass(frozen=True)
class Task:
    """A named task: everything needed to load, featurize and score it, and nothing executable.

    splits: split name -> languages that have it (e.g. XNLI: validation/test in 15 languages).
    labels: label names (classification, tagging); None for an open tag set (inferred from data).
    num_choices: choices per example (multiple choice).
    codes: our language code -> the dataset's own code or name (`{code}` in templates).
    train_task: the task whose English training data trains this target (XNLI <- MNLI).
    prepare_tasks: English tasks the target's recipe trains first, in order, each a stage of its
        own whose encoder starts the next, before `train_task` (XTREME-R's XCOPA: SIQA, then
        COPA); `target.prepare_epochs` sets their length, 0 leaves them out.
    query_max_length: retrieval and retrieval pairs: tokens of a query (None: `max_length`, which
        then bounds the candidates only; XTREME-R's LAReQA: 96 question, 256 answer tokens).
    scored_as: the XTREME task whose official scorer and prediction folder this task uses
        (`demo_xnli` and `xnli` as `xnli`); None: its own metric, files under its own name.
    """

    name: str
    kind: Kind
    metric: str
    languages: tuple[str, ...]
    splits: Mapping[str, tuple[str, ...]]
    sources: Sources
    labels: tuple[str, ...] | None = None
    num_choices: int | None = None
    max_length: int | None = None
    codes: Mapping[str, str] = field(default_factory=dict)
    train_task: str | None = None
    prepare_tasks: tuple[str, ...] = ()
    query_max_length: int | None = None
    unanswerable: bool = False  # span extraction: questions may have no answer (SQuAD v2.0)
    tags: frozenset[str] = frozenset()
    description: str = ""
    default_data_dir: str | None = None  # local root used when none is given (embedded demo data)
    scored_as: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "prepare_tasks", tuple(self.prepare_tasks))
        object.__setattr__(self, "splits", _frozen(_tuples(self.splits)))
        object.__setattr__(self, "codes", _frozen(self.codes))
        object.__setattr__(self, "tags", frozenset(self.tags))
        if self.labels is not None:
            object.__setattr__(self, "labels", tuple(self.labels))
        if self.max_length is None:
            object.__setattr__(self, "max_length", DEFAULT_MAX_LENGTH[self.kind])
        if self.kind == Kind.MULTIPLE_CHOICE and not self.num_choices:
            raise ValueError(f"task {self.name}: multiple choice needs num_choices")
        for split, langs in self.splits.items():
            unknown = set(langs) - set(self.languages)
            if unknown:
                raise ValueError(
                    f"task {self.name}: split {split} has unlisted languages {unknown}"
                )

    def code(self, language: str) -> str:
        """The dataset's own code for `language` (Tatoeba `deu`, TyDiQA `german`, ...)."""
        return self.codes.get(language, language)

    def languages_of(self, split: str) -> tuple[str, ...]:
        if split not in self.splits:
            raise KeyError(f"task {self.name} has no split {split!r} (has {sorted(self.splits)})")
        return self.splits[split]

    def with_labels(self, labels: tuple[str, ...]) -> Task:
        """This task with a fixed label set (for open tag sets such as CCG supertags)."""
        return replace(self, labels=tuple(labels))
