"""Prediction files in the XTREME benchmark's layout, written and read back with clear errors.

A submission folder holds `<task>/test-<lang>.<suffix>`, the same layout as XTREME's label folder.
Each metric names its file format (`scoring.METRICS`; XTREME's tasks: `xtreme.SCORERS`):

- `label` (`.tsv`): one label (Tatoeba: a sentence index) per line (XNLI, PAWS-X, Tatoeba);
- `tags` (`.tsv`): one tag per line, sentences separated by one blank line (PAN-X, UD-POS);
- `pairs` (`.tsv`): one `source_id<TAB>target_id` pair per line (BUCC);
- `squad` (`.json`): predictions `{question_id: answer_text}`; the labels are SQuAD-format
  datasets (`{"data": [articles]}`) (XQuAD, MLQA, TyDiQA);
- `ranking` (`.json`): `{query_id: [candidate ids, best first]}`; the labels map each query to its
  gold id(s) in the same way (Mewsli-X, LAReQA);
- `jsonl` (`.jsonl`): one JSON object with a `label` per line (XCOPA).

Readers return what the metric functions take, and raise `ScoringError` naming the file (and the
line where one applies) for invalid UTF-8, invalid JSON, wrong column counts or wrong shapes.
Trailing blank lines are ignored; a blank line inside a one-item-per-line file is an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from jaxstilts.evaluate.metrics.errors import ScoringError

Format = Literal["label", "tags", "pairs", "squad", "ranking", "jsonl"]

SUFFIXES: dict[Format, str] = {
    "label": "tsv",
    "tags": "tsv",
    "pairs": "tsv",
    "squad": "json",
    "ranking": "json",
    "jsonl": "jsonl",
}


def _suffix(fmt: Format) -> str:
    if fmt not in SUFFIXES:
        raise ScoringError(f"unknown prediction format {fmt!r} (known: {', '.join(SUFFIXES)})")
    return SUFFIXES[fmt]


def file_name(fmt: Format, language: str) -> str:
    """`test-<lang>.<suffix>` for a file of format `fmt`."""
    return f"test-{language}.{_suffix(fmt)}"


# ---------------------------------------------------------------------------------------- reading


def read_text(path: str | Path) -> str:
    """A file's text as UTF-8 (a leading BOM dropped), or ScoringError naming the bad line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScoringError("file not found", path=path) from None
    except OSError as err:
        raise ScoringError(f"cannot read file: {err.strerror}", path=path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ScoringError(
            f"invalid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})",
            path=path,
            line=line,
        ) from None


def _lines(text: str) -> list[str]:
    """Lines as Python's text files split them (\\n, \\r\\n, \\r), without trailing blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _columns(path: Path, number: int, line: str, expected: int) -> list[str]:
    columns = line.strip().split("\t")
    if len(columns) != expected:
        raise ScoringError(
            f"expected {expected} tab-separated column{'s' if expected > 1 else ''}, "
            f"found {len(columns)}: {line.strip()[:80]!r}",
            path=path,
            line=number,
        )
    if not all(c.strip() for c in columns):
        raise ScoringError(f"empty column in {line.strip()[:80]!r}", path=path, line=number)
    return [c.strip() for c in columns]


def read_labels(path: str | Path) -> list[str]:
    """One label per line (XNLI, PAWS-X, Tatoeba), stripped."""
    path = Path(path)
    out = []
    for number, line in enumerate(_lines(read_text(path)), start=1):
        if not line.strip():
            raise ScoringError("blank line in a one-label-per-line file", path=path, line=number)
        out.append(_columns(path, number, line, 1)[0])
    return out


def read_tagged(path: str | Path) -> tuple[list[list[str]], list[int]]:
    """Sentences of tags (PAN-X, UD-POS) and the line each sentence starts on.

    Runs of blank lines count as one sentence break (XTREME's reader would make empty sentences
    of them, which score nothing).
    """
    path = Path(path)
    sentences: list[list[str]] = []
    starts: list[int] = []
    current: list[str] = []
    for number, line in enumerate(_lines(read_text(path)), start=1):
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            continue
        if not current:
            starts.append(number)
        current.append(_columns(path, number, line, 1)[0])
    if current:
        sentences.append(current)
    return sentences, starts


def read_tags(path: str | Path) -> list[list[str]]:
    """Sentences of tags (PAN-X, UD-POS)."""
    return read_tagged(path)[0]


def read_pairs(path: str | Path) -> list[tuple[str, str]]:
    """BUCC `(source_id, target_id)` pairs, one tab-separated pair per line."""
    path = Path(path)
    out = []
    for number, line in enumerate(_lines(read_text(path)), start=1):
        if not line.strip():
            raise ScoringError("blank line in a one-pair-per-line file", path=path, line=number)
        src, trg = _columns(path, number, line, 2)
        out.append((src, trg))
    return out


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise ScoringError(
            f"invalid JSON: {err.msg} (column {err.colno})", path=path, line=err.lineno
        ) from None


def read_squad(path: str | Path) -> list[dict]:
    """The articles of a SQuAD-format dataset (`{"data": [...]}` or the bare list)."""
    path = Path(path)
    data = read_json(path)
    articles = data.get("data") if isinstance(data, dict) else data
    if not isinstance(articles, list):
        raise ScoringError('expected a SQuAD-format dataset: {"data": [articles]}', path=path)
    for n, article in enumerate(articles):
        paragraphs = article.get("paragraphs") if isinstance(article, dict) else None
        if not isinstance(paragraphs, list) or not all(
            isinstance(p, dict) and isinstance(p.get("qas"), list) for p in paragraphs
        ):
            raise ScoringError(f"article {n}: expected paragraphs with qas lists", path=path)
        for paragraph in paragraphs:
            for qa in paragraph["qas"]:
                answers = qa.get("answers") if isinstance(qa, dict) else None
                if (
                    "id" not in qa
                    or not isinstance(answers, list)
                    or not all(
                        isinstance(a, dict) and isinstance(a.get("text"), str) for a in answers
                    )
                ):
                    raise ScoringError(
                        f"article {n}: a question without an id or answers with text", path=path
                    )
    return articles


def read_answers(path: str | Path) -> dict[str, str]:
    """QA predictions `{question_id: answer_text}`."""
    path = Path(path)
    data = read_json(path)
    if not isinstance(data, dict):
        raise ScoringError(
            f"expected a JSON object {{question_id: answer}}, found {type(data).__name__}",
            path=path,
        )
    for qid, answer in data.items():
        if not isinstance(answer, str):
            raise ScoringError(
                f"answer for {qid!r} is {type(answer).__name__}, not text", path=path
            )
    return data


def read_rankings(path: str | Path) -> dict[str, list[str]]:
    """`{query_id: [ids...]}` (Mewsli-X, LAReQA predictions and labels)."""
    path = Path(path)
    data = read_json(path)
    if not isinstance(data, dict):
        raise ScoringError(
            f"expected a JSON object {{id: [ids]}}, found {type(data).__name__}", path=path
        )
    for qid, ids in data.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ScoringError(f"value for {qid!r} is not a list of ids", path=path)
    return data


def read_jsonl_labels(path: str | Path) -> list[Any]:
    """The `label` of each JSON line (XCOPA)."""
    path = Path(path)
    out = []
    for number, line in enumerate(_lines(read_text(path)), start=1):
        if not line.strip():
            raise ScoringError("blank line in a JSON-lines file", path=path, line=number)
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ScoringError(
                f"invalid JSON: {err.msg} (column {err.colno})", path=path, line=number
            ) from None
        if not isinstance(record, dict) or "label" not in record:
            raise ScoringError('expected a JSON object with a "label"', path=path, line=number)
        out.append(record["label"])
    return out


_PREDICTION_READERS = {
    "label": read_labels,
    "tags": read_tags,
    "pairs": read_pairs,
    "squad": read_answers,
    "ranking": read_rankings,
    "jsonl": read_jsonl_labels,
}
_LABEL_READERS = {**_PREDICTION_READERS, "squad": read_squad}


def read_prediction_file(fmt: Format, path: str | Path) -> Any:
    """A prediction file of format `fmt`, in the form its metric takes."""
    _suffix(fmt)
    return _PREDICTION_READERS[fmt](path)


def read_label_file(fmt: Format, path: str | Path) -> Any:
    """A label file of format `fmt`, in the form its metric takes."""
    _suffix(fmt)
    return _LABEL_READERS[fmt](path)


def read_predictions(folder: str | Path, task: str, language: str, fmt: Format) -> Any:
    """`<folder>/<task>/test-<lang>.<suffix>`, read back."""
    return read_prediction_file(fmt, Path(folder) / task / file_name(fmt, language))


# ---------------------------------------------------------------------------------------- writing


def _field(value: Any, what: str) -> str:
    text = str(value)
    if not text.strip() or any(c in text for c in "\t\n\r"):
        raise ScoringError(f"{what} {text!r} is empty or holds a tab or line break")
    return text.strip()


def format_predictions(fmt: Format, predictions: Any) -> str:
    """The file contents for one language's predictions (what `write_predictions` writes)."""
    _suffix(fmt)
    if fmt == "label":
        return "".join(_field(p, "label") + "\n" for p in predictions)
    if fmt == "tags":
        blocks = ["".join(_field(t, "tag") + "\n" for t in sentence) for sentence in predictions]
        if any(not b for b in blocks):
            raise ScoringError("an empty sentence cannot be written (it would vanish)")
        return "\n".join(blocks)
    if fmt == "pairs":
        return "".join(
            f"{_field(s, 'source id')}\t{_field(t, 'target id')}\n" for s, t in predictions
        )
    if fmt == "squad":
        return (
            json.dumps(
                {str(q): str(a) for q, a in dict(predictions).items()}, ensure_ascii=False, indent=2
            )
            + "\n"
        )
    if fmt == "ranking":
        ranked = {str(q): [str(i) for i in ids] for q, ids in dict(predictions).items()}
        return json.dumps(ranked, ensure_ascii=False) + "\n"
    return "".join(json.dumps({"idx": n, "label": p}) + "\n" for n, p in enumerate(predictions))


def write_predictions(folder: str | Path, task: str, language: str, predictions: Any,
                      fmt: Format) -> Path:
    """Write one language's predictions to `<folder>/<task>/test-<lang>.<suffix>` in format
    `fmt`; return the path.

    `predictions` is what the task's metric takes: labels, tag sentences, id pairs,
    `{question_id: answer}`, or `{query_id: [ids]}`.
    """
    path = Path(folder) / task / file_name(fmt, language)
    contents = format_predictions(fmt, predictions)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(contents, encoding="utf-8", newline="\n")
    return path


def languages_in(folder: str | Path, task: str, fmt: Format) -> list[str]:
    """Languages having a `test-<lang>.<suffix>` file (a `test-*` of another suffix: error)."""
    task_dir = Path(folder) / task
    if not task_dir.is_dir():
        return []
    suffix = "." + _suffix(fmt)
    languages = []
    for path in sorted(task_dir.iterdir()):
        if not path.name.startswith("test-") or not path.is_file():
            continue
        if not path.name.endswith(suffix):
            raise ScoringError(f"{task} files are named test-<lang>{suffix}", path=path)
        languages.append(path.name[len("test-") : -len(suffix)])
    return languages
