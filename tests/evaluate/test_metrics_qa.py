"""SQuAD v1.1 (XQuAD, TyDiQA), MLQA's language-aware normalisation, SQuAD v2.0 no-answer."""

import pytest

from jaxstilts.evaluate.metrics import ScoringError, mlqa, squad


def _dataset(*qas):
    return [{"paragraphs": [{"context": "", "qas": list(qas)}]}]


def _qa(qid, *answers):
    return {"id": qid, "answers": [{"text": a, "answer_start": 0} for a in answers]}


def test_squad_normalisation_is_english_and_ascii_only():
    assert squad.normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert squad.normalize_answer("«der» Turm") == "«der» turm"  # no Unicode punctuation, no German
    assert squad.exact_match("an apple.", "Apple")


def test_squad_f1_and_best_gold():
    assert squad.f1("the big red dog", "red dog") == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    data = _dataset(_qa("q1", "red dog", "a big red dog"), _qa("q2", "cat"), _qa("q3", "x"))
    scores = squad.evaluate_v1(data, {"q1": "big red dog", "q2": "dog"})  # q3 unanswered
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 / 3)


def test_squad_v1_gives_f1_zero_when_both_normalise_to_nothing():
    assert squad.exact_match("the", "a")
    assert squad.f1("the", "a") == 0
    assert squad.f1_v2("the", "a") == 1.0  # v2.0 rule


def test_mlqa_zh_characters_are_tokens():
    assert mlqa.normalize_answer("电化电池abc def", "zh") == "电 化 电 池 abc def"
    # 2 of 4 characters shared: P = 2/2, R = 2/4
    assert mlqa.f1("电池", "电化电池", "zh") == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert squad.f1("电池", "电化电池") == 0  # SQuAD sees one token each


def test_mlqa_articles_per_language():
    assert mlqa.exact_match("der Hund", "Hund", "de")
    assert not mlqa.exact_match("der Hund", "Hund", "en")
    assert mlqa.exact_match("los perros", "perros", "es")
    assert mlqa.exact_match("những con mèo", "con mèo", "vi")
    assert mlqa.normalize_answer("الكتاب", "ar") == "كتاب"
    assert mlqa.exact_match("the dog", "dog", "en")
    assert not mlqa.exact_match("der Hund", "Hund", "hi")


def test_mlqa_removes_unicode_punctuation():
    assert mlqa.normalize_answer("«Turm»—¿sí?", "es") == "turmsí"
    assert mlqa.normalize_answer("a+b", "en") == "ab"  # string.punctuation symbols too


def test_mlqa_refuses_other_languages():
    with pytest.raises(ScoringError, match="no rule for language 'fr'"):
        mlqa.evaluate(_dataset(_qa("q", "x")), {"q": "x"}, "fr")


def test_squad_v2_no_answer():
    data = _dataset(
        _qa("has1", "Paris"),
        _qa("has2", "red dog"),
        {"id": "no1", "answers": []},
        {"id": "no2", "answers": []},
    )
    preds = {"has1": "Paris", "has2": "dog", "no1": "", "no2": "London"}
    scores = squad.evaluate_v2(data, preds)
    assert scores["total"] == 4 and scores["HasAns_total"] == 2 and scores["NoAns_total"] == 2
    assert scores["HasAns_exact"] == pytest.approx(50.0)
    assert scores["HasAns_f1"] == pytest.approx(100 * (1 + 2 / 3) / 2)
    assert scores["NoAns_exact"] == pytest.approx(50.0)  # "" is right, "London" is wrong
    assert scores["exact"] == pytest.approx(50.0)
    assert scores["f1"] == pytest.approx(100 * (1 + 2 / 3 + 1 + 0) / 4)


def test_squad_v2_no_answer_threshold():
    data = _dataset(_qa("has", "Paris"), {"id": "no", "answers": []})
    preds = {"has": "Paris", "no": "London"}
    na_probs = {"has": 0.1, "no": 0.9}
    scores = squad.evaluate_v2(data, preds, na_probs, na_prob_threshold=0.5)
    assert scores["exact"] == pytest.approx(100.0)  # "no" abstains above the threshold
    assert scores["best_exact"] == pytest.approx(100.0)
    assert scores["best_exact_thresh"] == pytest.approx(0.1)
    unthresholded = squad.evaluate_v2(data, preds)
    assert unthresholded["exact"] == pytest.approx(50.0)


def test_malformed_squad_data_is_refused():
    with pytest.raises(ScoringError, match="not SQuAD-format"):
        squad.evaluate_v1([{"paragraphs": [{"qas": [{"id": "q"}]}]}], {"q": "x"})
    with pytest.raises(ScoringError, match="not text"):
        squad.evaluate_v1(_dataset(_qa("q", "x")), {"q": ["x"]})
