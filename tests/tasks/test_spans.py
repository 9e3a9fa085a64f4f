"""Span extraction: windows and gold positions, read back through the answer decoder.

Featurize -> gold start/end -> decode gives back every fixture answer exactly, in every fixture
language and script (the decoder against XTREME's rules: tests/evaluate/test_span_decode.py).
"""

import numpy as np
import pytest

from jaxstilts.evaluate.span_decode import (
    Prediction,
)
from jaxstilts.tasks import FeaturizeConfig, featurize, get_task, load_examples
from tests.tasks.conftest import fixture_languages
from tests.tasks.oracles import decode_span_predictions, decode_spans

QA_SPLITS = [
    ("squad_v1", "train"), ("squad_v1", "validation"), ("squad_v2", "train"),
    ("squad_v2", "validation"), ("xquad", "test"), ("xquad_xtreme_r", "test"),
    ("mlqa", "validation"), ("mlqa", "test"), ("tydiqa", "train"), ("tydiqa", "test"),
]  # fmt: skip


def gold_logits(features, width=None):
    """One-hot logits at the gold start/end of every feature row."""
    width = width or features.max_length
    starts = np.full((len(features), width), -10.0)
    ends = np.full((len(features), width), -10.0)
    rows = np.arange(len(features))
    starts[rows, features.dataset["start_positions"]] = 10.0
    ends[rows, features.dataset["end_positions"]] = 10.0
    return starts, ends


def gold_answers(examples):
    """(language, id) -> the first gold answer: ids repeat across languages (XQuAD, MLQA)."""
    return {
        (r["language"], r["id"]): (r["answers"]["text"][0] if r["answers"]["text"] else "")
        for r in examples.rows
    }


@pytest.mark.parametrize("name,split", QA_SPLITS)
@pytest.mark.parametrize("max_length,stride", [(384, 128), (48, 8)])
def test_gold_positions_decode_to_the_exact_answer_text(
    name, split, max_length, stride, tokenizer, fixtures_dir
):
    """48/8 cuts every context into several windows yet leaves room, in the window where an
    answer's first token has the most context (the only one XTREME reads it from), for the
    longest fixture answer (11 Thai tokens); at 40/8 that window would cut it off."""
    task = get_task(name)
    examples = load_examples(task, split, fixture_languages(task, split), data_dir=fixtures_dir)
    config = FeaturizeConfig(
        max_length=max_length, doc_stride=stride, max_query_length=16, align_answers=True
    )
    features = featurize(examples, tokenizer, config)
    if max_length == 48:
        assert len(features) > len(examples)  # several windows per context
    predicted = decode_spans(features, *gold_logits(features, max_length))
    assert predicted == gold_answers(examples)


def test_cjk_and_thai_answers_inside_longer_tokens(tokenizer, fixtures_dir):
    """Tokens that run past the answer ("北京市" for "北京") are split only with gold answers;
    evaluation features never depend on them, so the gold span may cover more there."""
    examples = load_examples("xquad", "test", ("zh", "th"), data_dir=fixtures_dir)
    gold = gold_answers(examples)
    assert "北京" in gold.values() and "รางวัลโนเบล" in gold.values()
    aligned = featurize(examples, tokenizer, FeaturizeConfig(align_answers=True))
    assert decode_spans(aligned, *gold_logits(aligned)) == gold
    plain = featurize(examples, tokenizer)  # test split: align_answers defaults to off
    decoded = decode_spans(plain, *gold_logits(plain))
    assert all(gold[k] in decoded[k] for k in gold)
    assert decoded != gold  # the tiny tokenizer merges "北京市" into one piece


def test_offsets_and_context_mask(tokenizer, fixtures_dir):
    examples = load_examples("xquad", "test", "hi", data_dir=fixtures_dir)
    features = featurize(examples, tokenizer)
    row = features.dataset[0]
    context = examples.rows["context"][0]
    mask = np.asarray(row["context_mask"])
    offsets = np.asarray(row["offset_mapping"])
    assert mask.sum() > 0 and len(mask) == len(row["input_ids"])
    assert (offsets[mask == 0][:, 0] <= offsets[mask == 0][:, 1]).all()
    spans = offsets[mask == 1]
    assert (spans[:, 0] < spans[:, 1]).all() and (np.diff(spans[:, 0]) > 0).all()
    assert "".join(context[s:e] for s, e in spans).replace(" ", "") == context.replace(" ", "")
    assert row["example_id"] == examples.rows["id"][0]
    question_len = len(
        tokenizer(examples.rows["question"][0], add_special_tokens=False)["input_ids"]
    )
    assert mask[: question_len + 3].sum() == 0


def test_unanswerable_questions_and_windows_without_the_answer(tokenizer, fixtures_dir):
    examples = load_examples("squad_v2", "validation", data_dir=fixtures_dir)
    features = featurize(
        examples, tokenizer, FeaturizeConfig(max_length=40, doc_stride=8, max_query_length=16)
    )
    starts = np.asarray(features.dataset["start_positions"])
    impossible = [i for i, r in enumerate(examples.rows) if not r["answers"]["text"]]
    rows = np.isin(features.dataset["example_index"], impossible)
    assert (starts[rows] == 0).all()  # <s> for "no answer"
    assert (starts[~rows] == 0).any() and (starts[~rows] > 0).any()
    predicted = decode_spans(features, *gold_logits(features, 40))
    assert predicted == gold_answers(examples)
    keys = list(zip(examples.rows["language"], examples.rows["id"], strict=True))
    assert [predicted[keys[i]] for i in impossible] == [""]
    v1_style = decode_spans(features, *gold_logits(features, 40), version_2=False)
    assert v1_style[keys[impossible[0]]] != ""


