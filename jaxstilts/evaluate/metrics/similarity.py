"""Nearest neighbours by inner product (cosine after normalising), chunked so memory stays bounded.

The retrieval tasks need the k most similar target rows for every query row, over tens or hundreds
of thousands of sentences (BUCC, Tatoeba, Mewsli-X, LAReQA). The similarity matrix is never built
whole: queries go through in chunks of `query_chunk` rows, and inside one jit-compiled call a
`lax.scan` walks the keys in chunks of `key_chunk` rows, merging each chunk's top-k into a running
top-k. Memory is O(query_chunk * key_chunk). Matrix products run at full float32 precision.

Ties go to the lower key index on both paths, so results do not depend on the chunking. Tiny
inputs take a numpy path (no compilation), which the tests also use as the reference.
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np

from jaxstilts.evaluate.metrics.errors import ScoringError

Backend = Literal["auto", "jax", "numpy"]
NUMPY_MAX_PAIRS = 1 << 16  # "auto" uses numpy up to this many query-key pairs


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length in float32 (all-zero rows stay zero), for cosine similarity."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1).astype(np.float32)


def _check(queries: np.ndarray, keys: np.ndarray, k: int) -> None:
    if queries.ndim != 2 or keys.ndim != 2:
        raise ScoringError(f"embeddings must be 2-D, got shapes {queries.shape} and {keys.shape}")
    if queries.shape[1] != keys.shape[1]:
        raise ScoringError(f"embedding sizes differ: {queries.shape[1]} vs {keys.shape[1]}")
    if not 1 <= k <= keys.shape[0]:
        raise ScoringError(f"k={k} neighbours asked among {keys.shape[0]} rows")


def _numpy_top_k(queries: np.ndarray, keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    sims = queries @ keys.T
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sims, order, axis=1), order


@partial(jax.jit, static_argnames=("k",))
def _jax_top_k(queries: jax.Array, keys: jax.Array, n_keys: jax.Array, k: int):
    """Top-k of `queries @ keys.T`, keys as (chunks, rows, dim); rows past `n_keys` are padding."""
    n_chunks, rows, _ = keys.shape
    chunk_k = min(k, rows)

    def step(carry, chunk):
        best_scores, best_index = carry
        block, offset = chunk
        sims = jnp.matmul(queries, block.T, precision=jax.lax.Precision.HIGHEST)
        index = offset + jnp.arange(rows)
        sims = jnp.where(index[None, :] < n_keys, sims, -jnp.inf)
        scores, pos = jax.lax.top_k(sims, chunk_k)
        scores = jnp.concatenate([best_scores, scores], axis=1)
        index = jnp.concatenate([best_index, index[pos]], axis=1)
        scores, pos = jax.lax.top_k(scores, k)
        return (scores, jnp.take_along_axis(index, pos, axis=1)), None

    n_queries = queries.shape[0]
    init = (
        jnp.full((n_queries, k), -jnp.inf, dtype=queries.dtype),
        jnp.full((n_queries, k), -1, dtype=jnp.int32),
    )
    offsets = jnp.arange(n_chunks, dtype=jnp.int32) * rows
    (scores, index), _ = jax.lax.scan(step, init, (keys, offsets))
    return scores, index


def top_k(
    queries: np.ndarray,
    keys: np.ndarray,
    k: int,
    *,
    normalize: bool = True,
    query_chunk: int = 1024,
    key_chunk: int = 8192,
    backend: Backend = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` keys most similar to each query: `(scores, indices)`, (n_queries, k), best first.

    `normalize=True` gives cosine similarity (as XTREME's retrieval tasks use); `False` plain inner
    products (LAReQA's dot-product scoring).
    """
    queries = l2_normalize(queries) if normalize else np.asarray(queries, dtype=np.float32)
    keys = l2_normalize(keys) if normalize else np.asarray(keys, dtype=np.float32)
    _check(queries, keys, k)
    if backend == "numpy" or (
        backend == "auto" and queries.shape[0] * keys.shape[0] <= NUMPY_MAX_PAIRS
    ):
        return _numpy_top_k(queries, keys, k)

    n_keys, dim = keys.shape
    rows = min(key_chunk, n_keys)
    n_chunks = -(-n_keys // rows)
    padded = np.zeros((n_chunks * rows, dim), dtype=np.float32)
    padded[:n_keys] = keys
    device_keys = jnp.asarray(padded.reshape(n_chunks, rows, dim))
    n_keys_arr = jnp.int32(n_keys)

    q_rows = min(query_chunk, queries.shape[0])
    scores, index = [], []
    for start in range(0, queries.shape[0], q_rows):
        block = queries[start : start + q_rows]
        used = block.shape[0]
        if used < q_rows:  # pad the last chunk so every call has the same shape
            block = np.concatenate([block, np.zeros((q_rows - used, dim), np.float32)])
        s, i = _jax_top_k(jnp.asarray(block), device_keys, n_keys_arr, k)
        scores.append(np.asarray(s)[:used])
        index.append(np.asarray(i)[:used])
    return np.concatenate(scores), np.concatenate(index).astype(np.int64)
