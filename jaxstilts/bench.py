"""`jaxstilts bench`: training speed of our step, and of transformers' PyTorch step, same run.

Figures: median step time over timed steps after warm-up, tokens/s, compile time, peak memory,
and MFU = (6 · non-embedding params · tokens + attention FLOPs) / (step time · device peak).
Every run can be saved as JSON under benchmarks/results/ with the machine and library versions.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import resource
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from jaxstilts.model.config import XLMRConfig

# Dense bf16 peak FLOP/s per device, from the vendors' data sheets.
PEAK_FLOPS = {
    "H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12,
    "TPU v4": 275e12, "TPU v5 lite": 197e12, "TPU v5e": 197e12, "TPU v5p": 459e12,
    "TPU v6 lite": 918e12, "TPU v6e": 918e12,
}

# The CPU target of the benchmark issue: XLM-R's real vocabulary on a small body.
PRESETS = {
    "cpu-target": dict(vocab_size=250002, hidden_size=256, num_hidden_layers=4,
                       num_attention_heads=4, intermediate_size=1024),
}


@dataclasses.dataclass(frozen=True)
class BenchConfig:
    preset: str = "tiny"
    batch: int = 16
    seq: int = 128
    steps: int = 10
    warmup: int = 2
    dtype: str = "float32"
    remat: str = "none"
    frozen_embeddings: bool = False
    attention_dropout: bool = True  # False: the fused attention kernel in training too
    num_labels: int = 3

    def model_config(self) -> XLMRConfig:
        extra = dict(dtype=self.dtype, remat=self.remat)
        if not self.attention_dropout:
            extra["attention_probs_dropout_prob"] = 0.0
        if self.preset in PRESETS:
            return XLMRConfig(**PRESETS[self.preset], **extra)
        return XLMRConfig.preset(self.preset, **extra)


def non_embedding_params(cfg: XLMRConfig) -> int:
    d, f, n = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    per_layer = 4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d
    return n * per_layer


def train_flops(cfg: XLMRConfig, batch: int, seq: int) -> float:
    """Forward + backward FLOPs of one step: 6·N·tokens for the matmuls with weights, plus the
    two attention matmuls (QKᵀ and AV: 4·B·L²·D per layer forward, ×3 with backward)."""
    tokens = batch * seq
    attention = 12 * cfg.num_hidden_layers * batch * seq * seq * cfg.hidden_size
    return 6 * non_embedding_params(cfg) * tokens + attention


def device_peak(kind: str) -> float | None:
    for name, flops in PEAK_FLOPS.items():
        if name.lower() in kind.lower():
            return flops
    return None


def _random_batch(cfg: XLMRConfig, batch: int, seq: int, num_labels: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, cfg.vocab_size - 1, (batch, seq)).astype(np.int32)
    ids[:, 0], ids[:, -1] = 0, 2
    return {"input_ids": ids, "attention_mask": np.ones((batch, seq), np.int32),
            "label": rng.integers(0, num_labels, batch).astype(np.int32)}


def _summary(times: list[float], compile_s: float, flops: float, tokens: int,
             peak: float | None, memory: int | None) -> dict:
    step = statistics.median(times)
    return {"step_time_s": step, "tokens_per_s": tokens / step, "compile_s": compile_s,
            "peak_memory_bytes": memory, "tflops_per_s": flops / step / 1e12,
            "mfu": flops / (step * peak) if peak else None, "timed_steps": len(times)}


def bench_jax(b: BenchConfig) -> dict:
    import jax
    from flax import nnx

    from jaxstilts.model.modeling import MultiTaskModel
    from jaxstilts.model.partitioning import make_mesh
    from jaxstilts.train.loop import put_batch
    from jaxstilts.train.optim import OptimConfig, make_optimizer
    from jaxstilts.train.state import create_train_state
    from jaxstilts.train.step import Steps

    cfg = b.model_config()
    device = jax.devices()[0]
    mesh = make_mesh(1, 1, 1, devices=[device])
    model = MultiTaskModel(cfg, {"task": ("classification", b.num_labels)}, rngs=nnx.Rngs(0))
    tx = make_optimizer(OptimConfig(frozen_embeddings=b.frozen_embeddings), 10_000)
    graphdef, state, shardings = create_train_state(model, tx, mesh)
    del model
    steps = Steps(graphdef, {"task": "classification"}, tx, shardings, mesh,
                  frozen_embeddings=b.frozen_embeddings)
    batch = put_batch(_random_batch(cfg, b.batch, b.seq, b.num_labels), mesh)

    t0 = time.perf_counter()
    state, metrics = steps.train("task", state, batch)
    jax.block_until_ready(metrics)
    first = time.perf_counter() - t0
    for _ in range(b.warmup):
        state, metrics = steps.train("task", state, batch)
    jax.block_until_ready(metrics)
    times = []
    for _ in range(b.steps):
        t0 = time.perf_counter()
        state, metrics = steps.train("task", state, batch)
        jax.block_until_ready(metrics)
        times.append(time.perf_counter() - t0)
    stats = device.memory_stats() or {}
    memory = stats.get("peak_bytes_in_use")
    if memory is None:
        memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # host RSS on CPU
    out = _summary(times, first - statistics.median(times), train_flops(cfg, b.batch, b.seq),
                   b.batch * b.seq, device_peak(device.device_kind), memory)
    out["loss"] = float(metrics["loss"])
    return out


def bench_torch(b: BenchConfig) -> dict:
    """The same training step in transformers' PyTorch XLM-R: AdamW (no decay on biases and
    LayerNorm), clipping at 1.0; on GPU bf16 autocast and SDPA attention.

    On CPU, PyTorch gets its better thread count: on small machines OpenMP with all cores can be
    several times slower than one thread (measured on the 2-core CI machine).
    """
    import torch

    if torch.cuda.is_available():
        return _bench_torch(b)
    runs = {}
    default = torch.get_num_threads()
    for threads in sorted({1, default}):
        torch.set_num_threads(threads)
        runs[threads] = _bench_torch(b)
    torch.set_num_threads(default)
    best = min(runs.values(), key=lambda r: r["step_time_s"])
    best["step_time_s_by_threads"] = {str(k): v["step_time_s"] for k, v in runs.items()}
    return best


def _bench_torch(b: BenchConfig) -> dict:
    import torch
    import transformers

    cfg = b.model_config()
    gpu = torch.cuda.is_available()
    dev = torch.device("cuda" if gpu else "cpu")
    hf_cfg = transformers.XLMRobertaConfig(**cfg.to_hf_dict(), num_labels=b.num_labels)
    model = transformers.XLMRobertaForSequenceClassification._from_config(
        hf_cfg, attn_implementation="sdpa").to(dev).train()
    if b.frozen_embeddings:
        model.roberta.embeddings.word_embeddings.weight.requires_grad_(False)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}], lr=1e-5, eps=1e-8)
    data = _random_batch(cfg, b.batch, b.seq, b.num_labels)
    batch = {"input_ids": torch.tensor(data["input_ids"], dtype=torch.long, device=dev),
             "attention_mask": torch.tensor(data["attention_mask"], device=dev),
             "labels": torch.tensor(data["label"], dtype=torch.long, device=dev)}
    autocast = torch.autocast("cuda", dtype=torch.bfloat16,
                              enabled=gpu and b.dtype == "bfloat16")

    def step():
        with autocast:
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if gpu:
            torch.cuda.synchronize()
        return loss

    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    for _ in range(b.warmup):
        step()
    if gpu:
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(b.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    memory = (torch.cuda.max_memory_allocated() if gpu
              else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    kind = torch.cuda.get_device_name() if gpu else "cpu"
    out = _summary(times, first - statistics.median(times), train_flops(cfg, b.batch, b.seq),
                   b.batch * b.seq, device_peak(kind), memory)
    out["loss"] = float(loss.detach())
    out["threads"] = torch.get_num_threads()
    return out


def environment() -> dict:
    import importlib.metadata as md

    import jax

    versions = {}
    for pkg in ("jax", "jaxlib", "flax", "optax", "orbax-checkpoint", "torch", "transformers"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    dev = jax.devices()[0]
    return {"machine": platform.node(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "jax_backend": jax.default_backend(), "device_kind": dev.device_kind,
            "device_count": jax.device_count(), "versions": versions,
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def bench_evaluator(b: BenchConfig, examples_per_language: int = 200,
                    languages: int = 5) -> dict:
    """Examples/s of the vectorized evaluator against a per-language loop, same model and data."""
    from flax import nnx

    from jaxstilts.evaluate.throughput import synthetic_features, throughput
    from jaxstilts.model.modeling import XLMRModel

    cfg = b.model_config()
    model = XLMRModel(cfg, "classification", num_labels=b.num_labels, rngs=nnx.Rngs(0))
    features = synthetic_features(languages=languages, per_language=examples_per_language,
                                  max_length=min(120, b.seq - 2), width=b.seq,
                                  vocab_size=cfg.vocab_size)
    return throughput(model, features, "classification", batch_size=b.batch)


def bench_pipeline(b: BenchConfig, rows: int = 20_000, seed: int = 0) -> dict:
    """Padding fraction of the bucketed loader on an MNLI-like length distribution (log-normal
    token counts, median ~40, clipped to the max length) against one fixed length."""
    from jaxstilts.data.buckets import PlanSettings, default_buckets, epoch_plan, padding_fraction

    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(np.log(40), 0.5, rows).astype(int), 8, b.seq)
    out = {}
    for name, buckets in (("bucketed", default_buckets(b.seq)), ("fixed", (b.seq,))):
        settings = PlanSettings(batch_size=b.batch, buckets=tuple(buckets), shuffle=True,
                                seed=seed, drop_remainder=True)
        plan = epoch_plan(lengths, settings, 0)
        out[name] = {"buckets": list(buckets), "padding_fraction": padding_fraction(lengths, plan)}
    return out


def run(b: BenchConfig, reference: str | None = None, evaluator: bool = False,
        pipeline: bool = False) -> dict:
    cfg = b.model_config()
    result = {"config": dataclasses.asdict(b), "model": {
        "layers": cfg.num_hidden_layers, "hidden": cfg.hidden_size,
        "heads": cfg.num_attention_heads, "ffn": cfg.intermediate_size, "vocab": cfg.vocab_size,
        "non_embedding_params": non_embedding_params(cfg)},
        "environment": environment(), "jax": bench_jax(b)}
    if evaluator:
        result["evaluator"] = bench_evaluator(b)
    if pipeline:
        result["pipeline"] = bench_pipeline(b)
    if reference == "pytorch":
        result["pytorch"] = bench_torch(b)
        result["speedup_vs_pytorch"] = (result["jax"]["tokens_per_s"]
                                        / result["pytorch"]["tokens_per_s"])
    return result


def save(result: dict, folder: str | Path = "benchmarks/results") -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    env = result["environment"]
    stamp = env["date"].replace(":", "").replace("-", "")[:15]
    name = f"{stamp}-{env['jax_backend']}-{result['config']['preset']}-{result['config']['dtype']}"
    path = folder / f"{name}.json"
    path.write_text(json.dumps(result, indent=2))
    return path
