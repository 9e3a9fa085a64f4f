"""Character-level noise for robustness curves: swap, delete, insert and substitute characters.

Each call is deterministic in (seed, text): the random stream is seeded from a hash of both, so a
sentence gets the same noise wherever it appears and whatever else is in the batch. Noise is
nested across rates: the positions edited at a lower rate are among those edited at a higher
one, each with the same kind of edit, so a curve over rates adds noise rather than redrawing it.

Units are user-perceived characters approximated as a base code point with its combining marks
(and joiners) attached, so a Devanagari vowel sign or an accent moves with its letter; bytes are
never split. Only non-whitespace units are edited, and whitespace is left exactly as it was: no
word is merged, split or emptied (a delete or swap in a one-character word becomes a
substitution). Inserted and substituted characters are drawn from the text's own characters of
the same script as the one they replace or follow (the first word of the Unicode character name:
LATIN, CYRILLIC, DEVANAGARI, CJK, ...), so noise stays in the script of the word it hits.

`rate` is the fraction of non-whitespace units edited: round(rate * n) of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

KINDS = ("swap", "delete", "insert", "substitute")
_JOINERS = frozenset("\u200c\u200d")


def units(text: str) -> list[str]:
    """The text as characters with their combining marks (Unicode categories M*) attached."""
    out: list[str] = []
    for ch in text:
        if (
            out
            and not out[-1].isspace()
            and (unicodedata.category(ch).startswith("M") or ch in _JOINERS)
        ):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _script(unit: str) -> str:
    """A rough script key: the first word of the base character's Unicode name (LATIN, CJK, ...)."""
    return unicodedata.name(unit[0], "?").split(" ")[0]


def _rng(seed: int, text: str) -> np.random.Generator:
    digest = hashlib.blake2b(f"{seed}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=8)
    return np.random.default_rng(int.from_bytes(digest.digest(), "little"))


def _check(rate: float, kinds: Sequence[str]) -> None:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must lie in [0, 1], got {rate}")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {list(kinds)}")


def perturb_text(text: str, rate: float, *, seed: int = 0, kinds: Sequence[str] = KINDS) -> str:
    """`text` with round(rate * n) of its n non-whitespace characters edited by one of `kinds`."""
    _check(rate, kinds)
    chars = units(text)
    eligible = [i for i, u in enumerate(chars) if not u.isspace()]
    if not eligible:
        return text
    rng = _rng(seed, text)
    order = rng.permutation(len(eligible))  # drawn in full whatever the rate: nested edits
    kind_draws = rng.integers(len(kinds), size=len(eligible))
    char_draws = rng.random(size=len(eligible))
    n_edits = int(rate * len(eligible) + 0.5)
    alphabet = sorted(set(chars[i] for i in eligible))

    word_of: dict[int, int] = {}  # unit index -> word number
    words: list[list[int]] = []  # word number -> its unit indices
    for i, u in enumerate(chars):
        if u.isspace():
            continue
        if i == 0 or chars[i - 1].isspace():
            words.append([])
        word_of[i] = len(words) - 1
        words[-1].append(i)

    by_script: dict[str, list[str]] = {}
    for c in alphabet:
        by_script.setdefault(_script(c), []).append(c)

    def draw(u: float, near: str) -> str:
        """A character of `near`'s script other than `near` (any of the text's, failing that)."""
        choices = [c for c in by_script.get(_script(near), ()) if c != near]
        choices = choices or [c for c in alphabet if c != near] or alphabet
        return choices[int(u * len(choices))]

    slots: list[list[str]] = [[u] for u in chars]
    for n in sorted(order[:n_edits], key=lambda n: eligible[n]):
        i, kind, u = eligible[n], kinds[kind_draws[n]], char_draws[n]
        members = words[word_of[i]]
        neighbour = next((j for j in (i + 1, i - 1) if j in members), None)
        if kind == "delete" and slots[i] and sum(bool(slots[j]) for j in members) > 1:
            slots[i] = []
        elif kind == "swap" and neighbour is not None:
            slots[i], slots[neighbour] = slots[neighbour], slots[i]
        elif kind == "insert":
            slots[i] = [*slots[i], draw(u, chars[i])]
        else:  # substitute, or a delete/swap that would empty a word or has no partner
            current = slots[i][0] if slots[i] else chars[i]
            slots[i] = [draw(u, current), *slots[i][1:]]
    return "".join("".join(slot) for slot in slots)


def perturber(rate: float, *, seed: int = 0, kinds: Sequence[str] = KINDS) -> Callable[[str], str]:
    """A `text -> noisy text` function for one rate (the identity at rate 0)."""
    _check(rate, kinds)
    if rate == 0:
        return lambda text: text
    return lambda text: perturb_text(text, rate, seed=seed, kinds=kinds)


def with_noise(examples: Any, rate: float, seed: int = 0) -> Any:
    """A copy of the tasks package's `Examples` whose input fields (its kind's `noisy_fields`;
    lists element-wise) went through `perturber(rate, seed=seed)`; labels are never touched."""
    perturb, tag = perturber(rate, seed=seed), f"noise-{rate}-{seed}"
    fields = [f for f in examples.task.kind.noisy_fields if f in examples.rows.features]

    def noisy(row):
        return {f: [perturb(t) for t in row[f]] if isinstance(row[f], list) else perturb(row[f])
                for f in fields}

    rows = examples.rows.map(noisy, keep_in_memory=True, desc=f"noise {tag}")
    return dataclasses.replace(examples, rows=rows, fingerprint=f"{examples.fingerprint}-{tag}")


def evaluate_under_noise(
    evaluate: Callable[[Callable[[str], str]], Mapping[str, Mapping[str, float]]],
    rates: Sequence[float],
    *,
    seed: int = 0,
    kinds: Sequence[str] = KINDS,
) -> dict[float, dict[str, dict[str, float]]]:
    """Run `evaluate(perturb)` once per rate; return `{rate: {language: {metric: value}}}`.

    `evaluate` applies the given `perturb(text)` to its model inputs (never to the gold labels)
    and returns its per-language metrics.
    """
    results = {}
    for rate in rates:
        scores = evaluate(perturber(rate, seed=seed, kinds=kinds))
        results[float(rate)] = {lang: dict(metrics) for lang, metrics in scores.items()}
    return results
