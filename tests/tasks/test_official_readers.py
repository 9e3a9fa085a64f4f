"""Readers against the official task code on the same files (tests/fixtures/official)."""

import json
from pathlib import Path

import pytest

from jaxstilts.tasks import load_examples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPECTED = FIXTURES / "official" / "expected"


def _choice_examples(task: str) -> list[dict]:
    """A multiple-choice task's validation rows from the fixture files, in the form the jiant
    examples under `expected/<task>/` take."""
    rows = load_examples(task, "validation", data_dir=FIXTURES / "data").rows
    return [{"prompt": r["context"], "choices": r["choices"], "label": r["label"]} for r in rows]


def test_hellaswag_is_ctx_a_then_ctx_b_plus_ending_as_jiant():
    official = json.loads((EXPECTED / "hellaswag/val_examples.json").read_text())
    assert _choice_examples("hellaswag") == official


def test_lareqa_skips_a_question_whose_answer_is_in_no_sentence_as_xtreme():
    """XTREME adds a paragraph's sentences to the candidates while it goes through the
    paragraph's kept questions: German paragraph 2, whose only question is skipped, adds none
    (`make_official.py` `LAREQA_DE_MORE`)."""
    official = json.loads((EXPECTED / "lareqa/load_data.json").read_text())
    examples = load_examples("lareqa", "test", data_dir=FIXTURES / "official/inputs/raw")
    rows = examples.rows
    queries = [i for i, s in zip(rows["id"], rows["side"]) if s == "query"]
    candidates = [i for i, s in zip(rows["id"], rows["side"]) if s == "candidate"]
    assert queries == official["questions"] and candidates == official["candidates"]
    assert {q: sorted(c) for q, c in examples.gold.items()} == official["gold"]
    assert examples.report.excluded == {"answer_in_no_sentence": 2}  # counted, not silent


def _xtreme_tsv(path: Path) -> list[list[tuple[str, ...]]]:
    """XTREME's udpos/{split}-{lang}.tsv: `word<TAB>tag` lines (test: words only), blank between
    sentences."""
    sentences = [[]]
    for line in path.read_text("utf-8").split("\n"):
        if line:
            sentences[-1].append(tuple(line.split("\t")))
        elif sentences[-1]:
            sentences.append([])
    return [s for s in sentences if s]


def test_udpos_from_treebanks_is_what_xtreme_download_data_makes():
    """Multi-word tokens as one fused word with its head's tag, mostly-`_` sentences dropped,
    ZWNJ removed, treebanks in file-name order: XTREME's conllu_to_conll.py and
    udpos_preprocess output on the same CoNLL-U files."""
    root = FIXTURES / "official/inputs/raw"
    for lang in ("es", "fa", "en"):
        for split, name in (("train", "train"), ("validation", "dev"), ("test", "test")):
            if split == "train" and lang != "en":
                continue  # UD-POS trains on English only
            rows = load_examples("udpos", split, lang, data_dir=root).rows
            ours = [list(zip(t, g)) for t, g in zip(rows["tokens"], rows["tags"], strict=True)]
            official = _xtreme_tsv(EXPECTED / f"udpos/{name}-{lang}.tsv")
            if name == "test":  # XTREME strips the test tags
                ours = [[(w,) for w, _ in s] for s in ours]
            assert ours == official, (lang, split)


def test_udpos_xtreme_r_reads_v2_7_only_for_the_languages_xtreme_r_added(tmp_path):
    from jaxstilts.tasks import get_task

    task = get_task("udpos_xtreme_r")
    for lang, version in (("de", "2.5"), ("pl", "2.7"), ("wo", "2.7"), ("en", "2.5")):
        with pytest.raises(FileNotFoundError, match=rf"ud-treebanks-v{version}/UD_\*/{lang}_\*"):
            load_examples(task, "test", lang, data_dir=tmp_path)


def test_copa_prompt_is_jiants_question_phrasing():
    official = json.loads((EXPECTED / "copa/val_examples.json").read_text())
    assert _choice_examples("copa") == official


def test_siqa_release_gives_jiants_examples():
    """AI2's `socialiqa-train-dev` files through HF's row/label pairing and jiant's
    `SocialIQATask._create_examples` (tests/fixtures/official/README.md)."""
    official = json.loads((EXPECTED / "siqa/dev_examples.json").read_text())
    assert _choice_examples("siqa") == official


def _official(name: str):
    return json.loads((EXPECTED / "dual_encoder" / name).read_text("utf-8"))


def test_lareqa_training_pairs_are_xtreme_rs_from_squad():
    """Sentences broken by XTREME-R's rules; the answer sentence then its paragraph; an answer
    starting between sentences, or not in the words it spans, skipped and counted."""
    examples = load_examples("lareqa_squad", "train", data_dir=FIXTURES / "official/inputs/raw")
    rows = examples.rows
    assert [{"id": i, "query": q, "candidate": c} for i, q, c in
            zip(rows["id"], rows["query"], rows["candidate"])] == _official("lareqa_pairs.json")
    assert examples.report.excluded == {"answer_in_no_sentence": 1, "answer_not_recovered": 1}


def test_lareqa_candidates_are_sentence_then_paragraph_as_xtreme_r_embeds_them():
    examples = load_examples("lareqa", "test", data_dir=FIXTURES / "official/inputs/raw")
    rows = examples.rows
    assert {i: t for i, t, s in zip(rows["id"], rows["text"], rows["side"])
            if s == "candidate"} == _official("lareqa_candidates.json")
    assert not any(rows["text_b"])


def test_mewslix_texts_are_marked_mentions_and_joined_descriptions_as_xtreme_r():
    raw = FIXTURES / "official/inputs/raw"
    pairs = load_examples("mewslix_pairs", "train", data_dir=raw).rows
    assert [{"id": i, "query": q, "candidate": c} for i, q, c in
            zip(pairs["id"], pairs["query"], pairs["candidate"])] == _official("mewslix_pairs.json")
    rows = load_examples("mewslix", "validation", "en", data_dir=raw).rows
    texts = {side: {i: t for i, t, s in zip(rows["id"], rows["text"], rows["side"]) if s == side}
             for side in ("query", "candidate")}
    assert texts["query"] == _official("mewslix_queries.json")
    assert texts["candidate"] == _official("mewslix_candidates.json")
