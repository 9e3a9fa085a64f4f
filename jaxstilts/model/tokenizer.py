"""Tokenizers: XLM-R's SentencePiece tokenizer via transformers, and tiny ones for tests and demos.

Real XLM-R ships `sentencepiece.bpe.model`; `train_sentencepiece` writes a folder of the same shape
from any text, so tests and the demo load their tokenizer through the very path real XLM-R takes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

SPM_FILE = "sentencepiece.bpe.model"


def tiny_tokenizer_dir() -> str:
    """The 4,000-piece demo tokenizer shipped in the package (scripts/build_tiny_tokenizer.py)."""
    from importlib import resources

    return str(resources.files("jaxstilts") / "assets" / "tiny_tokenizer")


def multichecklist_path() -> Path:
    """XTREME-R's MultiCheckList templates shipped in the package (50 languages, Apache-2.0).

    The text the tiny tokenizer, the demo data and the tests' tokenizers are built from; its
    origin is recorded in `jaxstilts/assets/multichecklist/PROVENANCE.md`.
    """
    from importlib import resources

    return Path(str(resources.files("jaxstilts") / "assets" / "multichecklist"
                    / "checklist_templates.tsv"))


def train_sentencepiece(texts: Iterable[str], folder: str | Path, vocab_size: int = 4000) -> Path:
    """Train a BPE SentencePiece model on `texts` and save it as `folder/sentencepiece.bpe.model`.

    Control pieces match XLM-R's model (<unk>=0, <s>=1, </s>=2); transformers adds <pad> and <mask>.
    """
    import sentencepiece as spm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sentences = [t.strip() for t in texts if t and t.strip()]
    if not sentences:
        raise ValueError("train_sentencepiece: no text to train on")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        model_type="bpe",
        vocab_size=vocab_size,
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=2,
    )
    path = folder / SPM_FILE
    path.write_bytes(model.getvalue())
    return path


def multichecklist_sentences(path: str | Path) -> list[str]:
    """All template sentences of XTREME-R's MultiCheckList TSV (50 languages), placeholders kept."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0]
    keep = [i for i, name in enumerate(header) if i > 0 and not name.endswith("-placeholders")]
    return [row[i] for row in rows[1:] for i in keep if i < len(row) and row[i].strip()]


def load_tokenizer(path_or_hub_id: str | Path):
    """The XLM-R tokenizer of a local folder or a hub id, through `transformers.AutoTokenizer`.

    A folder holding only `sentencepiece.bpe.model` (no tokenizer config) is loaded as XLM-R's.
    """
    from transformers import AutoTokenizer, XLMRobertaTokenizer

    from jaxstilts.model.hf import PACKAGED, resolve_folder

    if str(path_or_hub_id).startswith(PACKAGED):
        path_or_hub_id = resolve_folder(path_or_hub_id)
    path = Path(path_or_hub_id)
    if path.is_dir():
        has_config = (path / "tokenizer_config.json").exists() or (path / "tokenizer.json").exists()
        if not has_config:
            if not (path / SPM_FILE).exists():
                raise FileNotFoundError(
                    f"{path}: no tokenizer here (expected {SPM_FILE}, tokenizer.json or "
                    "tokenizer_config.json)"
                )
            return XLMRobertaTokenizer.from_pretrained(str(path))
        return AutoTokenizer.from_pretrained(str(path))
    from jaxstilts.model.hf import hub_snapshot

    return AutoTokenizer.from_pretrained(str(hub_snapshot(str(path_or_hub_id), tokenizer=True)))
