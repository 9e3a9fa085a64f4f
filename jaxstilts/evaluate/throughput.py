"""Examples per second of the vectorized evaluator against the per-language loop, on one model and
one set of features. Run it with

    python -m jaxstilts.evaluate.throughput --kind classification --languages 5 --per-language 200

"Cold" timings include compilation (what one evaluation of a fresh model costs); "warm" timings are
a second pass with everything compiled (what each later evaluation in a run costs).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jax
import numpy as np
from flax import nnx
from jax.sharding import Mesh

from jaxstilts.data.buckets import EVAL_BUCKETS
from jaxstilts.evaluate.predict import head_kind, predict
from jaxstilts.evaluate.reference import predict_per_language_loop

if TYPE_CHECKING:
    from jaxstilts.tasks.features import Features


SYNTHETIC_TASKS = {"classification": "xnli", "multiple_choice": "hellaswag", "span": "xquad",
                   "tagging": "panx", "retrieval": "tatoeba"}  # a task of each head kind


def synthetic_features(kind: str = "classification", languages: int = 5, per_language: int = 200,
                       min_length: int = 10, max_length: int = 120, width: int = 128,
                       vocab_size: int = 4002, seed: int = 0) -> Features:
    """Random token ids as `Features` of a task of `kind` (`SYNTHETIC_TASKS`; its number of
    choices): lengths uniform in [min_length, max_length], padded to `width`."""
    from jaxstilts.tasks import get_task
    from jaxstilts.tasks.features import features_from_ids

    task = get_task(SYNTHETIC_TASKS[head_kind(kind)])
    rng = np.random.default_rng(seed)
    n = languages * per_language
    shape = (n, task.num_choices, width) if task.num_choices else (n, width)
    lengths = rng.integers(min_length, max_length + 1, shape[:-1])
    ids = rng.integers(5, vocab_size, shape)
    ids[..., 0] = 0  # <s>
    rows = [[r[:k].tolist() for r, k in zip(row, length)] if task.num_choices
            else row[:length].tolist() for row, length in zip(ids, lengths)]
    language = np.repeat([f"l{i}" for i in range(languages)], per_language)
    return features_from_ids(task, {"input_ids": rows,
                                    "language": rng.permutation(language).tolist()}, width)


def _timed(fn) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    jax.block_until_ready(jax.tree.leaves(out))
    return time.perf_counter() - start, out


def throughput(model: nnx.Module | tuple[nnx.GraphDef, Any], features: Features, kind: str, *,
               batch_size: int = 32, mesh: Mesh | None = None, task: str | None = None,
               loop_jit: bool = True, buckets: Sequence[int] = EVAL_BUCKETS) -> dict[str, float]:
    """Examples/s of `predict` and of `predict_per_language_loop`, cold and warm, and the ratios.

    The loop is jitted per example length by default (eager runs are far slower still). Also
    checks that both give the same argmax labels / nearly the same values, and says so.
    """
    n = len(features)
    fast = lambda: predict(model, features, kind, batch_size, mesh, task=task, buckets=buckets)
    slow = lambda: predict_per_language_loop(model, features, kind, task=task, jit=loop_jit)
    fast_cold, fast_out = _timed(fast)
    fast_warm, _ = _timed(fast)
    slow_cold, slow_out = _timed(slow)
    slow_warm, _ = _timed(slow)
    agree = all(np.allclose(fast_out[k], slow_out[k], atol=1e-4, rtol=1e-4) for k in fast_out)
    return {
        "examples": n,
        "evaluator_cold_per_s": n / fast_cold,
        "evaluator_warm_per_s": n / fast_warm,
        "loop_cold_per_s": n / slow_cold,
        "loop_warm_per_s": n / slow_warm,
        "speedup_cold": slow_cold / fast_cold,
        "speedup_warm": slow_warm / fast_warm,
        "outputs_agree": float(agree),
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    from jaxstilts.model import XLMRConfig, XLMRModel

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="classification")
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--languages", type=int, default=5)
    parser.add_argument("--per-language", type=int, default=200)
    parser.add_argument("--min-length", type=int, default=10)
    parser.add_argument("--max-length", type=int, default=120)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--buckets", default=",".join(map(str, EVAL_BUCKETS)),
                        help="comma-separated bucket lengths")
    args = parser.parse_args(argv)
    config = XLMRConfig.preset(args.preset)
    kind = head_kind(args.kind)
    labels = {"classification": 3, "tagging": 7}.get(kind)
    model = XLMRModel(config, kind, num_labels=labels, rngs=nnx.Rngs(0))
    features = synthetic_features(kind, args.languages, args.per_language, args.min_length,
                                  args.max_length, vocab_size=config.vocab_size)
    result = {"kind": kind, "preset": args.preset, "device": str(jax.devices()[0].platform),
              **throughput(model, features, kind, batch_size=args.batch_size,
                           buckets=tuple(int(b) for b in args.buckets.split(",")))}
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
