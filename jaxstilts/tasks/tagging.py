"""Tagging features: words -> sub-words with the tag on each word's first sub-word.

A sentence without tags (a test split whose tags download_data.sh removed) gets IGNORE labels.
A sentence longer than the window is cut between words into consecutive windows (never
truncated); `word_ids` records which word each labelled position belongs to, so the evaluator
(`evaluate.postprocess.word_predictions`) puts the windows' predictions back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jaxstilts.kinds import IGNORE
from jaxstilts.tasks.problems import UNKNOWN_LABEL, DataError


class TaggingEncoder:
    def __init__(self, tokenizer: Any, max_length: int, labels: Sequence[str]):
        self.tokenizer, self.max_length = tokenizer, max_length
        self.label_ids = {name: i for i, name in enumerate(labels)}

    def _label(self, tag: str, row_id: str) -> int:
        try:
            return self.label_ids[tag]
        except KeyError:
            raise DataError(
                f"row {row_id}", UNKNOWN_LABEL,
                f"tag {tag!r} is not in the label set of {len(self.label_ids)} tags the head "
                "was built with") from None

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        tok = self.tokenizer
        words = [w for tokens in batch["tokens"] for w in tokens]
        pieces = tok(words, add_special_tokens=False)["input_ids"] if words else []
        capacity = self.max_length - 2
        out: dict[str, list] = {
            k: [] for k in ("input_ids", "labels", "word_ids", "example_index", "language")
        }
        at = 0
        for i, (tokens, tags) in enumerate(zip(batch["tokens"], batch["tags"], strict=True)):
            word_pieces = [
                p[:capacity] or [tok.unk_token_id] for p in pieces[at : at + len(tokens)]
            ]
            at += len(tokens)
            windows, current = [], []
            used = 0
            for w, wp in enumerate(word_pieces):
                if current and used + len(wp) > capacity:
                    windows.append(current)
                    current, used = [], 0
                current.append(w)
                used += len(wp)
            windows.append(current)
            for window in windows:
                ids, labels, word_ids = [tok.cls_token_id], [IGNORE], [-1]
                for w in window:
                    wp = word_pieces[w]
                    ids += wp
                    gold = IGNORE if tags is None else self._label(tags[w], batch["id"][i])
                    labels += [gold] + [IGNORE] * (len(wp) - 1)
                    word_ids += [w] + [-1] * (len(wp) - 1)
                ids.append(tok.sep_token_id)
                labels.append(IGNORE)
                word_ids.append(-1)
                out["input_ids"].append(ids)
                out["labels"].append(labels)
                out["word_ids"].append(word_ids)
                out["example_index"].append(indices[i])
                out["language"].append(batch["language"][i])
        return out
