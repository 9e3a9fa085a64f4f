"""MLQA's EM/F1: SQuAD v1.1 scoring with MLQA's language-aware answer normalisation.

Differences from SQuAD's normalisation, all from the official MLQA evaluation script:

- punctuation is every Unicode character of a `P*` category, plus ASCII `string.punctuation`
  (which adds the symbols `$+<=>^`|~`);
- articles are removed per language: en a/an/the; es un/una/unos/unas/el/la/los/las; de
  ein/eine/einen/einem/eines/einer/der/die/das/den/dem/des; vi của/là/cái/chiếc/những; ar every
  occurrence of "ال" (the official pattern's other branch can never match); hi and zh none;
- zh is tokenised by "mixed segmentation": every CJK character U+4E00..U+9FA5 is a token of its
  own, other runs are split on whitespace.

The steps run in SQuAD's order: lower case, remove punctuation, remove articles, re-tokenise.
Languages other than MLQA's seven are refused, as the official script refuses them.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from jaxstilts.evaluate.metrics.errors import ScoringError
from jaxstilts.evaluate.metrics.squad import evaluate_with, token_f1

LANGUAGES = ("ar", "de", "en", "es", "hi", "vi", "zh")

_ARTICLES = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "ar": re.compile("ال"),
}
_CJK = re.compile("[\u4e00-\u9fa5]")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


def is_punctuation(ch: str) -> bool:
    """MLQA's punctuation: any Unicode `P*` character, or one of Python's `string.punctuation`."""
    return ch in _ASCII_PUNCTUATION or unicodedata.category(ch).startswith("P")


def mixed_segmentation(text: str) -> list[str]:
    """CJK characters (and punctuation) as single tokens, other text split on whitespace."""
    tokens: list[str] = []
    pending = ""
    for ch in text:
        if _CJK.match(ch) or is_punctuation(ch):
            tokens.extend(pending.split())
            pending = ""
            tokens.append(ch)
        else:
            pending += ch
    tokens.extend(pending.split())
    return tokens


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ScoringError(
            f"MLQA normalisation has no rule for language {language!r} "
            f"(MLQA: {', '.join(LANGUAGES)})"
        )


def normalize_answer(text: str, language: str) -> str:
    """MLQA normalisation of an answer in `language` (one of `LANGUAGES`)."""
    _check_language(language)
    text = "".join(ch for ch in text.lower() if not is_punctuation(ch))
    if language in _ARTICLES:
        text = _ARTICLES[language].sub(" ", text)
    tokens = mixed_segmentation(text) if language == "zh" else text.split()
    return " ".join(t for t in tokens if t.strip())


def exact_match(prediction: str, gold: str, language: str) -> bool:
    return normalize_answer(prediction, language) == normalize_answer(gold, language)


def f1(prediction: str, gold: str, language: str) -> float:
    """Token F1 (0..1) after MLQA normalisation; for zh, CJK characters are the tokens."""
    return token_f1(
        normalize_answer(prediction, language).split(), normalize_answer(gold, language).split()
    )


def evaluate(
    dataset: Sequence[Mapping[str, Any]], predictions: Mapping[str, str], language: str
) -> dict[str, float]:
    """MLQA `{"exact_match", "f1"}` in percent for one language's SQuAD-format articles."""
    _check_language(language)
    return evaluate_with(
        dataset,
        predictions,
        partial(exact_match, language=language),
        partial(f1, language=language),
    )
