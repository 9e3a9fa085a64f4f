"""`jaxstilts bench`: training speed of our step, and of transformers' PyTorch step (eager and
`torch.compile`), same run.

Figures: median step time over timed steps after warm-up, tokens/s, compile time, peak memory,
and MFU = (6 · non-embedding params · tokens + attention FLOPs) / (step time · device peak).
`--aot` lowers and compiles the train step from abstract shapes only (no parameter is
materialised, so XLM-R Large compiles on a laptop), once per layer layout in fresh processes:
the compile time every run of a grid pays, scanned against unrolled layers.
`--profile DIR` traces a few steps with `jax.profiler` and sums device time by op into a table
(profile.json, profile.txt). Every run can be saved as JSON under benchmarks/results/ with the
machine and library versions.
"""

from __future__ import annotations

import collections
import dataclasses
import gzip
import json
import re
import resource
import statistics
import time
from pathlib import Path

import numpy as np

from jaxstilts.environment import describe_environment
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
    attention_dropout: bool = True  # False: no attention-probability dropout in training
    attention_impl: str = "auto"  # auto | xla | cudnn (model/attention.py)
    matmul_precision: str = "auto"
    dropout_rng: str = "threefry"  # threefry | rbg
    scan_layers: bool = True  # False: the unrolled layer layout (model.scan_layers)
    num_labels: int = 3

    def model_config(self) -> XLMRConfig:
        extra = dict(dtype=self.dtype, remat=self.remat, attention_impl=self.attention_impl,
                     matmul_precision=self.matmul_precision, dropout_rng=self.dropout_rng,
                     scan_layers=self.scan_layers)
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


def _compiled_step(b: BenchConfig):
    """(step, state, batch, HLO text, compile seconds) of our train step for `b`, on one device:
    compiled ahead of time, so the compile time is measured alone and the HLO names profile ops."""
    import jax
    from flax import nnx

    from jaxstilts.model.modeling import MultiTaskModel
    from jaxstilts.model.partitioning import make_mesh
    from jaxstilts.train.loop import put_batch
    from jaxstilts.train.optim import OptimConfig, make_optimizer
    from jaxstilts.train.state import create_train_state
    from jaxstilts.train.step import Steps

    cfg = b.model_config()
    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    model = MultiTaskModel(cfg, {"task": ("classification", b.num_labels)}, rngs=nnx.Rngs(0))
    tx = make_optimizer(OptimConfig(frozen_embeddings=b.frozen_embeddings), 10_000)
    graphdef, state, shardings = create_train_state(model, tx, mesh)
    del model
    steps = Steps(graphdef, {"task": "classification"}, tx, shardings, mesh,
                  frozen_embeddings=b.frozen_embeddings)
    batch = put_batch(_random_batch(cfg, b.batch, b.seq, b.num_labels), mesh)
    t0 = time.perf_counter()
    step, hlo = steps.compile_train("task", state, batch)
    return step, state, batch, hlo, time.perf_counter() - t0


def _timed(step, state, batch):
    """One step, waited for: (new state, metrics, seconds)."""
    import jax

    t0 = time.perf_counter()
    state, metrics = step(state, batch)
    jax.block_until_ready(metrics)
    return state, metrics, time.perf_counter() - t0


def bench_jax(b: BenchConfig, profile_dir: str | Path | None = None) -> dict:
    import jax

    from jaxstilts.model.attention import choose_implementation

    cfg = b.model_config()
    device = jax.devices()[0]
    step, state, batch, hlo, compile_s = _compiled_step(b)
    for _ in range(b.warmup + 1):
        state, metrics, _ = _timed(step, state, batch)
    times = []
    for _ in range(b.steps):
        state, metrics, seconds = _timed(step, state, batch)
        times.append(seconds)
    stats = device.memory_stats() or {}
    memory = stats.get("peak_bytes_in_use")
    if memory is None:
        memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # host RSS on CPU
    out = _summary(times, compile_s, train_flops(cfg, b.batch, b.seq), b.batch * b.seq,
                   device_peak(device.device_kind), memory)
    out["loss"] = float(metrics["loss"])
    out["attention_impl"] = choose_implementation(cfg.attention_impl, cfg.dtype)
    if profile_dir is not None:
        out["profile"] = profile_steps(lambda s: step(s, batch), state, hlo,
                                       Path(profile_dir), steps=3)
    return out


