"""The vectorized evaluator against the plain per-example loop, on tiny random models.

Features are built from real multilingual text (MultiCheckList, three scripts) with the session
tokenizer, as padded arrays (what the assertions read) and as the `Features` evaluation takes.
Every example is cut to one of three lengths (two share the 32 bucket, one lies in the 128
bucket), so the evaluator compiles two shapes per kind and the jitted reference loop three, and
the batch size (4, or 8 over 8 devices) divides no set.
"""

import csv
import itertools
import json
from pathlib import Path

import jax
import numpy as np
import pytest
from flax import nnx

from jaxstilts.data.buckets import evaluation_plan
from jaxstilts.evaluate import submission
from jaxstilts.evaluate.evaluator import TaskEvaluation, evaluate_task, write_evaluation
from jaxstilts.evaluate.metrics import retrieval
from jaxstilts.evaluate.predict import Predictor, predict
from jaxstilts.evaluate.reference import predict_per_language_loop
from jaxstilts.evaluate.results import read_results
from jaxstilts.evaluate.span_decode import decode_answers
from jaxstilts.evaluate.xtreme import SCORERS, score_folder
from jaxstilts.model import XLMRConfig, XLMRModel
from jaxstilts.model.modeling import MultiTaskModel
from jaxstilts.model.partitioning import make_mesh, place_params
from jaxstilts.model.tokenizer import multichecklist_path
from jaxstilts.tasks import get_task
from jaxstilts.tasks.features import Features, features_from_ids
from tests.tasks import oracles

LANGUAGES = ("en", "ru", "zh")
PER_LANGUAGE = 9
LENGTHS = (13, 29, 90)  # cycled over the examples
WIDTH = 128
BATCH = 4
TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")
NLI = ("entailment", "neutral", "contradiction")
CONFIG = XLMRConfig.preset("tiny")
NUM_LABELS = {"classification": 3, "tagging": len(TAGS)}
KINDS = ("classification", "multiple_choice", "span", "tagging", "retrieval")


@pytest.fixture(scope="module")
def sentences():
    """Twenty template sentences per language."""
    with multichecklist_path().open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    out = {}
    for lang in LANGUAGES:
        col = rows[0].index(lang)
        texts = [r[col].strip() for r in rows[1:] if col < len(r) and r[col].strip()]
        out[lang] = texts[:20]
    return out


def _long_text(sentences, lang, n, skip=0):
    """Example `n`'s text: many sentences, so truncation sets its length."""
    texts = sentences[lang]
    return " ".join(texts[(n + skip + k) % len(texts)] for k in range(30))


def _examples():
    """(row, language, target length), languages interleaved so rows of a language are spread."""
    lengths = itertools.cycle(LENGTHS)
    rows = [(n, lang) for n in range(PER_LANGUAGE) for lang in LANGUAGES]
    return [(i, lang, next(lengths)) for i, (_, lang) in enumerate(rows)]


def _pad(rows, width=WIDTH, fill=1):
    out = np.full((len(rows), width), fill, np.int32)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def _contract(ids, language, **extra):
    ids = [list(r) for r in ids]
    return {"input_ids": _pad(ids), "attention_mask": _pad([[1] * len(r) for r in ids], fill=0),
            "language": np.asarray(language), "example_index": np.arange(len(ids)), **extra}


