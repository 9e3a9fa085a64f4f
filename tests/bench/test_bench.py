"""`jaxstilts bench` internals: the profile summary by op and category."""

import gzip
import json

import pytest

from jaxstilts.bench import BenchConfig, bench_aot, bench_jax, categorize, summarize_trace

HLO = '''
  %fusion.1 = f32[8]{0} fusion(%p), metadata={op_name="jit(s)/jvp(dropout)/jit(_bernoulli)/add"}
  %gemm.2 = f32[8,8]{1,0} custom-call(%a, %b), metadata={op_name="jit(s)/jvp()/dot_general"}
  %fusion.3 = f32[8]{0} fusion(%q), metadata={op_name="jit(s)/sqrt"}
'''


def event(pid, tid, ts, dur, op):
    return {"ph": "X", "pid": pid, "tid": tid, "ts": ts, "dur": dur, "name": op,
            "args": {"hlo_op": op}}


def test_device_time_is_summed_per_op_without_double_counting_nested_ops(tmp_path):
    events = [
        {"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "/device:GPU:0"}},
        {"ph": "M", "name": "process_name", "pid": 2, "args": {"name": "/host:CPU"}},
        event(1, 7, 0, 1000, "fusion.1"), event(1, 7, 1000, 3000, "gemm.2"),
        event(1, 7, 1500, 500, "fusion.1"),  # inside gemm.2 on the same lane: its own time
        event(1, 8, 0, 2000, "fusion.3"),
        event(2, 9, 0, 9000, "fusion.1"),  # host lane: ignored when device lanes exist
    ]
    path = tmp_path / "t.trace.json.gz"
    with gzip.open(path, "wt") as f:
        json.dump({"traceEvents": events}, f)
    summary = summarize_trace(path, HLO, steps=2)
    assert summary["step_ms"] == pytest.approx(3.0)  # (1 + 3 + 2) ms over 2 steps
    by = {k: v["ms_per_step"] for k, v in summary["by_category"].items()}
    assert by == pytest.approx({"matmul (dense layers)": 1.25,  # gemm.2's 3 ms less 0.5
                                "optimizer update and clipping": 1.0, "dropout bits": 0.75})
    assert summary["top_ops"][0]["op"] == "gemm.2"


def test_categories_follow_named_scopes_then_transforms():
    assert categorize("fusion", "jit(f)/jvp(attention)/dropout/jit(_bernoulli)") == "dropout bits"
    assert categorize("custom-call.3", "jit(f)/jvp(attention)/x") == "attention"
    assert categorize("fusion.9", "jit(f)/transpose(jvp(layer_norm))/mul") == "layer norm"
    assert categorize("scatter.1", "jit(f)/transpose(jvp(embeddings))/x") == (
        "embedding (gather, gradient)")
    assert categorize("fusion.2", "jit(f)/mul").startswith("optimizer")
    assert categorize("fusion.2", "jit(f)/jvp()/mul").startswith("other")


def test_a_traced_tiny_run_is_summarized_with_the_model_scopes(tmp_path):
    b = BenchConfig(preset="tiny", batch=2, seq=16, steps=1, warmup=0)
    result = bench_jax(b, profile_dir=tmp_path)
    summary = json.loads((tmp_path / "profile.json").read_text())
    assert {"dropout bits", "layer norm", "matmul (dense layers)"} <= set(summary["by_category"])
    shares = sum(v["share"] for v in summary["by_category"].values())
    assert shares == pytest.approx(1.0)
    assert "device time per step" in (tmp_path / "profile.txt").read_text()
    assert result["profile"]["step_ms"] == pytest.approx(summary["step_ms"])
    assert result["attention_impl"] == "xla"


def test_the_aot_mode_compiles_the_train_step_from_shapes_alone():
    """`bench --aot`: the step lowers and compiles from ShapeDtypeStructs (nnx.eval_shape), so
    no parameter exists and nothing but the compile is timed."""
    import jax

    before = {id(a) for a in jax.live_arrays()}
    out = bench_aot(BenchConfig(preset="tiny", batch=2, seq=16))
    created = [a.shape for a in jax.live_arrays() if id(a) not in before]
    assert (4002, 64) not in created  # the word embedding was never made
    assert out["scan_layers"] is True
    assert out["lower_s"] > 0 and out["compile_s"] > 0
    assert out["total_s"] == out["lower_s"] + out["compile_s"]
