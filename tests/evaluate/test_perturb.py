"""Character noise: deterministic per (seed, text), exact rate, whitespace kept, Unicode-aware."""

import re
import unicodedata

import pytest

from jaxstilts.evaluate.perturb import KINDS, evaluate_under_noise, perturb_text, perturber, units

TEXTS = [
    "The quick brown fox jumps over the lazy dog near the riverbank today.",
    "Быстрая коричневая лиса прыгает через ленивую собаку.",
    "नमस्ते दुनिया, यह एक छोटा सा वाक्य है।",
    "ภาษาไทย มี สระ และ วรรณยุกต์ มากมาย",
    "我们 今天 去 公园 散步 好吗",
    "a b c  d\te\nf",
]


@pytest.mark.parametrize("text", TEXTS)
def test_deterministic_per_seed_and_text(text):
    assert perturb_text(text, 0.3, seed=7) == perturb_text(text, 0.3, seed=7)
    assert perturber(0.3, seed=7)(text) == perturb_text(text, 0.3, seed=7)
    assert len({perturb_text(text, 0.5, seed=s) for s in range(5)}) > 1


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("kind", KINDS)
def test_whitespace_is_left_exactly_as_it_was(text, kind):
    noisy = perturb_text(text, 0.6, seed=1, kinds=[kind])
    assert re.findall(r"\s+", noisy) == re.findall(r"\s+", text)
    assert len(noisy.split()) == len(text.split())
    for word in noisy.split():  # no word starts with a detached combining mark
        assert not unicodedata.category(word[0]).startswith("M")


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.25, 0.5, 1.0])
def test_rate_is_the_fraction_of_characters_edited(rate):
    text = TEXTS[0]
    n = sum(not u.isspace() for u in units(text))
    noisy = perturb_text(text, rate, seed=3, kinds=["substitute"])
    changed = sum(a != b for a, b in zip(units(text), units(noisy), strict=True))
    assert changed == int(rate * n + 0.5)


def test_lower_rates_edit_a_subset_of_higher_rates():
    text = TEXTS[1]

    def changed(rate):
        noisy = perturb_text(text, rate, seed=5, kinds=["substitute"])
        return {i for i, (a, b) in enumerate(zip(text, noisy, strict=True)) if a != b}

    assert changed(0.1) <= changed(0.3) <= changed(0.6)


def test_other_kinds_change_length_as_expected():
    text = TEXTS[0]
    assert len(perturb_text(text, 0.3, kinds=["insert"])) > len(text)
    assert len(perturb_text(text, 0.3, kinds=["delete"])) < len(text)
    swapped = perturb_text(text, 0.3, kinds=["swap"])
    assert sorted(swapped) == sorted(text) and swapped != text


def test_combining_marks_travel_with_their_letter():
    assert units("नमस्ते") == ["न", "म", "स्", "ते"]
    assert units("e\u0301 x") == ["e\u0301", " ", "x"]


def test_substitutes_stay_in_the_script_of_the_word():
    mixed = "hello world привет мир"
    noisy = perturb_text(mixed, 1.0, seed=2, kinds=["substitute"])
    latin, cyrillic = noisy.split()[:2], noisy.split()[2:]
    assert all(c.isascii() for w in latin for c in w)
    assert all("CYRILLIC" in unicodedata.name(c) for w in cyrillic for c in w)


def test_rate_zero_is_identity_and_bad_arguments_are_refused():
    assert perturb_text(TEXTS[2], 0.0) == TEXTS[2]
    with pytest.raises(ValueError, match="rate"):
        perturb_text("x", 1.5)
    with pytest.raises(ValueError, match="kinds"):
        perturb_text("x", 0.1, kinds=["shout"])


def test_evaluate_under_noise_runs_once_per_rate():
    data = {"en": ["the cat sat", "a dog ran"], "de": ["die Katze", "ein Hund"]}

    def evaluate(perturb):
        return {
            lang: {"unchanged": 100.0 * sum(perturb(s) == s for s in sents) / len(sents)}
            for lang, sents in data.items()
        }

    results = evaluate_under_noise(evaluate, [0.0, 0.5, 1.0], seed=0)
    assert list(results) == [0.0, 0.5, 1.0]
    assert set(results[0.5]) == {"en", "de"}
    assert results[0.0]["en"]["unchanged"] == 100.0
    assert results[1.0]["de"]["unchanged"] == 0.0
