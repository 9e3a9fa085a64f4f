"""Orbax checkpoints: the train state, the data-iterator state and the loop's bookkeeping, together.

Two managers under a workdir: `checkpoints/` keeps the last N steps (saved asynchronously),
`best/` keeps the best validated one. A restore walks back from the newest step and reports any
checkpoint that fails to restore; the encoder-only restore is what the phase handoff uses. A save
cut short (a kill) leaves `<step>.orbax-checkpoint-tmp`: never read, removed by the next writer,
and a best checkpoint lost that way is written again on resume (`Checkpointer.restore_best`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from pathlib import Path
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp
from etils import epath

from jaxstilts.logs import drop_expected_library_notices
from jaxstilts.paths import abs_path
from jaxstilts.train.state import TrainState

log = logging.getLogger(__name__)
drop_expected_library_notices()  # Orbax's notices on the read-only managers we open on purpose


UNFINISHED = ".orbax-checkpoint-tmp"  # Orbax's name for a save that has not been committed


class CheckpointNotWritten(OSError):
    """Orbax could not write a checkpoint (a full disk, a workdir made read-only)."""


@contextlib.contextmanager
def _writing(folder: epath.Path):
    """Orbax's failures to write (raised from its background threads, as ValueError and the
    like, with TensorStore's text) as one `CheckpointNotWritten` line saying what to do."""
    try:
        yield
    except Exception as e:
        text = str(e)
        code = re.search(r"os_error_code='(\d+)'", text)
        reason = (os.strerror(int(code.group(1))) if code else
                  (text.splitlines()[0] if text else type(e).__name__)[:300])
        raise CheckpointNotWritten(
            f"{folder}: a checkpoint could not be written ({reason}); free disk space (or make "
            "the workdir writable) and run the same command again: it resumes from the last "
            "checkpoint written") from e


class NoRestorableCheckpoint(RuntimeError):
    """A workdir has checkpoints, but none fits the model and optimizer being trained (or the
    one a finished phase hands on is missing)."""


def _as_tree(state: TrainState) -> dict:
    return {"step": state.step, "params": state.params, "opt_state": state.opt_state}


class Checkpointer:
    def __init__(self, workdir: str | Path, keep: int = 2, async_save: bool = True):
        self.workdir = abs_path(workdir)
        self.latest = ocp.CheckpointManager(
            self.workdir / "checkpoints",
            options=ocp.CheckpointManagerOptions(max_to_keep=keep, cleanup_tmp_directories=True,
                                                 enable_async_checkpointing=async_save))
        self.best = ocp.CheckpointManager(
            self.workdir / "best",
            options=ocp.CheckpointManagerOptions(max_to_keep=1, cleanup_tmp_directories=True,
                                                 enable_async_checkpointing=False))

    def save(self, state: TrainState, data_state: dict, meta: dict, best: bool = False) -> None:
        """Save at the state's step; with `best`, also replace the best checkpoint."""
        step = int(jax.device_get(state.step))
        args = _save_args(state, data_state, meta)
        with _writing(self.workdir / "checkpoints"):
            self.latest.wait_until_finished()  # a failed asynchronous save stops the run here
            if step not in self.latest.all_steps():
                self.latest.save(step, args=args, force=True)
            if best:
                self.latest.wait_until_finished()
        if best:
            with _writing(self.workdir / "best"):
                self._save_best(step, args)

    def _save_best(self, step: int, args) -> None:
        for old in self.best.all_steps():
            if old != step:
                self.best.delete(old)
        if step not in self.best.all_steps():
            self.best.save(step, args=args, force=True)

    def restore_best(self, state: TrainState, data_state: dict, meta: dict) -> None:
        """After a resume: make the best checkpoint that `meta` names exist. A kill while it was
        being written leaves none (the older best already deleted), and the checkpoint the run
        resumed from is then that very step (the best is saved right after it), so it is
        written again from the restored state; the handoff never falls back to another step."""
        best = meta.get("best_step")
        if best is None or best in self.best.all_steps():
            return
        step = int(jax.device_get(state.step))
        if best != step:
            raise NoRestorableCheckpoint(
                f"{self.workdir}/best: the best checkpoint (step {best}) is missing and the run "
                f"resumed from step {step}, so it cannot be written again; use a new workdir "
                "(or delete this phase's folder) to train the phase again")
        log.warning("%s/best: the best checkpoint (step %d) was not finished; writing it again "
                    "from checkpoints/%d", self.workdir, best, step)
        self._save_best(step, _save_args(state, data_state, meta))

    def restore_latest(self, target: TrainState) -> tuple[TrainState, dict, dict] | None:
        """The newest checkpoint that restores, or None when there is none.

        A step that fails while an older one restores is broken (truncated, half-written): it is
        reported and moved aside to `<step>.corrupt`, so it no longer counts towards `keep`
        (retention cannot delete the last good step in its favour) and the run saves that step
        again. When no step restores, nothing is moved: the model or optimizer no longer match
        (a changed config), and that is an error rather than a silent fresh start.
        """
        failed: list[tuple[int, str]] = []
        for step in sorted(self.latest.all_steps(), reverse=True):
            try:
                out = self.latest.restore(step, args=ocp.args.Composite(
                    state=ocp.args.StandardRestore(_as_tree(target)),
                    data=ocp.args.JsonRestore(), meta=ocp.args.JsonRestore()))
            except Exception as e:  # corrupt, partial, or of another model: try the previous
                failed.append((step, f"{type(e).__name__}: "
                                     f"{str(e).splitlines()[0] if str(e) else ''}"))
                continue
            for bad, why in failed:
                aside = self._move_aside(bad)
                log.warning("checkpoint %s/checkpoints/%d does not restore (%s); moved to %s",
                            self.workdir, bad, why, aside.name)
            s = out.state
            return TrainState(s["step"], s["params"], s["opt_state"]), out.data, out.meta
        if failed:
            step, why = failed[0]
            raise NoRestorableCheckpoint(
                f"{self.workdir}/checkpoints: no checkpoint restores onto this model and optimizer "
                f"(step {step}: {why}); was the config changed? Use a new workdir, or move "
                "checkpoints/ aside to start over")
        return None

    def _move_aside(self, step: int) -> epath.Path:
        """Rename checkpoints/<step> to <step>.corrupt (or .corrupt-N if taken), on every host."""
        from jax.experimental import multihost_utils

        root = self.workdir / "checkpoints"
        aside, n = root / f"{step}.corrupt", 1
        while aside.exists():
            aside, n = root / f"{step}.corrupt-{n}", n + 1
        if jax.process_index() == 0:
            (root / str(step)).rename(aside)
        if jax.process_count() > 1:
            multihost_utils.sync_global_devices(f"jaxstilts: checkpoint {step} moved aside")
        self.latest.reload()
        return aside

    def reached_preemption(self, step: int) -> bool:
        return self.latest.reached_preemption(step)

    def wait(self) -> None:
        with _writing(self.workdir / "checkpoints"):
            self.latest.wait_until_finished()
            self.best.wait_until_finished()

    def close(self) -> None:
        with _writing(self.workdir / "checkpoints"):
            try:
                self.latest.close()
            finally:
                self.best.close()


