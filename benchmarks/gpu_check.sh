#!/usr/bin/env bash
# One prepared GPU check (issue 11), about 8 minutes on one H100/H200:
#   attention   cuDNN vs XLA attention, cuDNN's dropout (benchmarks/gpu_attention_check.py)
#   tiny        a bfloat16 `jaxstilts run` of the tiny config: training, evaluation, character
#               noise, then `jaxstilts report`
#   tests       python -m pytest tests/model (float32 parity with PyTorch needs HIGHEST matmuls)
#   large       `jaxstilts bench` XLM-R Large, batch 32 x 256, bf16, paper setting (attention
#               dropout), against PyTorch eager and torch.compile, with a jax.profiler summary;
#               scanned layers (the default, model.scan_layers)
#   large_nodrop  the same without attention dropout
#   evaluator   the vectorized evaluator against the per-language loop
#   large_unrolled  `large` with unrolled layers, no references: its compile and step time
#               against the scanned layers' (issue 23); last, so a short budget drops it first
# Steps run in this order; one that would start past the time budget is skipped and says so.
#
#   benchmarks/gpu_check.sh [OUTDIR]     (OUTDIR defaults to $OUT, else benchmarks/results/gpu_check-<stamp>)
#
# Environment: GPU_CHECK_SMALL=1 swaps in small sizes (tiny/cpu-target models, few steps) to test
# this script on a CPU; GPU_CHECK_STEPS="tiny large" runs a subset; GPU_CHECK_BUDGET_S (default
# 450) bounds the whole run; PYTHON (default python3).
# Packages the GPU machine lacks come from .whl/ (scripts/fetch_gpu_wheels.sh, run beforehand
# where there is network; carry .whl). The project runs from this checkout through PYTHONPATH:
# nothing of it is installed and no dependency is resolved.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
OUTDIR=${1:-${OUT:-benchmarks/results/gpu_check-$(date -u +%Y%m%dT%H%M%S)}}
mkdir -p "$OUTDIR/tiny"
OUTDIR=$(cd "$OUTDIR" && pwd)
exec > >(tee -a "$OUTDIR/gpu_check.log") 2>&1
PY=${PYTHON:-python3}
BUDGET=${GPU_CHECK_BUDGET_S:-450}
STEPS=${GPU_CHECK_STEPS:-attention tiny tests large large_nodrop evaluator large_unrolled}
START=$(date +%s)
WORK=$(mktemp -d /tmp/gpu_check.XXXXXX)
SUMMARY="$OUTDIR/gpu_check.json"
echo "{}" > "$SUMMARY"

NEEDED="import grain, array_record, portpicker, ml_collections, datasets, dill, multiprocess"
NEEDED="$NEEDED, tensorboardX, seqeval"
if "$PY" -c "$NEEDED" 2>/dev/null; then
  echo "packages already installed: .whl/ not used"
  export PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH}
elif compgen -G ".whl/*.whl" >/dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || { echo "wheel install failed"; exit 1; }
  export PYTHONPATH=/tmp/site:$REPO${PYTHONPATH:+:$PYTHONPATH}
else
  export PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1
# JAX and PyTorch share the GPU inside one bench process: JAX takes 60%, not its default 75%.
export XLA_PYTHON_CLIENT_MEM_FRACTION=${XLA_PYTHON_CLIENT_MEM_FRACTION:-0.6}
JS=("$PY" -m jaxstilts.cli)

CAP_SCALE=1
if [ "${GPU_CHECK_SMALL:-0}" = 1 ]; then
  CAP_SCALE=5  # a shared CPU compiles slowly: the caps below are sized for the GPU
  LARGE=(--preset tiny --batch 4 --seq 32 --steps 2 --warmup 1)
  EVAL=(--preset tiny --batch 16 --seq 32 --steps 1 --warmup 0)
else
  LARGE=(--preset large --batch 32 --seq 256 --steps 10 --warmup 3)
  EVAL=(--preset tiny --batch 32 --seq 128 --steps 2 --warmup 1)
fi

record() {  # record NAME STATUS SECONDS
  "$PY" - "$SUMMARY" "$1" "$2" "$3" <<'EOF'
import json, sys
path, name, status, seconds = sys.argv[1:]
summary = json.load(open(path))
summary[name] = {"status": status, "seconds": int(seconds)}
json.dump(summary, open(path, "w"), indent=2)
EOF
}