def compare_layouts_steps(b: BenchConfig) -> dict:
    """Step time of scanned against unrolled layers, measured in pairs: both compiled in one
    process, then their steps alternated, so that a shared machine's load falls on both alike.
    Reports each layout's median and the median of the per-pair ratios (scanned / unrolled)."""
    runs = {name: list(_compiled_step(dataclasses.replace(b, scan_layers=scan)))
            for name, scan in (("scanned", True), ("unrolled", False))}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(b.warmup + 1 + b.steps):
        for name, run in runs.items():
            step, state, batch = run[:3]
            run[1], _, seconds = _timed(step, state, batch)
            if i > b.warmup:
                times[name].append(seconds)
    ratios = [s / u for s, u in zip(times["scanned"], times["unrolled"])]
    return {**{name: {"step_time_s": statistics.median(t), "compile_s": runs[name][4],
                      "step_times_s": t} for name, t in times.items()},
            "scanned_over_unrolled": statistics.median(ratios), "pairs": len(ratios)}


def bench_aot(b: BenchConfig) -> dict:
    """Lower and compile the train step from abstract shapes: `nnx.eval_shape` builds the model,
    the optimizer state and the batch as ShapeDtypeStructs, so nothing is materialised and the
    persistent compilation cache is bypassed. Times lowering and compiling separately; the peak
    host memory (RSS) of the process is what the compiler needed on top of the Python process."""
    import jax
    from flax import nnx

    from jaxstilts.model.modeling import MultiTaskModel
    from jaxstilts.model.partitioning import batch_sharding, make_mesh
    from jaxstilts.train.optim import OptimConfig, make_optimizer
    from jaxstilts.train.state import (
        TrainState,
        param_shardings,
        split_model,
        train_state_shardings,
    )
    from jaxstilts.train.step import Steps

    jax.config.update("jax_enable_compilation_cache", False)
    cfg = b.model_config()
    mesh = make_mesh(1, 1, 1, devices=jax.devices()[:1])
    model = nnx.eval_shape(
        lambda: MultiTaskModel(cfg, {"task": ("classification", b.num_labels)},
                               rngs=nnx.Rngs(0)))
    graphdef, params_state = split_model(model)
    p_shard = param_shardings(params_state, mesh)
    params = jax.tree.map(lambda v, s: jax.ShapeDtypeStruct(v.shape, v.dtype, sharding=s),
                          nnx.to_pure_dict(params_state), p_shard)
    tx = make_optimizer(OptimConfig(frozen_embeddings=b.frozen_embeddings), 10_000)
    shardings = train_state_shardings(tx, params, p_shard, mesh)
    abstract = jax.tree.map(lambda v, s: jax.ShapeDtypeStruct(v.shape, v.dtype, sharding=s),
                            TrainState(jax.ShapeDtypeStruct((), np.int32), params,
                                       jax.eval_shape(tx.init, params)), shardings)
    batch = {k: jax.ShapeDtypeStruct(v.shape, v.dtype, sharding=batch_sharding(mesh, v.ndim))
             for k, v in _random_batch(cfg, b.batch, b.seq, b.num_labels).items()}
    steps = Steps(graphdef, {"task": "classification"}, tx, shardings, mesh,
                  frozen_embeddings=b.frozen_embeddings)
    t0 = time.perf_counter()
    lowered = steps.lower_train("task", abstract, batch)
    lower_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    compiled = lowered.compile()
    compile_s = time.perf_counter() - t0
    return {"scan_layers": cfg.scan_layers, "lower_s": lower_s, "compile_s": compile_s,
            "total_s": lower_s + compile_s, "hlo_chars": len(compiled.as_text()),
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def compare_layouts_aot(b: BenchConfig) -> dict:
    """`bench_aot` for scanned and unrolled layers, each in a fresh process (no shared caches,
    its own peak memory); `compile_speedup` = unrolled / scanned lower+compile time."""
    import concurrent.futures
    import multiprocessing

    out = {}
    for name, scan in (("scanned", True), ("unrolled", False)):
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            out[name] = pool.submit(bench_aot, dataclasses.replace(b, scan_layers=scan)).result()
    out["compile_speedup"] = out["unrolled"]["total_s"] / out["scanned"]["total_s"]
    return out


def profile_steps(step, state, hlo_text: str, folder: Path, steps: int = 3) -> dict:
    """Trace `steps` steps with jax.profiler and sum device time per op (profile.json/.txt)."""
    import jax

    folder.mkdir(parents=True, exist_ok=True)
    with jax.profiler.trace(str(folder / "trace")):
        for _ in range(steps):
            state, metrics = step(state)
        jax.block_until_ready(metrics)
    traces = sorted((folder / "trace").glob("plugins/profile/*/*.trace.json.gz"))
    summary = summarize_trace(traces[-1], hlo_text, steps)
    (folder / "profile.json").write_text(json.dumps(summary, indent=2))
    (folder / "profile.txt").write_text(profile_table(summary))
    return {k: summary[k] for k in ("step_ms", "by_category")}


# Categories of a device op, by its HLO op name and the op_name metadata JAX gave it (the model
# opens named scopes for them); first match wins. Ops outside jvp/transpose are the update.
CATEGORIES = (
    ("dropout bits", r"dropout|threefry|random_bits|rng.bit.generator|rng_bit"),
    ("attention", r"attention|cudnn|fmha|flash"),
    ("layer norm", r"layer_norm"),
    ("gelu", r"gelu|erf"),
    ("embedding (gather, gradient)", r"embeddings|scatter|gather"),
    ("matmul (dense layers)", r"dot|gemm|cublas|matmul|ynn_fusion"),
)


def _op_names(hlo_text: str) -> dict[str, str]:
    """HLO instruction name -> its op_name metadata, from compiled HLO text."""
    found = {}
    for m in re.finditer(r"^\s*%?([\w.\-]+) = [^\n]*?op_name=\"([^\"]*)\"", hlo_text, re.M):
        found.setdefault(m.group(1), m.group(2))
    return found


def categorize(op: str, op_name: str) -> str:
    text = f"{op} {op_name}".lower()
    for category, pattern in CATEGORIES:
        if re.search(pattern, text):
            return category
    if op_name and "jvp(" not in op_name and "transpose(" not in op_name:
        return "optimizer update and clipping"
    return "other (elementwise, softmax, casts, copies)"


def summarize_trace(trace_file: Path, hlo_text: str, steps: int) -> dict:
    """Device time per HLO op over a trace (device lanes only; on CPU the XLA thread lanes)."""
    with gzip.open(trace_file, "rt") as f:
        events = json.load(f)["traceEvents"]
    lanes = {e["pid"]: e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "process_name"}
    device = {pid for pid, name in lanes.items() if "/device:" in name}
    op_names = _op_names(hlo_text)
    ops = sorted((e for e in events if e.get("ph") == "X" and "hlo_op" in (e.get("args") or {})
                  and (not device or e["pid"] in device)),
                 key=lambda e: (e["pid"], e["tid"], e["ts"], -e.get("dur", 0.0)))
    per_op: dict[str, float] = collections.Counter()
    lane, open_ops = None, []  # the ops still running on this lane: (end, op)
    for e in ops:  # self time: an op inside another on its lane (the scanned layers' while loop
        # on CPU holds their ops) counts for itself and is taken off the op around it
        if (e["pid"], e["tid"]) != lane:
            lane, open_ops = (e["pid"], e["tid"]), []
        start, dur = e["ts"], e.get("dur", 0.0)
        while open_ops and start >= open_ops[-1][0]:
            open_ops.pop()
        if open_ops:
            per_op[open_ops[-1][1]] -= min(dur, open_ops[-1][0] - start) / 1000.0
        per_op[e["args"]["hlo_op"]] += dur / 1000.0  # microseconds -> ms
        open_ops.append((start + dur, e["args"]["hlo_op"]))
    total = sum(per_op.values())
    rows = [{"op": op, "ms_per_step": ms / steps, "share": ms / total if total else 0.0,
             "category": categorize(op, op_names.get(op, "")),
             "op_name": op_names.get(op, "")[-160:]}
            for op, ms in per_op.most_common()]
    by_category = collections.Counter()
    for row in rows:
        by_category[row["category"]] += row["ms_per_step"]
    return {"step_ms": total / steps, "steps": steps, "trace": str(trace_file),
            "by_category": {k: {"ms_per_step": v, "share": v * steps / total if total else 0.0}
                            for k, v in by_category.most_common()},
            "top_ops": rows[:40]}


def profile_table(summary: dict) -> str:
    lines = [f"device time per step: {summary['step_ms']:.2f} ms (sum of op durations over "
             f"{summary['steps']} traced steps)", "",
             f"{'category':<45} {'ms/step':>9} {'share':>7}"]
    for name, row in summary["by_category"].items():
        lines.append(f"{name:<45} {row['ms_per_step']:>9.3f} {row['share']:>7.1%}")
    lines += ["", f"{'top ops':<40} {'ms/step':>9} {'share':>7}  category / op_name"]
    for row in summary["top_ops"][:25]:
        lines.append(f"{row['op'][:40]:<40} {row['ms_per_step']:>9.3f} {row['share']:>7.1%}  "
                     f"{row['category']} / {row['op_name'][-80:]}")
    return "\n".join(lines) + "\n"


def bench_torch(b: BenchConfig, compiled: bool = False, threads: int | None = None) -> dict:
    """The same training step in transformers' PyTorch XLM-R: AdamW (no decay on biases and
    LayerNorm; fused on GPU), clipping at 1.0; on GPU bf16 autocast and SDPA attention.
    `compiled` wraps the model in `torch.compile` (the first step's compile is reported).

    On CPU, PyTorch gets its better thread count (`threads` fixes it): on small machines OpenMP
    with all cores can be several times slower than one thread (measured on the 2-core CI
    machine).
    """
    import torch

    if torch.cuda.is_available():
        return _bench_torch(b, compiled)
    runs = {}
    default = torch.get_num_threads()
    for count in [threads] if threads else sorted({1, default}):
        torch.set_num_threads(count)
        runs[count] = _bench_torch(b, compiled)
    torch.set_num_threads(default)
    best = min(runs.values(), key=lambda r: r["step_time_s"])
    best["step_time_s_by_threads"] = {str(k): v["step_time_s"] for k, v in runs.items()}
    return best


def _bench_torch(b: BenchConfig, compiled: bool = False) -> dict:
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
                             {"params": no_decay, "weight_decay": 0.0}], lr=1e-5, eps=1e-8,
                            fused=gpu)
    forward = torch.compile(model) if compiled else model
    data = _random_batch(cfg, b.batch, b.seq, b.num_labels)
    batch = {"input_ids": torch.tensor(data["input_ids"], dtype=torch.long, device=dev),
             "attention_mask": torch.tensor(data["attention_mask"], device=dev),
             "labels": torch.tensor(data["label"], dtype=torch.long, device=dev)}
    autocast = torch.autocast("cuda", dtype=torch.bfloat16,
                              enabled=gpu and b.dtype == "bfloat16")

    def step():
        with autocast:
            loss = forward(**batch).loss
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
    out["torch_compile"] = compiled
    return out


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


