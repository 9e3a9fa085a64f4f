"""Rebuild jaxstilts/assets/tiny_tokenizer: a 4,000-piece SentencePiece BPE model for the demo.

Trained on XTREME-R's MultiCheckList templates (50 languages, Apache-2.0), which the demo data
is drawn from. Run from the repository root:  python scripts/build_tiny_tokenizer.py [SHARED_DIR]
"""

import sys
from pathlib import Path

from jaxstilts.model.tokenizer import multichecklist_sentences, train_sentencepiece

shared = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared")
texts = multichecklist_sentences(shared / "multichecklist" / "checklist_templates.tsv")
out = Path(__file__).resolve().parents[1] / "jaxstilts" / "assets" / "tiny_tokenizer"
print(train_sentencepiece(texts, out, vocab_size=4000))
