"""Test oracles on the tasks package's `Features`: answer texts through the package's decoder,
and word predictions merged back from tagging windows -- the slow, obvious forms the evaluator's
vectorized paths are checked against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from jaxstilts.evaluate.span_decode import Prediction, _fit, decode_predictions
from jaxstilts.tasks.features import Features


def decode_span_predictions(
    features: Features,
    start_logits: Sequence[np.ndarray] | np.ndarray,
    end_logits: Sequence[np.ndarray] | np.ndarray,
    *,
    n_best: int = 20,
    max_answer_length: int = 30,
    version_2: bool | None = None,
    null_threshold: float = 0.0,
) -> dict[str, Prediction]:
    """(language, example id) -> `Prediction`, for every example of `features` (ids repeat
    across languages, as XQuAD's do).

    Logits are per feature row (row i of `features`): an [F, W] array of any width (a padded
    bucket width, or shorter than some rows: positions past the logits are never chosen) or a
    list of rows. `version_2` None: the task's (`Task.unanswerable`).
    """
    if len(start_logits) != len(features) or len(end_logits) != len(features):
        raise ValueError(f"{len(start_logits)} logit rows for {len(features)} features")
    version_2 = features.task.unanswerable if version_2 is None else version_2
    start, end = _logit_rows(start_logits), _logit_rows(end_logits)
    width = max(start.shape[1], end.shape[1])
    start, end = _fit(start, width, -np.inf), _fit(end, width, -np.inf)
    columns = ["example_index", "offset_mapping", "context_mask"]
    table = features.dataset.select_columns(columns).with_format("arrow")[:]
    examples = features.examples.rows
    predictions = decode_predictions(
        start,
        end,
        _ragged_to_padded(table.column("offset_mapping"), width, -1),
        table.column("example_index").to_numpy(),
        examples["context"],
        context_mask=_ragged_to_padded(table.column("context_mask"), width, 0),
        n_best=n_best,
        max_answer_length=max_answer_length,
        version_2=version_2,
        null_threshold=null_threshold,
    )
    keys = zip(examples["language"], examples["id"], strict=True)
    return dict(zip(keys, predictions, strict=True))


def decode_spans(features: Features, start_logits, end_logits, **kwargs
                 ) -> dict[tuple[str, str], str]:
    """(language, example id) -> answer text (see `decode_span_predictions` for the arguments)."""
    predictions = decode_span_predictions(features, start_logits, end_logits, **kwargs)
    return {example_id: p.text for example_id, p in predictions.items()}


def _logit_rows(logits: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """[F, W] float64 from an array or from rows of different lengths (-inf past a row)."""
    if isinstance(logits, np.ndarray) and logits.ndim == 2:
        return logits.astype(np.float64)
    rows = [np.asarray(r, np.float64).reshape(-1) for r in logits]
    out = np.full((len(rows), max((len(r) for r in rows), default=0)), -np.inf)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def _ragged_to_padded(column: pa.ChunkedArray, width: int, fill: int) -> np.ndarray:
    """A list<int> ([F, width]) or list<list<int>> pair ([F, width, 2]) column, read from Arrow
    without a Python loop over rows; rows are cut or padded with `fill` to `width`."""
    array = column.combine_chunks()
    offsets = array.offsets.to_numpy()
    values = array.flatten()
    pair = pa.types.is_list(values.type) or pa.types.is_large_list(values.type)
    values = values.flatten().to_numpy().reshape(-1, 2) if pair else values.to_numpy()
    lengths, starts = np.diff(offsets), offsets[:-1] - offsets[0]
    positions = np.arange(width)
    inside = positions < lengths[:, None]
    out = np.full((len(lengths), width) + values.shape[1:], fill, np.int64)
    out[inside] = values[(starts[:, None] + positions)[inside]]
    return out


def merge_word_predictions(
    features: Features, predictions: Sequence[np.ndarray] | np.ndarray
) -> list[list[int]]:
    """One predicted label id per original word, per example (in example order).

    `predictions[i]` are label ids per position of feature row i (argmax of the logits); rows may
    be shorter than the feature as long as every word's first sub-word is inside.
    """
    if len(predictions) != len(features):
        raise ValueError(f"{len(predictions)} prediction rows for {len(features)} features")
    examples = features.examples.rows
    merged = [[-1] * len(tokens) for tokens in examples["tokens"]]
    columns = features.dataset.select_columns(["example_index", "word_ids"])
    for i, (example_index, word_ids) in enumerate(
        zip(columns["example_index"], columns["word_ids"], strict=True)
    ):
        row = np.asarray(predictions[i])
        for position, word in enumerate(word_ids):
            if word < 0:
                continue
            if position >= len(row):
                raise ValueError(f"feature {i}: no prediction at position {position} (word {word})")
            merged[example_index][word] = int(row[position])
    missing = [(e, w) for e, words in enumerate(merged) for w, p in enumerate(words) if p < 0]
    if missing:
        raise ValueError(f"no prediction for (example, word) {missing[:5]}")
    return merged
