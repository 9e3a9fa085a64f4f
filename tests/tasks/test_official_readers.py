"""Readers against the official task code on the same files (tests/fixtures/official)."""

import json
from pathlib import Path

from jaxstilts.tasks import load_examples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPECTED = FIXTURES / "official" / "expected"


def test_hellaswag_is_ctx_a_then_ctx_b_plus_ending_as_jiant():
    official = json.loads((EXPECTED / "hellaswag/val_examples.json").read_text())
    rows = load_examples("hellaswag", "validation", data_dir=FIXTURES / "data").rows
    assert [{"prompt": r["context"], "choices": r["choices"], "label": r["label"]}
            for r in rows] == official


def test_lareqa_skips_a_question_whose_answer_is_in_no_sentence_as_xtreme():
    official = json.loads((EXPECTED / "lareqa/load_data.json").read_text())
    examples = load_examples("lareqa", "test", data_dir=FIXTURES / "official/inputs/raw")
    rows = examples.rows
    queries = [i for i, s in zip(rows["id"], rows["side"]) if s == "query"]
    candidates = [i for i, s in zip(rows["id"], rows["side"]) if s == "candidate"]
    assert queries == official["questions"] and candidates == official["candidates"]
    assert {q: sorted(c) for q, c in examples.gold.items()} == official["gold"]
    assert examples.report.excluded == {"answer_in_no_sentence": 1}  # counted, not silent