@pytest.fixture(scope="module")
def features(tokenizer, sentences):
    """Features of every kind, in the featurizers' batch contract."""
    ex = _examples()
    langs = [lang for _, lang, _ in ex]
    rng = np.random.default_rng(0)

    def pair(i, lang, length, first_skip=0):
        a = _long_text(sentences, lang, i, first_skip)
        return tokenizer(a, _long_text(sentences, lang, i, 5), truncation=True,
                         max_length=length)["input_ids"]

    out = {"classification": _contract([pair(i, la, n) for i, la, n in ex], langs,
                                       label=rng.integers(0, 3, len(ex)))}
    choices = [[pair(i, la, n), pair(i, la, min(n, 11), 1), pair(i, la, n, 2)] for i, la, n in ex]
    ids = np.stack([_pad(c) for c in choices])
    out["multiple_choice"] = {"input_ids": ids, "attention_mask": (ids != 1).astype(np.int32),
                              "language": np.asarray(langs), "label": rng.integers(0, 3, len(ex))}
    span_ids, offsets, contexts = [], [], []
    for i, lang, n in ex:
        question, context = sentences[lang][i % 20][:8], _long_text(sentences, lang, i, 3)
        enc = tokenizer(question, context, truncation="only_second", max_length=n,
                        return_offsets_mapping=True)
        seq = enc.sequence_ids()
        span_ids.append(enc["input_ids"])
        offsets.append([o if s == 1 else (-1, -1) for o, s in zip(enc["offset_mapping"], seq)]
                       + [(-1, -1)] * (WIDTH - len(seq)))
        contexts.append(context)
    out["span"] = _contract(span_ids, langs, offset_mapping=np.asarray(offsets))
    out["span_examples"] = {"id": [f"q{i}" for i, _, _ in ex], "context": contexts,
                            "language": langs, "answers": [[c.split()[0]] for c in contexts]}
    tag_ids, tag_labels = [], []
    for i, lang, n in ex:
        words = _long_text(sentences, lang, i).split()
        enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=n)
        word_ids, prev, labels = enc.word_ids(), None, []
        for w in word_ids:
            labels.append(-100 if w is None or w == prev else int(rng.integers(0, len(TAGS))))
            prev = w
        tag_ids.append(enc["input_ids"])
        tag_labels.append(labels)
    out["tagging"] = _contract(tag_ids, langs, labels=_pad(tag_labels, fill=-100))
    # Retrieval (Tatoeba-shaped): each language's sentence i is the query, English i its pair.
    rows, ids_, sides, rlangs = [], [], [], []
    for i, lang, n in ex:
        for side, text_lang in (("query", lang), ("candidate", "en")):
            text = " ".join(sentences[text_lang][(i // 3 + k) % 20] for k in range(25))
            rows.append(tokenizer(text, truncation=True, max_length=n)["input_ids"])
            ids_.append(f"{side[0]}{i}")
            sides.append(side)
            rlangs.append(lang if side == "query" else "en")
    out["retrieval"] = _contract(rows, rlangs, id=np.asarray(ids_), side=np.asarray(sides))
    out["retrieval_links"] = {f"q{i}": [f"c{i}"] for i, _, _ in ex}
    return out


TASKS = {"classification": "xnli", "multiple_choice": "siqa", "span": "xquad", "tagging": "panx",
         "retrieval": "tatoeba"}  # siqa: three choices, as the arrays have
PER_TOKEN = ("labels", "offset_mapping")


def _as_features(kind, arrays, examples=None, labels=None):
    """The padded arrays as `Features`: rows cut to their real tokens, host columns kept."""
    mask = arrays["attention_mask"] != 0
    real = mask.reshape(len(mask), -1, mask.shape[-1]).any(1)  # over the choices
    columns = {"input_ids": [[list(c[m]) for c, m in zip(r, rm)] if r.ndim == 2 else list(r[m])
                             for r, m, rm in zip(arrays["input_ids"], real, mask)]}
    for key, value in arrays.items():
        if key in ("input_ids", "attention_mask"):
            continue
        value = np.asarray(value)
        columns[key] = ([v[m].tolist() for v, m in zip(value, real)] if key in PER_TOKEN
                        else value.tolist())
    return features_from_ids(get_task(TASKS[kind]), columns, WIDTH, examples=examples,
                             labels=labels)


def _subset(features, rows):
    """`features` restricted to `rows` (the examples kept whole)."""
    return Features(features.examples, features.dataset.select(rows), features.max_length,
                    features.pad_id, features.labels, features.config)


@pytest.fixture(scope="module")
def featurized(features):
    """kind -> `Features` of the same rows."""
    labels = {"classification": NLI, "tagging": TAGS}
    return {kind: _as_features(kind, features[kind], labels=labels.get(kind),
                               examples=features["span_examples"] if kind == "span" else None)
            for kind in KINDS}


def _randomized(model, seed):
    """Every parameter shifted by N(0, 0.3): a fresh init's heads are nearly constant."""
    rng = np.random.default_rng(seed)
    state = nnx.state(model, nnx.Param)
    noisy = jax.tree.map(lambda v: v + rng.normal(0, 0.3, v.shape).astype(v.dtype), state)
    nnx.update(model, noisy)
    return model


@pytest.fixture(scope="module")
def models():
    return {kind: _randomized(XLMRModel(CONFIG, kind, num_labels=NUM_LABELS.get(kind),
                                        rngs=nnx.Rngs(n)), n)
            for n, kind in enumerate(KINDS)}


@pytest.fixture(scope="module")
def evaluated(models, featurized):
    """kind -> (evaluator outputs, reference loop outputs), computed once."""
    out = {}
    for kind in KINDS:
        logits = kind in ("classification", "multiple_choice", "tagging")
        fast = predict(models[kind], featurized[kind], kind, BATCH, return_logits=logits)
        slow = predict_per_language_loop(models[kind], featurized[kind], kind, jit=True,
                                         return_logits=logits)
        out[kind] = (fast, slow)
    return out


def test_fixture_lengths_are_mixed_and_the_batch_does_not_divide(features):
    for kind in KINDS:
        mask = features[kind]["attention_mask"]
        lengths = mask.reshape(len(mask), -1, WIDTH).sum(-1).max(1)
        assert set(lengths.tolist()) == set(LENGTHS), kind
        assert len(mask) % BATCH and len(mask) % 8
        assert len(set(features[kind]["language"].tolist())) >= 3
    plan = evaluation_plan(lengths, BATCH, limit=WIDTH)
    assert sorted({b.length for b in plan}) == [32, 96]


@pytest.mark.parametrize("kind", KINDS)
def test_evaluator_equals_the_per_example_loop(kind, evaluated, features):
    fast, slow = evaluated[kind]
    assert set(fast) == set(slow)
    n = len(features[kind]["input_ids"])
    for key in fast:
        assert fast[key].shape == slow[key].shape and fast[key].shape[0] == n, key
        if fast[key].dtype.kind == "f":
            np.testing.assert_allclose(fast[key], slow[key], atol=1e-5, rtol=1e-5, err_msg=key)
        else:
            np.testing.assert_array_equal(fast[key], slow[key], err_msg=key)
    if kind in ("classification", "multiple_choice"):
        np.testing.assert_array_equal(fast["label"], fast["logits"].argmax(-1))
        assert len(set(fast["label"].tolist())) > 1  # not a constant model
    if kind == "span":
        real = features[kind]["attention_mask"] == 1
        assert np.isfinite(fast["start_logits"][real]).all()
        assert np.isneginf(fast["start_logits"][~real]).all()
    if kind == "tagging":
        assert ((fast["token_label"] >= 0) == (features[kind]["attention_mask"] == 1)).all()


@pytest.mark.parametrize("kind,mesh_shape", [("classification", dict(data=8)),
                                             ("span", dict(data=4, fsdp=2))])
def test_sharded_equals_unsharded(kind, mesh_shape, models, featurized, evaluated):
    mesh = make_mesh(**mesh_shape)
    predictor = Predictor(models[kind], mesh)
    if "fsdp" in mesh_shape:  # parameters really are split over the fsdp axis
        word = predictor.params["encoder"]["embeddings"]["word"]
        assert word.sharding.spec[1] == "fsdp"
    assert predictor._put(np.zeros((8, 3))).sharding.shard_shape((8, 3)) == (1, 3)  # 8 ways
    sharded = predictor(featurized[kind], kind, 8, return_logits=kind == "classification")
    fast, _ = evaluated[kind]
    # fsdp splits contractions into partial sums (another float32 summation order): up to
    # ~1e-5 apart on logits of scale 2; a wrong sharding is off by the logits' own scale.
    for key in sharded:
        np.testing.assert_allclose(sharded[key], fast[key], atol=5e-5, rtol=1e-5, err_msg=key)


def test_parameters_placed_once_are_not_placed_again(models, featurized, evaluated):
    """The pipeline places parameters with `place_params`; the predictor takes them as they are
    (no merge, split and second copy), with the same outputs."""
    mesh = make_mesh(data=8)
    graphdef, state = nnx.split(models["classification"], nnx.Param)
    params = place_params(state, mesh)
    predictor = Predictor((graphdef, params), mesh)
    assert predictor.params is params
    out = predictor(featurized["classification"], "classification", 8)
    np.testing.assert_array_equal(out["label"], evaluated["classification"][0]["label"])


def test_graphdef_and_params_and_multitask_heads(models, featurized, evaluated):
    model = models["classification"]
    graphdef, state = nnx.split(model)
    from_parts = predict((graphdef, nnx.to_pure_dict(state)), featurized["classification"],
                         "pair_classification", BATCH, return_logits=True)
    np.testing.assert_array_equal(from_parts["logits"], evaluated["classification"][0]["logits"])
    multi = _randomized(MultiTaskModel(CONFIG, {"qa": ("span", None), "nli": ("classification", 3)},
                                       rngs=nnx.Rngs(3)), 3)
    rows = np.asarray([0, 1, 3, 4, 6])  # lengths 13 and 29 only: few compiles
    small = _subset(featurized["span"], rows)
    fast = predict(multi, small, "span", BATCH, task="qa")
    slow = predict_per_language_loop(multi, small, "span", task="qa", jit=True)
    np.testing.assert_allclose(fast["start_logits"], slow["start_logits"], atol=1e-5)


def test_empty_features_give_empty_outputs(models, featurized):
    out = predict(models["span"], _subset(featurized["span"], []), "span", BATCH)
    assert out["start_logits"].shape == (0, WIDTH)


# --------------------------------------------------------------------- end to end: evaluate_task


def _gold_folder(tmp_path, task, gold):
    """A label folder in the benchmark's layout (QA labels are SQuAD-format datasets)."""
    fmt = SCORERS[task].metric.submission
    for lang, labels in gold.items():
        if fmt == "squad":
            path = tmp_path / "labels" / task / submission.file_name(fmt, lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"data": labels}), encoding="utf-8")
        else:
            submission.write_predictions(tmp_path / "labels", task, lang, labels, fmt)
    return tmp_path / "labels"


def test_evaluate_xnli_writes_files_the_official_scorer_agrees_with(tmp_path, models, features,
                                                                    featurized, evaluated):
    f = features["classification"]
    result = evaluate_task(models["classification"], "xnli", featurized["classification"],
                           output_dir=tmp_path, batch_size=BATCH)
    slow = evaluated["classification"][1]["label"]
    for lang in LANGUAGES:
        rows = f["language"] == lang
        assert result.predictions[lang] == [NLI[i] for i in slow[rows]]
        want = 100 * np.mean(slow[rows] == f["label"][rows])
        assert result.scores[lang]["accuracy"] == pytest.approx(want)
        assert submission.read_predictions(tmp_path / "predictions", "xnli", lang, "label") == \
            result.predictions[lang]
    official = score_folder(tmp_path / "predictions", _gold_folder(tmp_path, "xnli", result.gold))
    assert official["tasks"]["xnli"]["languages"] == result.scores
    assert read_results(tmp_path / "results.json")["xnli"] == result.scores
    assert result.summary["missing_languages"]  # XNLI has 15 languages; three were evaluated


def test_evaluate_panx_tags_words_and_merges_results(tmp_path, models, features, featurized,
                                                     evaluated):
    f = features["tagging"]
    (tmp_path / "results.json").write_text('{"xnli": {"en": {"accuracy": 50.0}}}')
    result = evaluate_task(models["tagging"], "panx", featurized["tagging"], output_dir=tmp_path,
                           batch_size=BATCH)
    slow = evaluated["tagging"][1]["token_label"]
    first = f["labels"] != -100
    for lang in LANGUAGES:
        rows = np.flatnonzero(f["language"] == lang)
        want = [[TAGS[t] for t in slow[r][first[r]]] for r in rows]
        assert result.predictions[lang] == want
        assert [len(s) for s in result.gold[lang]] == [len(s) for s in want]
    official = score_folder(tmp_path / "predictions", _gold_folder(tmp_path, "panx", result.gold))
    for lang, scores in result.scores.items():
        assert official["tasks"]["panx"]["languages"][lang] == pytest.approx(scores)
        assert 0 <= scores["f1"] <= 100
    assert set(read_results(tmp_path / "results.json")) == {"xnli", "panx"}


def test_languages_evaluated_one_at_a_time_all_stay_in_results(tmp_path):
    """Retrieval targets are evaluated a language at a time into one folder (phase.py)."""
    for lang, accuracy in (("de", 50.0), ("fr", 75.0)):
        scores = {lang: {"accuracy": accuracy}}
        write_evaluation(TaskEvaluation("tatoeba", {lang: [1, 0]}, {}, scores, {}), tmp_path)
    assert read_results(tmp_path / "results.json") == {
        "tatoeba": {"de": {"accuracy": 50.0}, "fr": {"accuracy": 75.0}}}


def test_evaluate_xquad_decodes_answers_per_language(tmp_path, models, features, featurized,
                                                     evaluated):
    f, examples = features["span"], features["span_examples"]
    result = evaluate_task(models["span"], "xquad", featurized["span"], output_dir=tmp_path,
                           batch_size=BATCH)
    slow = evaluated["span"][1]
    want = decode_answers(slow["start_logits"], slow["end_logits"], f["offset_mapping"],
                          f["example_index"], examples["context"])
    assert sum(len(p) for p in result.predictions.values()) == len(want)
    for lang in LANGUAGES:
        for i in np.flatnonzero(f["language"] == lang):
            answer = result.predictions[lang][f"q{i}"]
            assert answer == want[i] and answer in examples["context"][i]
        assert set(result.scores[lang]) == {"exact_match", "f1"}
    assert any(result.predictions[lang][f"q{i}"] for lang in LANGUAGES for i in range(27)
               if f"q{i}" in result.predictions[lang])
    assert submission.read_predictions(tmp_path / "predictions", "xquad", "zh", "squad") == \
        result.predictions["zh"]
    official = score_folder(tmp_path / "predictions", _gold_folder(tmp_path, "xquad", result.gold))
    for lang, scores in result.scores.items():
        assert official["tasks"]["xquad"]["languages"][lang] == pytest.approx(scores)


def test_evaluate_tatoeba_and_lareqa_from_pooled_vectors(models, features, featurized,
                                                         evaluated):
    f, links = features["retrieval"], features["retrieval_links"]
    vectors = evaluated["retrieval"][1]["vectors"]
    tatoeba = evaluate_task(models["retrieval"], "tatoeba", featurized["retrieval"], links=links,
                            batch_size=BATCH)
    lareqa = evaluate_task(models["retrieval"], "lareqa", featurized["retrieval"], links=links,
                           batch_size=BATCH)
    for lang in LANGUAGES:
        q = np.flatnonzero((f["side"] == "query") & (f["language"] == lang))
        c = q + 1  # each query's English pair is the next row
        want = retrieval.tatoeba_predictions(vectors[q], vectors[c]).tolist()
        assert tatoeba.predictions[lang] == want
        assert tatoeba.gold[lang] == list(range(len(q)))
        ranked = retrieval.rank_candidates(vectors[q], vectors[f["side"] == "candidate"],
                                           f["id"][f["side"] == "candidate"].tolist())
        assert lareqa.predictions[lang] == dict(zip(f["id"][q].tolist(), ranked))
        assert 0 <= lareqa.scores[lang]["map@20"] <= 100
    assert jax.tree.leaves(tatoeba.scores)


# ------------------------------------------------- the tasks package's Features (fixture files)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


@pytest.mark.parametrize("name,languages", [("xquad", ("en", "de", "ru", "zh")),
                                            ("panx", ("en", "de", "zh")),
                                            ("xnli", ("en", "de", "ru"))])
def test_evaluate_task_on_featurized_fixture_files(name, languages, tokenizer, models, tmp_path):
    tasks = pytest.importorskip("jaxstilts.tasks")
    task = tasks.get_task(name)
    examples = tasks.load_examples(task, "test", languages, data_dir=FIXTURES)
    config = tasks.FeaturizeConfig(max_length=64, doc_stride=16, max_query_length=16)
    features = tasks.featurize(examples, tokenizer, config)
    kind = {"xquad": "span", "panx": "tagging", "xnli": "classification"}[name]
    model = models[kind] if name != "panx" else _randomized(
        XLMRModel(CONFIG, "tagging", num_labels=len(features.labels), rngs=nnx.Rngs(9)), 9)
    result = evaluate_task(model, name, features, output_dir=tmp_path, batch_size=BATCH)
    assert set(result.scores) == set(languages)
    slow = predict_per_language_loop(model, features, kind, jit=True)
    if name == "xquad":
        assert len(features) > len(examples)  # several windows per context
        want = oracles.decode_spans(features, slow["start_logits"], slow["end_logits"])
        got = {(lang, q): a for lang, per_lang in result.predictions.items()
               for q, a in per_lang.items()}
        assert got == want
    elif name == "panx":
        want = oracles.merge_word_predictions(features, slow["token_label"])
        got = [s for lang in languages for s in result.predictions[lang]]
        order = [i for lang in languages for i, r in enumerate(examples.rows["language"])
                 if r == lang]
        assert got == [[features.labels[t] for t in want[i]] for i in order]
        assert [len(s) for s in got] == [len(examples.rows["tokens"][i]) for i in order]
    else:
        label = features.dataset["label"]
        for lang in languages:
            rows = [i for i, r in enumerate(features.dataset["language"]) if r == lang]
            assert result.predictions[lang] == [features.labels[slow["label"][i]] for i in rows]
            assert result.gold[lang] == [features.labels[label[i]] for i in rows]
    official = score_folder(tmp_path / "predictions", _gold_folder(tmp_path, name, result.gold))
    for lang, scores in result.scores.items():
        assert official["tasks"][name]["languages"][lang] == pytest.approx(scores)

