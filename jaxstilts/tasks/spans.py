"""Span extraction features: question + a window of the context, with character offsets.

Long contexts are cut into windows that advance by `doc_stride` tokens. Each context token keeps
the character span it covers in the original context (whitespace trimmed, overlaps removed), so an
answer is recovered as `context[start:end]` -- no detokenization, hence exact in every script.
With `align_answers`, a token crossing a gold answer boundary (a CJK or Thai piece that runs past
the answer) is split there, so the gold token span covers exactly the answer text.
"""

from __future__ import annotations

from typing import Any

from jaxstilts.tasks.features import FeaturizeConfig

SPACE = "\u2581"  # SentencePiece's word-boundary mark


class SpanEncoder:
    def __init__(self, tokenizer: Any, max_length: int, config: FeaturizeConfig, align: bool):
        self.tokenizer, self.max_length, self.config, self.align = (
            tokenizer,
            max_length,
            config,
            align,
        )
        self._vocab: dict[str, int] | None = None

    @property
    def vocab(self) -> dict[str, int]:
        if self._vocab is None:
            self._vocab = self.tokenizer.get_vocab()
        return self._vocab

    def __getstate__(self):
        return {**self.__dict__, "_vocab": None}

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        tok = self.tokenizer
        questions = tok(batch["question"], add_special_tokens=False)["input_ids"]
        contexts = tok(batch["context"], add_special_tokens=False, return_offsets_mapping=True)
        out: dict[str, list] = {
            name: []
            for name in (
                "input_ids",
                "start_positions",
                "end_positions",
                "example_index",
                "example_id",
                "language",
                "offset_mapping",
                "context_mask",
            )
        }
        for i, index in enumerate(indices):
            context = batch["context"][i]
            answers = batch["answers"][i]
            ids = contexts["input_ids"][i]
            spans = clean_spans(
                context, tok.convert_ids_to_tokens(ids), contexts["offset_mapping"][i]
            )
            pieces = list(zip(ids, spans, strict=True))
            if self.align and answers["text"]:
                edges = set()
                for text, start in zip(answers["text"], answers["answer_start"], strict=True):
                    edges.update((start, start + len(text)))
                pieces = split_at(
                    pieces, edges, context, tok.convert_ids_to_tokens, self.vocab, tok.unk_token_id
                )
            question = questions[i][: self.config.max_query_length]
            for window in self._windows(question, pieces, answers):
                for name, value in window.items():
                    out[name].append(value)
                out["example_index"].append(index)
                out["example_id"].append(batch["id"][i])
                out["language"].append(batch["language"][i])
        return out

    def _windows(self, question: list[int], pieces: list, answers: dict) -> list[dict]:
        tok = self.tokenizer
        capacity = self.max_length - len(question) - 4  # <s> q </s></s> c </s>
        if capacity <= 0:
            raise ValueError(f"max_length {self.max_length} leaves no room after the question")
        gold = _gold_tokens(pieces, answers)
        head = [tok.cls_token_id, *question, tok.sep_token_id, tok.sep_token_id]
        windows, start = [], 0
        while True:
            end = min(start + capacity, len(pieces))
            chunk = pieces[start:end]
            ids = head + [p[0] for p in chunk] + [tok.sep_token_id]
            offsets = [[-1, -1]] * len(head) + [list(p[1]) for p in chunk] + [[-1, -1]]
            mask = [0] * len(head) + [int(p[1][1] > p[1][0]) for p in chunk] + [0]
            first, last = 0, 0
            if gold is not None and start <= gold[0] and gold[1] < end:
                first, last = gold[0] - start + len(head), gold[1] - start + len(head)
            windows.append(
                {
                    "input_ids": ids,
                    "offset_mapping": offsets,
                    "context_mask": mask,
                    "start_positions": first,
                    "end_positions": last,
                }
            )
            if end >= len(pieces):
                return windows
            start += min(capacity, self.config.doc_stride)


def clean_spans(text: str, tokens: list[str], offsets: list) -> list[tuple[int, int]]:
    """Character spans that tile the text in order: whitespace trimmed, a bare `▁` empty, and
    each span starting no earlier than the previous one ended (normalisation such as NFKC can
    make a tokenizer report overlapping spans)."""
    spans, previous_end = [], 0
    for token, (start, end) in zip(tokens, offsets, strict=True):
        if token == SPACE:
            end = start
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        start = max(start, previous_end)
        end = max(end, start)
        spans.append((start, end))
        previous_end = end
    return spans


def split_at(pieces: list, edges: set[int], text: str, to_tokens, vocab: dict, unk: int) -> list:
    """Split every piece whose span strictly contains an answer edge, at that edge."""
    out = []
    for piece_id, (start, end) in pieces:
        inside = sorted(e for e in edges if start < e < end)
        if not inside:
            out.append((piece_id, (start, end)))
            continue
        marked = to_tokens([piece_id])[0].startswith(SPACE)
        bounds = [start, *inside, end]
        for k, (s, e) in enumerate(zip(bounds, bounds[1:], strict=False)):
            out.extend(_pieces_for(text[s:e], s, marked and k == 0, vocab, unk))
    return out


def _pieces_for(segment: str, offset: int, marked: bool, vocab: dict, unk: int) -> list:
    """Vocabulary pieces for a segment: the whole segment if it is a piece, else characters."""
    whole = (SPACE if marked else "") + segment
    if whole in vocab:
        return [(vocab[whole], (offset, offset + len(segment)))]
    out = []
    for k, char in enumerate(segment):
        piece = (SPACE if marked and k == 0 else "") + char
        piece_id = vocab.get(piece, vocab.get(char, unk))
        out.append((piece_id, (offset + k, offset + k + 1)))
    return out


def _gold_tokens(pieces: list, answers: dict) -> tuple[int, int] | None:
    """Context-token indices of the first answer's first and last token, or None."""
    if not answers["text"]:
        return None
    start = answers["answer_start"][0]
    end = start + len(answers["text"][0])
    first = next((i for i, (_, (s, e)) in enumerate(pieces) if e > s and e > start), None)
    last = None
    for i, (_, (s, e)) in enumerate(pieces):
        if e > s and s < end:
            last = i
    if first is None or last is None or last < first:
        return None
    return first, last