def _save_args(state: TrainState, data_state: dict, meta: dict) -> ocp.args.Composite:
    return ocp.args.Composite(state=ocp.args.StandardSave(_as_tree(state)),
                              data=ocp.args.JsonSave(data_state), meta=ocp.args.JsonSave(meta))


def read_only_manager(root: str | Path) -> ocp.CheckpointManager:
    return ocp.CheckpointManager(
        abs_path(root), options=ocp.CheckpointManagerOptions(read_only=True, create=False))


def restore_params(phase_dir: str | Path, target: Any, key: str = "encoder") -> Any:
    """Only `params[key]` of a finished phase (the encoder, or the heads), onto `target`'s
    shardings, from the best validated checkpoint or the latest when the phase never validated.

    `target` is a pytree of arrays or ShapeDtypeStructs with the shardings wanted here (any
    mesh); nothing else in the checkpoint (other parameters, optimizer state) is read.
    """
    root, step = handoff_checkpoint(phase_dir)
    mngr = read_only_manager(root)
    abstract = jax.tree.map(
        lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=x.sharding), target)
    restore_args = jax.tree.map(lambda x: ocp.ArrayRestoreArgs(sharding=x.sharding), abstract)
    out = mngr.restore(step, args=ocp.args.Composite(state=ocp.args.PyTreeRestore(
        item={"params": {key: abstract}}, restore_args={"params": {key: restore_args}},
        partial_restore=True)))
    mngr.close()
    log.info("%s taken from %s/%d", key, root, step)
    return out.state["params"][key]


def handoff_checkpoint(phase_dir: str | Path) -> tuple[epath.Path, int]:
    """(folder, step) of the checkpoint a finished phase hands on: its best validated one, or
    its latest when it never validated. A best save that was cut short (only
    `<step>.orbax-checkpoint-tmp` in best/) is an error, never a silent fall-back to the latest
    checkpoint (another step: other results)."""
    for which in ("best", "checkpoints"):
        root = abs_path(phase_dir) / which
        if not root.exists():
            continue
        mngr = read_only_manager(root)
        step = mngr.latest_step()
        mngr.close()
        if step is not None:
            return root, step
        unfinished = sorted(p.name for p in root.iterdir() if UNFINISHED in p.name)
        if unfinished:
            raise NoRestorableCheckpoint(
                f"{root}: the checkpoint this phase hands on was never finished ({unfinished[0]}:"
                " the phase was stopped while saving it); re-run the same command to finish the "
                "phase")
    raise FileNotFoundError(f"{phase_dir}: no checkpoint (best/ or checkpoints/) to take the "
                            "parameters from; did the phase run?")


def saved_encoder_tree(phase_dir: str | Path) -> dict | None:
    """The tree metadata (shapes, dtypes) of the encoder in the checkpoint a phase hands on,
    read without restoring: it says the checkpoint's layer layout."""
    root, step = handoff_checkpoint(phase_dir)
    tree = ocp.PyTreeCheckpointer().metadata(root / str(step) / "state").item_metadata
    return dict(getattr(tree, "tree", tree))["params"].get("encoder")


def restore_encoder(phase_dir: str | Path, target_encoder: Any) -> Any:
    """The phase handoff: the encoder of a finished phase, the rest left behind. An encoder
    saved in the other layer layout (scanned or unrolled) is read in its own and its layers
    stacked or unstacked onto the target's shardings."""
    from jaxstilts.model.xlmr import convert_layer_layout, layer_layout

    saved = saved_encoder_tree(phase_dir)
    wanted = layer_layout(target_encoder)
    if saved is None or layer_layout(saved) == wanted:
        return restore_params(phase_dir, target_encoder, "encoder")
    log.info("%s: encoder saved with %s layers, converted to %s", phase_dir,
             layer_layout(saved), wanted)
    here = jax.sharding.SingleDeviceSharding(jax.local_devices()[0])
    as_saved = jax.tree.map(lambda m: jax.ShapeDtypeStruct(m.shape, m.dtype, sharding=here),
                            saved)
    converted = convert_layer_layout(restore_params(phase_dir, as_saved, "encoder"), wanted)
    return jax.tree.map(
        lambda v, t: jax.make_array_from_callback(t.shape, t.sharding,
                                                  lambda i: np.asarray(v)[i]),
        converted, target_encoder)
