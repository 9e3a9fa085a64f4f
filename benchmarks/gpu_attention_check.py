"""Attention checks that need a GPU (cuDNN), run by benchmarks/gpu_check.sh; JSON to argv[1].

cuDNN's fused attention against XLA's on right-padded bfloat16 batches (outputs and gradients),
its in-kernel dropout (unbiased, a fresh mask on every execution, finite gradients), and a small
XLM-R encoder with each implementation. On a machine without a GPU the cuDNN checks are reported
as not run (the CPU suite covers the XLA path). Exit status 1 if a check fails.
"""

from __future__ import annotations

import json
import sys

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxstilts.model import XLMRConfig, XLMRModel
from jaxstilts.model.attention import attention, key_lengths

# bfloat16 keeps 8 mantissa bits: two kernels summing in different orders differ by a few ulps
# of the output scale.
BF16_REL_TOL = 3e-2


def _rel(a, b) -> float:
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-6))


def check_kernels(checks: dict) -> None:
    batch, length, heads, dim = 4, 128, 16, 64
    mask = (np.arange(length)[None] < np.array([[128], [77], [5], [0]])).astype(np.int32)
    lengths = key_lengths(jnp.asarray(mask))
    keys = jax.random.split(jax.random.key(0), 4)
    q, k, v, g = (jax.random.normal(key, (batch, length, heads, dim), jnp.bfloat16)
                  for key in keys)

    def run(impl, **kw):
        fn = lambda q, k, v: attention(q, k, v, lengths, implementation=impl, **kw)
        out, vjp = jax.vjp(jax.jit(fn), q, k, v)
        return out, vjp(g)

    xla, xla_grads = run("xla")
    cudnn, cudnn_grads = run("cudnn")
    checks["cudnn_vs_xla_forward_rel"] = _check(_rel(cudnn, xla), BF16_REL_TOL)
    for name, a, b in zip("qkv", cudnn_grads, xla_grads):
        checks[f"cudnn_vs_xla_grad_{name}_rel"] = _check(_rel(a, b), BF16_REL_TOL)

    drop = jax.jit(lambda q, k, v: attention(q, k, v, lengths, implementation="cudnn",
                                             dropout_rate=0.1))
    ones = jnp.ones_like(v)
    draws = [np.asarray(drop(q, k, ones), np.float32) for _ in range(20)]
    # With v = 1 each output is the sum of the kept probabilities / 0.9: 1 on average.
    checks["cudnn_dropout_mean_output_minus_1"] = _check(abs(float(np.mean(draws)) - 1.0), 1e-2)
    changed = float(np.mean(draws[0] != draws[1]))
    checks["cudnn_dropout_fresh_mask_each_call"] = {"value": changed, "ok": changed > 0.5}
    grads = jax.grad(lambda q: (drop(q, k, v).astype(jnp.float32) ** 2).sum())(q)
    finite = bool(jnp.isfinite(grads).all()) and float(jnp.abs(grads).max()) > 0
    checks["cudnn_dropout_gradient_finite_nonzero"] = {"value": finite, "ok": finite}


def check_encoder(checks: dict) -> None:
    base = XLMRConfig(vocab_size=1000, hidden_size=256, num_hidden_layers=2,
                      num_attention_heads=4, intermediate_size=512, dtype="bfloat16")
    ids = np.random.default_rng(0).integers(3, 1000, (4, 96)).astype(np.int32)
    mask = (np.arange(96)[None] < np.array([[96], [50], [20], [7]])).astype(np.int32)
    ids = np.where(mask == 1, ids, 1)
    outs = {}
    for impl in ("xla", "cudnn"):
        model = XLMRModel(base.replace(attention_impl=impl), rngs=nnx.Rngs(0))
        graph, params = nnx.split(model)
        fn = jax.jit(lambda p, i, m, graph=graph: nnx.merge(graph, p)(i, m))
        outs[impl] = np.asarray(fn(params, ids, mask), np.float32) * mask[..., None]
    checks["encoder_cudnn_vs_xla_rel"] = _check(_rel(outs["cudnn"], outs["xla"]), BF16_REL_TOL)


def _check(value: float, bound: float, **extra) -> dict:
    return {"value": value, "bound": bound, "ok": value <= bound, **extra}


def main(out_path: str) -> int:
    result = {"backend": jax.default_backend(), "device": jax.devices()[0].device_kind,
              "checks": {}}
    if jax.default_backend() != "gpu":
        result["note"] = "no GPU: cuDNN checks not run (the CPU suite covers the XLA path)"
    else:
        check_kernels(result["checks"])
        check_encoder(result["checks"])
    result["ok"] = all(c["ok"] for c in result["checks"].values())
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "attention_check.json"))
