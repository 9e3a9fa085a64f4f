"""Tagging formats: CoNLL-style `token<TAB>tag` with blank lines between sentences (PAN-X,
XTREME's processed UD-POS), jiant's CCG `text<TAB>tags` lines, and CoNLL-U (raw UD treebanks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from jaxstilts.tasks.problems import (
    EMPTY_FILE,
    LENGTH_MISMATCH,
    WRONG_COLUMN_COUNT,
    DataError,
    RowProblem,
)
from jaxstilts.tasks.readers.text import lines

Row = tuple[str, dict[str, Any]] | RowProblem


def _sentence(path: Path, start: int, tokens: list, tags: list | None,
              sent_id: str | None = None) -> Row:
    row = {"tokens": tokens, "tags": tags, "id": sent_id or f"{path.name}:{start}"}
    if tags is None:  # a file without tags (XTREME's processed test splits)
        del row["tags"]
    return f"{path}:{start}", row


def read_conll(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """`token<TAB>...<TAB>tag` lines of exactly `columns` fields (2: token and tag, as PAN-X and
    CCG write them; 1: the token alone, as XTREME's processed test files, which have no tags; any
    other count is a problem, never part of a token or tag). PAN-X writes
    tokens as `lang:token`; the prefix named by `prefix` (a template such as `{lang}:`) is removed.
    `-DOCSTART-` lines are document breaks."""
    prefix = options.get("prefix", "").format(**context)
    token_column = options.get("token_column", 0)
    tag_column = options.get("tag_column", -1)
    columns = options.get("columns", 2)
    for path in paths:
        for block in _blocks(path, lambda line: not line.strip() or line.startswith("-DOCSTART-")):
            tokens, tags = [], []
            for number, line in block:
                if isinstance(line, RowProblem):
                    yield line
                    break
                values = line.split("\t")
                if len(values) != columns:
                    detail = (f"{len(values)} tab-separated fields, expected {columns} "
                              f"({'token, tag' if columns > 1 else 'the token'})")
                    yield RowProblem(f"{path}:{number}", WRONG_COLUMN_COUNT, detail)
                    break
                token = values[token_column]
                if prefix and token.startswith(prefix):
                    token = token[len(prefix) :]
                tokens.append(token)
                tags.append(values[tag_column])
            else:
                yield _sentence(path, block[0][0], tokens, tags if columns > 1 else None)


def _blocks(path: Path, is_break: Callable[[str], bool]
            ) -> Iterator[list[tuple[int, str | RowProblem]]]:
    """The numbered lines of `path` in blocks between break lines: one sentence each, so that a
    reader yields one problem per sentence (the sentence is the row) and stops reading it."""
    block: list[tuple[int, str | RowProblem]] = []
    for number, line in lines(path):
        if isinstance(line, RowProblem) or not is_break(line):
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def read_tagged_lines(paths: list[Path], options: Mapping[str, Any],
                      context: Mapping) -> Iterator[Row]:
    """One sentence per line, `text<TAB>tags` (jiant's CCG files, from its `ccg_proc.py`): the
    text split on single spaces as jiant splits it, the tags on whitespace, one tag per word."""
    for path in paths:
        for number, line in lines(path):
            if isinstance(line, RowProblem):
                yield line
                continue
            if not line.strip():
                continue
            values = line.strip().split("\t")
            where = f"{path}:{number}"
            if len(values) != 2:
                detail = f"{len(values)} tab-separated fields, expected 2 (text, tags)"
                yield RowProblem(where, WRONG_COLUMN_COUNT, detail)
                continue
            tokens, tags = values[0].split(" "), values[1].split()
            if len(tokens) != len(tags):
                detail = f"{len(tokens)} words but {len(tags)} tags"
                yield RowProblem(where, LENGTH_MISMATCH, detail)
                continue
            yield where, {"tokens": tokens, "tags": tags, "id": f"{path.name}:{number}"}


# conllu_to_conll.py's POS precedence for choosing a multi-word token's head among tied words
POS_PRECEDENCE = {
    "default": "VERB NOUN PROPN PRON ADJ NUM ADV INTJ AUX ADP DET PART CCONJ SCONJ X PUNCT".split(),
    "es": "VERB AUX PRON ADP DET".split(),
    "fr": "VERB AUX PRON NOUN ADJ ADV ADP DET PART SCONJ CONJ".split(),
    "it": "VERB AUX ADV PRON ADP DET INTJ".split(),
}


def read_conllu(paths: list[Path], options: Mapping[str, Any], context: Mapping) -> Iterator[Row]:
    """CoNLL-U: FORM and UPOS of each syntactic word. Multi-word token lines (`3-4`) and empty
    nodes (`5.1`) are not words of the tag sequence; comments carry the sentence id.

    With `xtreme` (XTREME's UD-POS, `download_data.sh`): files in file-name order; each multi-word
    token is one word, its fused form tagged with the UPOS of its head word (as
    `conllu_to_conll.py --replace_subtokens_with_fused_forms`); sentences whose forms are all `_`
    but at most one are dropped, and zero-width non-joiners and spaces are removed from forms (as
    `utils_preprocess.py udpos_preprocess`)."""
    xtreme = bool(options.get("xtreme"))
    precedence = POS_PRECEDENCE.get(context.get("lang", ""), POS_PRECEDENCE["default"])
    for path in sorted(paths, key=lambda p: p.name) if xtreme else paths:
        sentences = 0
        for item in _conllu_sentences(path):
            sentences += 1
            if isinstance(item, RowProblem) or not xtreme:
                if not isinstance(item, RowProblem):
                    item = _sentence(path, item.start, item.forms(), item.tags(), item.sent_id)
                yield item
                continue
            tokens, tags = item.fused(precedence)
            empty = sum(t == "_" for t in tokens)
            if empty and empty >= len(tokens) - 1:
                continue
            tokens = ["".join(t.replace("\u200c", "").split(" ")) for t in tokens]
            yield _sentence(path, item.start, tokens, tags, item.sent_id)
        if not sentences:  # e.g. comment lines only: half a split must not pass for all of it
            raise DataError(str(path), EMPTY_FILE, "no sentence in the file (no word lines)")


class _Tree:
    """One CoNLL-U sentence: words (id -> form, upos), parents (basic and enhanced heads) and
    multi-word tokens (first id -> (last id, form))."""

    def __init__(self, start: int, sent_id: str | None):
        self.start, self.sent_id = start, sent_id
        self.words: dict[int, tuple[str, str]] = {}
        self.parents: dict[int, set[int]] = {}
        self.multi: dict[int, tuple[int, str]] = {}

    def forms(self) -> list[str]:
        return [self.words[i][0] for i in sorted(self.words)]

    def tags(self) -> list[str]:
        return [self.words[i][1] for i in sorted(self.words)]

    def _depth(self, word: int) -> int:
        """How many nodes reach `word` (networkx `ancestors` over basic + enhanced edges)."""
        seen, todo = set(), [word]
        while todo:
            for parent in self.parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        seen.discard(word)
        return len(seen)

    def _head(self, span: list[int], precedence: list[str]) -> int:
        """conllu_to_conll.py's span head: the one highest word, else the highest by POS rank."""
        depths = [self._depth(w) for w in span]
        highest = [w for w, d in zip(span, depths, strict=True) if d == min(depths)]
        if len(highest) == 1:
            return highest[0]
        rank = {pos: i for i, pos in enumerate(precedence)}
        return min(highest, key=lambda w: rank.get(self.words[w][1], len(rank)))

    def fused(self, precedence: list[str]) -> tuple[list[str], list[str]]:
        """Words and tags with each multi-word token as one word (fused form, head's UPOS)."""
        replaced: dict[int, str] = {}
        dropped: set[int] = set()
        for first, (last, form) in self.multi.items():
            span = [w for w in range(first, last + 1) if w in self.words]
            if not span:
                continue
            head = self._head(span, precedence)
            replaced[head] = form
            dropped.update(w for w in span if w != head)
        ids = [i for i in sorted(self.words) if i not in dropped]
        return ([replaced.get(i, self.words[i][0]) for i in ids], [self.words[i][1] for i in ids])


def _conllu_sentences(path: Path) -> Iterator[_Tree | RowProblem]:
    for block in _blocks(path, lambda line: not line.strip()):
        tree = _Tree(block[0][0], None)
        for number, line in block:
            if isinstance(line, RowProblem):
                yield line
                break
            if line.startswith("#"):
                if line.startswith("# sent_id"):
                    tree.sent_id = line.partition("=")[2].strip()
                continue
            values = line.split("\t")
            if len(values) != 10:
                detail = f"{len(values)} tab-separated fields, CoNLL-U has 10"
                yield RowProblem(f"{path}:{number}", WRONG_COLUMN_COUNT, detail)
                break
            _add_word(tree, values)
        else:
            if tree.words:
                yield tree


def _add_word(tree: _Tree, values: list[str]) -> None:
    """One CoNLL-U line into `tree`: a word (form, UPOS, heads) or a multi-word token; empty
    nodes are skipped."""
    word_id = values[0]
    if "." in word_id:
        return
    if "-" in word_id:
        first, _, last = word_id.partition("-")
        if first.isdigit() and last.isdigit():
            tree.multi[int(first)] = (int(last), values[1])
        return
    if not word_id.isdigit():
        return
    word = int(word_id)
    tree.words[word] = (values[1], values[3])
    heads = {int(values[6])} if values[6].isdigit() else set()
    if values[8] != "_":
        heads |= {int(h) for h, _, _ in (d.partition(":") for d in values[8].split("|"))
                  if h.isdigit()}
    tree.parents[word] = heads
