"""The plain evaluation loop the vectorized evaluator replaces: language by language, one forward
pass per example at its own length. It is the reference the evaluator's tests compare against and
the baseline its throughput is measured against, so it shares none of the evaluator's batching,
padding, sharding or scatter code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jax
import numpy as np
from flax import nnx

from jaxstilts.evaluate.predict import head_kind
from jaxstilts.model.heads import default_retrieval_layer

if TYPE_CHECKING:
    from jaxstilts.tasks.features import Features


def _forward(model: nnx.Module, kind: str, task: str | None, layer: int, ids, mask):
    if kind == "retrieval":
        return model.encode(ids, mask, layer)
    return model(task, ids, mask) if task else model(ids, mask)


_JITTED: dict[tuple, Any] = {}


def _jitted(graphdef: nnx.GraphDef, kind: str, task: str | None, layer: int):
    """One jitted forward per model structure and kind (it compiles once per example length)."""
    fn = jax.jit(lambda p, i, m: _forward(nnx.merge(graphdef, p), kind, task, layer, i, m))
    key = (graphdef, kind, task, layer)
    try:
        return _JITTED.setdefault(key, fn)
    except TypeError:  # unhashable graphdef: no reuse across calls
        return fn


def predict_per_language_loop(
    model: nnx.Module | tuple[nnx.GraphDef, Any], features: Features, kind: str, *,
    task: str | None = None, layer: int | None = None, jit: bool = False,
    return_logits: bool = False,
) -> dict[str, np.ndarray]:
    """The outputs `evaluate.predict.predict` gives, computed example by example.

    Languages are visited in order of first appearance (the `language` column; one language if
    absent). `jit=False` runs eagerly; `jit=True` compiles once per distinct example length.
    """
    if isinstance(model, tuple):
        model = nnx.merge(*model)
    kind = head_kind(kind)
    lengths = np.asarray(features.lengths())
    n, width = len(features), int(features.max_length)
    layer = layer if layer is not None else (getattr(model, "retrieval_layer", None)
                                             or default_retrieval_layer(model.config))
    if jit:
        graphdef, params = nnx.split(model)
        compiled = _jitted(graphdef, kind, task, layer)
        run = lambda ids, mask: compiled(params, ids, mask)
    else:
        run = lambda ids, mask: _forward(model, kind, task, layer, ids, mask)

    languages = features.column("language")
    languages = np.asarray(languages) if languages is not None else np.zeros(n)
    columns: dict[str, list] = {}
    order: list[int] = []
    for language in dict.fromkeys(languages.tolist()):
        for i in np.flatnonzero(languages == language):
            length = max(int(lengths[i]), 1)
            row = features.collate(np.asarray([i]), length)
            out = run(np.asarray(row["input_ids"], np.int32),
                      np.asarray(row["attention_mask"], np.int32))
            for key, value in _outputs(kind, out, return_logits, width).items():
                columns.setdefault(key, []).append(value)
            order.append(int(i))
    result = {}
    for key, values in columns.items():
        stacked = np.stack(values)
        result[key] = np.empty_like(stacked)
        result[key][np.asarray(order)] = stacked
    return result


def _pad(row: np.ndarray, width: int, fill) -> np.ndarray:
    out = np.full((width,) + row.shape[1:], fill, row.dtype)
    out[:len(row)] = row
    return out


def _outputs(kind: str, out, return_logits: bool, width: int) -> dict[str, np.ndarray]:
    """One example's outputs (batch dimension of 1 removed), padded to the features' width."""
    if kind == "retrieval":
        return {"vectors": np.asarray(out, np.float32)[0]}
    if kind == "span":
        return {"start_logits": _pad(np.asarray(out.start, np.float32)[0], width, -np.inf),
                "end_logits": _pad(np.asarray(out.end, np.float32)[0], width, -np.inf)}
    logits = np.asarray(out, np.float32)[0]
    if kind == "tagging":
        result = {"token_label": _pad(logits.argmax(-1).astype(np.int32), width, -1)}
        if return_logits:
            result["logits"] = _pad(logits, width, 0.0)
        return result
    result = {"label": np.int32(logits.argmax(-1))}
    if return_logits:
        result["logits"] = logits
    return result