def test_decoder_respects_max_answer_length_n_best_and_null_threshold(tokenizer, fixtures_dir):
    examples = load_examples("xquad", "test", "en", data_dir=fixtures_dir)
    features = featurize(examples, tokenizer)
    row = features.dataset[0]
    context = examples.rows["context"][0]
    inside = np.flatnonzero(row["context_mask"])
    assert len(inside) > 20
    start, end = np.zeros((1, 384)), np.zeros((1, 384))
    start[0, inside[10]], end[0, inside[-1]] = 9.0, 9.0  # longer than 8 tokens
    start[0, inside[1]], end[0, inside[2]] = 5.0, 5.0
    one = _only_first(features)
    offsets, key = row["offset_mapping"], (row["language"], row["example_id"])
    short = context[offsets[inside[1]][0] : offsets[inside[2]][1]]
    long = context[offsets[inside[10]][0] : offsets[inside[-1]][1]]
    assert decode_spans(one, start, end, max_answer_length=8) == {key: short}
    assert decode_spans(one, start, end, max_answer_length=400) == {key: long}
    assert decode_spans(one, start, end, max_answer_length=8, n_best=1) == {key: ""}
    start[0, 0] = 20.0  # n-best over all positions: <s> and the question take places too
    assert decode_spans(one, start, end, max_answer_length=8, n_best=2) == {key: ""}
    start[0, 0] = 0.0
    start[0, 0], end[0, 0] = 6.0, 6.0  # null score 12 against the best allowed span's 10
    prediction = decode_span_predictions(one, start, end, max_answer_length=8, version_2=True)
    assert prediction[key] == Prediction("", 10.0, 12.0)
    relaxed = decode_spans(one, start, end, max_answer_length=8, version_2=True, null_threshold=3.0)
    assert relaxed == {key: short}
    with pytest.raises(ValueError, match="logit rows"):
        decode_spans(features, start, end)


def _only_first(features):
    """The first feature and its example as a Features of their own."""
    from jaxstilts.tasks.features import Features

    examples = features.examples
    one_example = type(examples)(**{**examples.__dict__, "rows": examples.rows.select([0])})
    dataset = features.dataset.select([0])
    return Features(
        one_example, dataset, features.max_length, features.pad_id, features.labels, features.config
    )


def test_logits_of_any_width_or_ragged_rows(tokenizer, fixtures_dir):
    """Bucketed (wider) logits, rows cut to each feature's length and an [F, W] array agree."""
    examples = load_examples("xquad", "test", ("en", "zh"), data_dir=fixtures_dir)
    features = featurize(examples, tokenizer, FeaturizeConfig(max_length=40, doc_stride=8))
    rng = np.random.default_rng(3)
    start, end = rng.normal(size=(2, len(features), 40))
    want = decode_spans(features, start, end)
    assert any(want.values())
    wide = [np.pad(x, ((0, 0), (0, 24)), constant_values=-np.inf) for x in (start, end)]
    assert decode_spans(features, *wide) == want
    lengths = features.lengths()
    ragged = [[row[:n] for row, n in zip(x, lengths, strict=True)] for x in (start, end)]
    assert decode_spans(features, *ragged) == want


def test_xquad_ids_repeat_in_every_language_and_predictions_stay_per_language(
    tokenizer, mock_dir, tmp_path
):
    """Real XQuAD repeats its question ids in every language (XTREME's own mock labels,
    `test-{en,de,es}.json`, are such files): all three load in one call, and the answers decoded
    from the gold positions, the gold and the submission files stay apart per language."""
    import json

    from jaxstilts.evaluate import submission
    from jaxstilts.evaluate.evaluator import language_predictions

    languages = ("en", "de", "es")
    for lang in languages:
        (tmp_path / "xquad").mkdir(exist_ok=True)
        text = (mock_dir / "labels" / "xquad" / f"test-{lang}.json").read_text("utf-8")
        (tmp_path / "xquad" / f"xquad.{lang}.json").write_text(text, "utf-8")
    examples = load_examples("xquad", "test", languages, data_dir=tmp_path)
    ids = {lang: [i for i, r in zip(examples.rows["id"], examples.rows["language"], strict=True)
                  if r == lang] for lang in languages}
    assert ids["en"] == ids["de"] == ids["es"] and len(ids["en"]) == 2
    features = featurize(examples, tokenizer, FeaturizeConfig(align_answers=True))
    starts, ends = gold_logits(features)
    preds, gold, _ = language_predictions("xquad", {"start_logits": starts, "end_logits": ends},
                                          features)
    want = gold_answers(examples)
    assert preds == {lang: {i: want[lang, i] for i in ids[lang]} for lang in languages}
    contexts = dict(zip(examples.rows["language"], examples.rows["context"], strict=True))
    assert len(set(contexts.values())) == 3  # the same ids over three languages' own texts
    assert sorted(gold) == sorted(languages)
    out = tmp_path / "submission"
    for lang in languages:
        path = submission.write_predictions(out, "xquad", lang, preds[lang], "squad")
        assert json.loads(path.read_text("utf-8")) == preds[lang]
