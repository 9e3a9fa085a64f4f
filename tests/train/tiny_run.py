"""A tiny STILTs training run used by the training tests, in-process or as a subprocess.

python -m tests.train.tiny_run WORKDIR OUT.npz [--steps N] [--mesh D,F,T] [--sleep S] [--distributed
ADDR,NPROC,PID] [--hang-at-best STEP]

OUT.npz holds the final parameters and (one process) `handoff/...`: the encoder the next phase
would read (`restore_encoder`, the best checkpoint). `--hang-at-best STEP` stops the best save of
STEP just before Orbax commits it (files written, not yet renamed) and prints
`committing best STEP`, so that a test can SIGKILL the run there.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from jaxstilts.data.arrays import ArraySource as BaseArraySource

VOCAB = 4002


class ArraySource(BaseArraySource):
    """The package's array source, optionally slowed down so a test can kill a run mid-way."""

    def __init__(self, *args, sleep: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.sleep = sleep

    def __next__(self) -> dict[str, np.ndarray]:
        if self.sleep:
            time.sleep(self.sleep)
        return super().__next__()


def synthetic(kind: str, n: int, length: int = 12, seed: int = 0) -> dict[str, np.ndarray]:
    """Learnable toy data: the label is whether token 5 appears (classification)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(6, VOCAB - 1, (n, length)).astype(np.int32)
    ids[:, 0], ids[:, -1] = 0, 2
    lengths = rng.integers(length // 2, length + 1, n)
    mask = (np.arange(length)[None] < lengths[:, None]).astype(np.int32)
    ids = np.where(mask == 1, ids, 1).astype(np.int32)
    label = rng.integers(0, 2, n).astype(np.int32)
    ids[label == 1, 1] = 5
    if kind == "classification":
        return {"input_ids": ids, "attention_mask": mask, "label": label}
    if kind == "tagging":
        labels = np.where(mask == 1, ids % 3, -100).astype(np.int32)
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}
    raise ValueError(kind)


def build(args):
    from flax import nnx

    from jaxstilts.data.multitask import TaskSampler, task_probabilities
    from jaxstilts.model import XLMRConfig
    from jaxstilts.model.modeling import MultiTaskModel
    from jaxstilts.train.loop import LoopConfig, TaskFeed

    cfg = XLMRConfig.preset("tiny", num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                            intermediate_size=64)
    heads = {"nli": ("classification", 2), "pos": ("tagging", 3)}
    model = MultiTaskModel(cfg, heads, rngs=nnx.Rngs(0))
    shard = (args.process_id, args.num_processes)
    feeds = {t: TaskFeed(kind, ArraySource(synthetic(kind, 64, seed=i), 8, seed=i, shard=shard,
                                           sleep=args.sleep),
                         [synthetic(kind, 16, seed=10 + i)])
             for i, (t, (kind, _)) in enumerate(heads.items())}
    sampler = TaskSampler(task_probabilities({"nli": 64, "pos": 64}), seed=0)
    loop = LoopConfig(total_steps=args.steps, log_every=1, checkpoint_every=2, validate_every=4,
                      patience=0, async_checkpoints=True)
    return model, feeds, sampler, loop


def hang_before_commit(folder: str, step: int) -> None:
    """Make Orbax's commit (the rename of `<step>.orbax-checkpoint-tmp` to `<step>`) of `step`
    under a `folder` directory wait forever, after saying so."""
    from orbax.checkpoint._src.path import async_path

    rename = async_path.rename

    async def held(src, dst):
        if dst.parent.name == folder and dst.name == str(step):
            print(f"committing {folder} {step}", flush=True)
            time.sleep(3600)
        return await rename(src, dst)

    async_path.rename = held


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("workdir")
    p.add_argument("out")
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--mesh", default="1,1,1")
    p.add_argument("--sleep", type=float, default=0.0)
    p.add_argument("--devices", type=int, default=1)
    p.add_argument("--distributed", default="")
    p.add_argument("--hang-at-best", type=int, default=None)
    args = p.parse_args(argv)
    args.process_id, args.num_processes = 0, 1

    import jax

    jax.config.update("jax_num_cpu_devices", args.devices)
    if args.distributed:
        address, nproc, pid = args.distributed.split(",")
        args.process_id, args.num_processes = int(pid), int(nproc)
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(address, int(nproc), int(pid))

    from jaxstilts.model.partitioning import make_mesh
    from jaxstilts.train.loop import train
    from jaxstilts.train.optim import OptimConfig
    from jaxstilts.train.preemption import EXIT_CODE, Preempted

    if args.hang_at_best is not None:
        hang_before_commit("best", args.hang_at_best)
    model, feeds, sampler, loop = build(args)
    mesh = make_mesh(*[int(x) for x in args.mesh.split(",")])
    try:
        result = train(model, feeds, sampler, OptimConfig(lr=1e-3), loop, args.workdir, mesh,
                       on_log=lambda step, m: print(f"step {step} loss {m['train/loss']:.6f}",
                                                    flush=True))
    except Preempted as e:
        print(e, flush=True)
        return EXIT_CODE
    from jax.experimental import multihost_utils

    params = multihost_utils.process_allgather(result.params, tiled=True)
    if args.num_processes == 1:
        from jaxstilts.train.checkpoint import restore_encoder

        params["handoff"] = restore_encoder(args.workdir, result.params["encoder"])
    if args.process_id == 0:
        flat = jax.tree_util.tree_flatten_with_path(params)[0]
        np.savez(args.out, **{jax.tree_util.keystr(k): np.asarray(v) for k, v in flat})
    print(f"done resumed_from={result.resumed_from} final_step={result.final_step}", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    sys.exit(main())
