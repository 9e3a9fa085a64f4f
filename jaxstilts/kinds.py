"""One vocabulary of task kinds, and everything that follows from a task's kind.

A task's kind is the shape of its data. From it follow the model head that predicts it, the
columns its batches carry, the input fields character noise may touch, and the metric it is
scored by unless its entry names another (the metrics themselves: `jaxstilts.evaluate.scoring`).
A new task of an existing kind therefore needs a catalog entry and nothing else.

This module imports nothing heavy, so the scorer (`jaxstilts score`) can use it too.
"""

from __future__ import annotations

import enum

IGNORE = -100  # label of positions that carry no loss and no score (tagging, MLM)


class Kind(enum.StrEnum):
    """The six input/output shapes a task can have; each has its own featurizer and batch keys."""

    PAIR_CLASSIFICATION = "pair_classification"  # one sentence or a pair -> one label
    MULTIPLE_CHOICE = "multiple_choice"  # context + C choices -> index of the right choice
    SPAN_EXTRACTION = "span_extraction"  # question + context -> answer span (or none)
    TAGGING = "tagging"  # words -> one tag per word
    RETRIEVAL = "retrieval"  # queries and candidates -> gold links, scored on embeddings
    RETRIEVAL_PAIRS = "retrieval_pairs"  # query -> its candidate; in-batch negatives (training)

    @property
    def head(self) -> str:
        """The model's head kind (`jaxstilts.model.heads.HEAD_KINDS`) for this task kind."""
        return HEADS[self]

    @property
    def targets(self) -> tuple[str, ...]:
        """The gold columns of this kind's batches, beside `input_ids` and `attention_mask`."""
        return TARGETS[self]

    @property
    def default_metric(self) -> str:
        """The metric a task of this kind is scored by unless its catalog entry says otherwise."""
        return DEFAULT_METRICS[self]

    @property
    def noisy_fields(self) -> tuple[str, ...]:
        """Input fields character noise may touch: never labels, never the contexts of QA (the
        gold answers are spans of them)."""
        return NOISY_FIELDS[self]


HEADS = {
    Kind.PAIR_CLASSIFICATION: "classification",
    Kind.MULTIPLE_CHOICE: "multiple_choice",
    Kind.SPAN_EXTRACTION: "span",
    Kind.TAGGING: "tagging",
    Kind.RETRIEVAL: "retrieval",  # no trained head: the encoder's mean-pooled states
    Kind.RETRIEVAL_PAIRS: "dual_encoder",  # pooled <s>, normalized; scaled cosine logits
}

TARGETS = {
    Kind.PAIR_CLASSIFICATION: ("label",),  # [N]
    Kind.MULTIPLE_CHOICE: ("label",),  # [N], inputs [N, C, L]
    Kind.SPAN_EXTRACTION: ("start_positions", "end_positions"),  # [N]; 0 = <s>: not here
    Kind.TAGGING: ("labels",),  # [N, L], IGNORE off each word's first sub-word
    Kind.RETRIEVAL: (),
    Kind.RETRIEVAL_PAIRS: (),  # inputs [N, 2, L]: query, candidate; row i's gold is candidate i
}

DEFAULT_METRICS = {
    Kind.PAIR_CLASSIFICATION: "accuracy",
    Kind.MULTIPLE_CHOICE: "accuracy",
    Kind.SPAN_EXTRACTION: "squad",
    Kind.TAGGING: "seqeval_f1",
    Kind.RETRIEVAL: "map@20",
    Kind.RETRIEVAL_PAIRS: "accuracy",  # in-batch: the query's own candidate ranked first
}

NOISY_FIELDS = {
    Kind.PAIR_CLASSIFICATION: ("text_a", "text_b"),
    Kind.MULTIPLE_CHOICE: ("context", "choices"),
    Kind.SPAN_EXTRACTION: ("question",),
    Kind.TAGGING: ("tokens",),
    Kind.RETRIEVAL: (),
    Kind.RETRIEVAL_PAIRS: ("query",),
}


def head_kind(kind: str) -> str:
    """The head kind that predicts a task kind or head kind (`span_extraction` -> `span`)."""
    if str(kind) in HEADS.values():
        return str(kind)
    try:
        return Kind(kind).head
    except ValueError:
        raise ValueError(f"cannot predict kind {kind!r}; expected one of "
                         f"{tuple(HEADS.values())} or a task kind") from None
