#!/usr/bin/env bash
# Stage what benchmarks/gpu_check.sh needs on a GPU machine that has jax, flax, optax, orbax,
# torch and transformers but not the rest of our dependencies, and no network:
#   .whl/*.whl        wheels of the missing packages (CPython 3.12, manylinux x86-64), no deps
#                     (their own dependencies are on that machine already)
# .whl/ is git-ignored; carry it to the GPU machine. Never add jax, flax, optax or orbax here:
# the machine's own builds match its CUDA.
#
#   scripts/fetch_gpu_wheels.sh            (run from the repository root, with network)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
DEST=.whl
mkdir -p "$DEST"
# Pinned to the versions the CPU suite runs with.
BINARY=(grain==0.2.18 array_record==0.8.6 portpicker==1.6.0 ml_collections==1.1.0
        datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 tensorboardX==2.6.5)
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux1_x86_64 --platform any -d "$DEST" "${BINARY[@]}"
# seqeval publishes only a source distribution: build its (pure Python) wheel here.
"$PY" -m pip wheel -q --no-deps -w "$DEST" seqeval==1.2.2
for pkg in jax jaxlib flax optax orbax; do
  if ls "$DEST"/"$pkg"[-_]*.whl >/dev/null 2>&1; then
    echo "refusing: $DEST holds a $pkg wheel (the GPU machine's own build must be used)" >&2
    exit 1
  fi
done
ls -l "$DEST"
du -sh "$DEST"
