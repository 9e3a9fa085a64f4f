"""Rebuild jaxstilts/assets/tiny_tokenizer: a 4,000-piece SentencePiece BPE model for the demo.

Trained on XTREME-R's MultiCheckList templates (50 languages, Apache-2.0), which ship in the
package (jaxstilts/assets/multichecklist) and which the demo data is drawn from. Run from the
repository root:  python scripts/build_tiny_tokenizer.py
"""

from pathlib import Path

from jaxstilts.model.tokenizer import (
    multichecklist_path,
    multichecklist_sentences,
    train_sentencepiece,
)

texts = multichecklist_sentences(multichecklist_path())
out = Path(__file__).resolve().parents[1] / "jaxstilts" / "assets" / "tiny_tokenizer"
print(train_sentencepiece(texts, out, vocab_size=4000))
