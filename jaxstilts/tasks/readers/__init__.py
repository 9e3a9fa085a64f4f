"""Readers of official local formats. Each yields `(where, raw_row)` or a `RowProblem`; raw rows
then go through the same field mapping and validation as hub rows."""

from jaxstilts.tasks.readers.bitext import read_bucc, read_tatoeba
from jaxstilts.tasks.readers.conll import read_conll, read_conllu, read_tagged_lines
from jaxstilts.tasks.readers.entities import read_mewslix, read_mewslix_pairs
from jaxstilts.tasks.readers.lareqa import read_lareqa, read_lareqa_pairs
from jaxstilts.tasks.readers.squad import read_squad
from jaxstilts.tasks.readers.tables import read_csv, read_jsonl, read_jsonl_labels, read_tsv

READERS = {
    "tsv": read_tsv,
    "csv": read_csv,
    "jsonl": read_jsonl,
    "jsonl_labels": read_jsonl_labels,
    "conll": read_conll,
    "conllu": read_conllu,
    "tagged_lines": read_tagged_lines,
    "squad_json": read_squad,
    "bucc": read_bucc,
    "tatoeba": read_tatoeba,
    "mewslix": read_mewslix,
    "lareqa": read_lareqa,
    "mewslix_pairs": read_mewslix_pairs,
    "lareqa_pairs": read_lareqa_pairs,
}

# Formats whose files hold every language at once (a shared candidate pool): read once per load.
POOL_FORMATS = {"mewslix", "lareqa"}

__all__ = ["POOL_FORMATS", "READERS"]
