"""XTREME's official metrics, re-implemented as pure functions over python/numpy inputs.

One module per family: `classification` (accuracy), `tagging` (seqeval span F1), `squad`
(SQuAD v1.1 and v2.0), `mlqa` (MLQA's normalisation), `bucc` (mining and pair F1), `retrieval`
(Tatoeba, mAP@20), `similarity` (chunked k-NN in JAX). Bad input raises `ScoringError`.
"""

from jaxstilts.evaluate.metrics.errors import ScoringError

__all__ = ["ScoringError"]