step() {  # step NAME CAP_SECONDS COMMAND...: run under min(cap, time left), record the outcome
  local name=$1 cap=$2; shift 2
  case " $STEPS " in *" $name "*) ;; *) return 0 ;; esac
  local left=$((BUDGET - ($(date +%s) - START)))
  if [ "$left" -lt 30 ]; then
    echo "=== $name: skipped (${left}s of the budget left)"; record "$name" skipped 0; return 0
  fi
  cap=$((cap * CAP_SCALE))
  local limit=$((cap < left ? cap : left)) t0; t0=$(date +%s)
  echo "=== $name (limit ${limit}s) $(date -u +%H:%M:%S)"
  timeout --signal=INT --kill-after=15 "$limit" "$@"
  local rc=$? status=ok
  [ $rc -ne 0 ] && status="failed (exit $rc)"
  [ $rc -eq 124 ] && status="timed out after ${limit}s"
  record "$name" "$status" $(($(date +%s) - t0))
  echo "=== $name: $status"
}

echo "=== environment"
nvidia-smi 2>/dev/null || echo "no nvidia-smi"
"$PY" - <<'EOF' | tee "$OUTDIR/environment.json"
import importlib.metadata as md, json, platform
import jax
names = ["jax", "jaxlib", "jax-cuda13-plugin", "jax-cuda12-plugin", "flax", "optax",
         "orbax-checkpoint", "torch", "transformers", "datasets", "grain", "pyarrow", "numpy"]
versions = {}
for n in names:
    try:
        versions[n] = md.version(n)
    except md.PackageNotFoundError:
        versions[n] = None
print(json.dumps({"python": platform.python_version(), "backend": jax.default_backend(),
                  "devices": [d.device_kind for d in jax.devices()], "versions": versions},
                 indent=2))
EOF

step attention 120 "$PY" benchmarks/gpu_attention_check.py "$OUTDIR/attention_check.json"

tiny_run() {  # a bf16 run of the tiny config (with noise), as one run of a sweep, then its report
  set -e
  local config=configs/tiny.py run=$WORK/sweep/runs/demo_nli__demo_xnli
  [ -f "$config" ] || config=tiny  # a config name once configs/ lives in the package
  "$PY" -m jaxstilts.cli run "$config" --workdir "$run" --quiet \
    --config.model.dtype=bfloat16 --config.evaluate.noise_rates=0.1,
  "$PY" -m jaxstilts.cli report "$WORK/sweep" --out "$OUTDIR/tiny/report"
  cp "$run/eval/results.json" "$OUTDIR/tiny/results.json"
  find "$run" -name noise.json -exec cp {} "$OUTDIR/tiny/" \;
}
export -f tiny_run
export PY WORK OUTDIR
step tiny 150 bash -c tiny_run

step tests 180 "$PY" -m pytest -q -p no:cacheprovider tests/model \
  --junitxml="$OUTDIR/tests_model.xml"

step large 240 "${JS[@]}" bench "${LARGE[@]}" --config.model.dtype=bfloat16 --reference pytorch \
  --reference pytorch-compile --profile "$OUTDIR/profile" --save "$OUTDIR"

step large_nodrop 200 "${JS[@]}" bench "${LARGE[@]}" --config.model.dtype=bfloat16 --config.model.attention_dropout=0.0 \
  --reference pytorch --reference pytorch-compile --save "$OUTDIR"

step evaluator 120 "${JS[@]}" bench "${EVAL[@]}" --config.model.dtype=bfloat16 --evaluator \
  --save "$OUTDIR/evaluator"

# Last: the layout comparison is the one figure a short budget may give up. Its record goes to
# the log and the archive (a third Large record at the top would pass the 8-file limit).
step large_unrolled 150 "${JS[@]}" bench "${LARGE[@]}" --config.model.dtype=bfloat16 --config.model.scan_layers=False \
  --save "$OUTDIR/unrolled"

# The device tool returns at most 8 files: the log, the step summary, the attention check, the
# Large bench records, the profile summary and one archive of everything (the profile's raw
# trace is left out: large and deeply nested).
rm -rf "$OUTDIR/profile/trace" "$WORK"
echo "=== done in $(($(date +%s) - START))s"
cat "$SUMMARY"
ARCHIVE=$(mktemp /tmp/gpu_check_all.XXXXXX)
tar czf "$ARCHIVE" -C "$OUTDIR" --exclude=gpu_check.log . \
  && mv "$ARCHIVE" "$OUTDIR/gpu_check_all.tar.gz" \
  && find "$OUTDIR" -mindepth 1 -maxdepth 1 ! -name 'gpu_check*' ! -name '*-large-*.json' \
       ! -name attention_check.json ! -name profile -exec rm -rf {} +