REFERENCES = {"pytorch": False, "pytorch-compile": True}  # name -> torch.compile


def run(b: BenchConfig, reference: str | list[str] | None = None, evaluator: bool = False,
        pipeline: bool = False, profile_dir: str | Path | None = None,
        save_folder: str | Path | None = None, aot: bool = False,
        layouts: bool = False) -> dict:
    """Our step, then each PyTorch reference (`pytorch`, `pytorch-compile`) in the same run;
    with `aot`, only the ahead-of-time compile of both layer layouts (`compare_layouts_aot`);
    with `layouts`, only their paired step times (`compare_layouts_steps`).

    With `save_folder` the record is written after each part, so a run cut short by a time
    limit keeps what it measured.
    """
    cfg = b.model_config()
    result = {"config": dataclasses.asdict(b), "model": {
        "layers": cfg.num_hidden_layers, "hidden": cfg.hidden_size,
        "heads": cfg.num_attention_heads, "ffn": cfg.intermediate_size, "vocab": cfg.vocab_size,
        "non_embedding_params": non_embedding_params(cfg)},
        "environment": describe_environment(),
        "mode": "aot" if aot else "layouts" if layouts else "steps"}
    path = record_path(result, save_folder) if save_folder is not None else None

    def part(key: str, value) -> None:
        result[key] = value
        if path is not None:
            result["saved_to"] = str(path)
            path.write_text(json.dumps(result, indent=2))

    if aot:
        part("aot", compare_layouts_aot(b))
        return result
    if layouts:
        part("layouts", compare_layouts_steps(b))
        return result
    part("jax", bench_jax(b, profile_dir))
    if evaluator:
        part("evaluator", bench_evaluator(b))
    if pipeline:
        part("pipeline", bench_pipeline(b))
    references = [reference] if isinstance(reference, str) else list(reference or [])
    threads = None
    for name in references:
        if name not in REFERENCES:
            raise ValueError(f"reference {name!r}; expected one of {sorted(REFERENCES)}")
        key = name.replace("-", "_")
        torch_result = bench_torch(b, compiled=REFERENCES[name], threads=threads)
        threads = threads or torch_result["threads"]  # compiled runs reuse eager's best count
        result[f"speedup_vs_{key}"] = result["jax"]["tokens_per_s"] / torch_result["tokens_per_s"]
        part(key, torch_result)
    return result


def record_path(result: dict, folder: str | Path = "benchmarks/results") -> Path:
    """benchmarks/results/<UTC stamp>-<backend>-<preset>-<dtype>[-no-attention-dropout]
    [-unrolled|-aot|-layouts].json"""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    env, config = result["environment"], result["config"]
    stamp = env["date"].replace(":", "").replace("-", "")[:15]
    name = f"{stamp}-{env['backend']}-{config['preset']}-{config['dtype']}"
    if not config["attention_dropout"]:
        name += "-no-attention-dropout"
    if result.get("mode") in ("aot", "layouts"):
        name += "-" + result["mode"]
    elif not config["scan_layers"]:
        name += "-unrolled"
    return folder / f"{name}.json"
