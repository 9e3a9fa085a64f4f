"""SQuAD sentence breaks as XTREME-R infers them to train LAReQA (`third_party/processors/
sb_sed.py`): newlines inserted by ordered regex rules (split after sentence-final punctuation,
rejoin after titles, abbreviations and initials, resplit before common sentence starts, SQuAD's
own special cases), then each line stripped. The rules are XTREME's, restated as a table; the
answer sentences (and so the training pairs) depend on every one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_CLOSE, _OPEN = "\u201d", "\u201c"

# (pattern, replacement), applied in order to the text with its newlines made spaces.
RULES: tuple[tuple[str, str], ...] = (
    # split: [.?!], closing quotes/parens, whitespace, opening quote, capital or digit
    (rf"""([.?!][)'" {_CLOSE}]*)\s(\s*[\['"({_OPEN}]?[A-Z0-9])""", r"\1\n\2"),
    # Wikipedia: after editorial scraps (".[citation needed] ") and "[...]"
    (r"""([.?!]['"]?)((\[[a-zA-Z0-9 ?]+\])+)\s(\s*['"(]?[A-Z0-9])""", r"\1\2\n\4"),
    (r"(\[\.\.\.\]\s*)\s(\[?[A-Z])", r"\1\n\2"),
    # rejoin: titles, abbreviations, months, places
    (r"\b(Mrs?|Ms|Dr|Prof|Fr|Rev|Msgr|Sta?)\.\n", r"\1. "),
    (r"\b(Lt|Gen|Col|Maj|Adm|Capt|Sgt|Rep|Gov|Sen|Pres)\.\n", r"\1. "),
    (r"\b(e\.g|i\.?e|vs?|pp?|cf|a\.k\.a|approx|app|es[pt]|tr)\.\n", r"\1. "),
    (r"\b(Jan|Aug|Oct|Nov|Dec)\.\n", r"\1. "),
    (r"\b(Mt|Ft)\.\n", r"\1. "),
    (r"\b([ap]\.m)\.\n(Eastern|EST)\b", r"\1. \2"),
    # rejoin: one to three initials before a name
    (r'\b([A-Z]\.)[ \n]([A-Z]\.)[ \n]([A-Z]\.)[ \n]("?[A-Z][a-z])', r"\1 \2 \3 \4"),
    (r'\b([A-Z]\.)[ \n]([A-Z]\.)[ \n]("?[A-Z][a-z])', r"\1 \2 \3"),
    (r'\b([A-Z]\.[A-Z]\.)\n("?[A-Z][a-z])', r"\1 \2"),
    (r'\b([A-Z]\.)\n("?[A-Z][a-z])', r"\1 \2"),
    # resplit before common sentence starts
    (r"""([.!?]['")]*) (The|This|That|These|It) """, r"\1\n\2 "),
    (r"(\.) (Meanwhile|However)", r"\1\n\2"),
    (r"(\.) (In|On|By|During|After|Under|Although|Yet|As |Several|According to) ", r"\1\n\2 "),
    # rejoin: numbered parts, born/died/circa, et al. (year), H.R. 2000
    (r"\b([Aa]rt|[Nn]o|Opp?|ch|Sec|cl|Rec|Ecl|Cor|Lk|Jn|Vol)\.\n([0-9IVX]+)\b", r"\1. \2"),
    (r"\b([bdrc]|ca|fl)\.\n([A-Z0-9])", r"\1. \2"),
    (r"\b(et al)\.\n(\(?[0-9]{4}\b)", r"\1. \2"),
    (r"\b(H\.R\.)\n([0-9])", r"\1 \2"),
    # SQuAD's own joins and splits
    (r"(I Am\.\.\.)\n(Sasha Fierce|World Tour)", r"\1 \2"),
    (r"(Warner Bros\.)\n(Records|Entertainment)", r"\1 \2"),
    (r"(U\.S\.)\n(\(?\d\d+)", r"\1 \2"),
    (r"\b(Rs\.)\n(\d)", r"\1 \2"),
    (r"\b(Jay Z\.) ([A-Z])", r"\1\n\2"),
    (r"\b(Washington, D\.C\.) ([A-Z])", r"\1\n\2"),
    (r"\b(for 4\.\)) ([A-Z])", r"\1\n\2"),
    (r"\b(Wii U\.) ([A-Z])", r"\1\n\2"),
    (r"\. (iPod|iTunes)", r".\n\1"),
    (r" (\[\.\.\.\]\n)", r"\n\1"),
    (r"(\.Sc\.)\n", r"\1 "),
    (r" (\u2022 [A-Z])", r"\n\1"),
)
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in RULES)


def sentence_breaks(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) character offsets of each sentence of `text`, stripped of spaces."""
    broken = text.replace("\n", " ")
    for pattern, replacement in _COMPILED:
        broken = pattern.sub(replacement, broken)
    starts = [m.end() for m in re.finditer(r"^\s*", broken, re.M)]
    for start, line in zip(starts, broken.split("\n"), strict=True):
        yield start, start + len(line.strip())
