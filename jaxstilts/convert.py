"""Hugging Face folder <-> Orbax phase checkpoint, and a look inside a workdir's checkpoints.

An Orbax "phase folder" is what a training phase leaves: `checkpoints/<step>/` (and `best/`)
holding `state` = {step, params, opt_state}, plus `model_config.json` and `done.json`.
Converting an HF folder writes such a folder with the encoder only, usable as the
`init_encoder_from` of a phase; converting a phase folder writes an HF folder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jax
import numpy as np
import orbax.checkpoint as ocp
from etils import epath
from flax import nnx

from jaxstilts.model import XLMRConfig, XLMRModel, load_pretrained, save_pretrained
from jaxstilts.paths import abs_path
from jaxstilts.train.checkpoint import read_only_manager, restore_encoder


def _is_hf(folder: epath.Path) -> bool:
    weights = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
    return (folder / "config.json").exists() and any((folder / w).exists() for w in weights)


def _is_phase(folder: epath.Path) -> bool:
    return (folder / "checkpoints").exists() or (folder / "best").exists()


def _refuse_non_empty(dst: epath.Path) -> None:
    """A conversion writes a new folder: refuse one that holds anything (checkpoints, a model,
    other files), naming what is there, rather than mixing old and new or writing nothing."""
    if not dst.exists():
        return
    if not dst.is_dir():
        raise FileExistsError(f"{dst} is a file; convert into a new or empty folder")
    found = []
    for entry in sorted(dst.iterdir(), key=lambda p: p.name):
        if entry.name in ("checkpoints", "best") and entry.is_dir():
            found.append(f"{entry.name}/ (steps {', '.join(map(str, _steps(entry))) or 'none'})")
        else:
            found.append(entry.name + ("/" if entry.is_dir() else ""))
    if found:
        shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
        raise FileExistsError(f"{dst} is not empty (it holds {shown}); convert into a new or "
                              "empty folder")


def _check_written(dst: epath.Path, what: str, needed: list[str]) -> None:
    missing = [n for n in needed if not (dst / n).exists()]
    if missing:
        raise RuntimeError(f"{dst}: the {what} conversion did not write {missing}")


def _run_config(phase: epath.Path) -> dict | None:
    """The config.json of the run a phase folder belongs to (RUN/target, or a sweep's
    SWEEP/intermediate/TASKS, whose runs record it under SWEEP/runs/*/)."""
    for folder in (phase.parent, phase.parent.parent):
        candidates = [folder / "config.json"]
        if (folder / "runs").is_dir():
            candidates += sorted(r / "config.json" for r in (folder / "runs").iterdir())
        for file in candidates:
            if file.exists():
                config = json.loads(file.read_text())
                if isinstance(config, dict) and "model" in config:
                    return config
    return None


def _tokenizer_source(phase: epath.Path, tokenizer: str | None) -> str:
    """The tokenizer the phase was trained with: given, or as its run's config.json says."""
    from jaxstilts.model.tokenizer import tiny_tokenizer_dir

    if tokenizer:
        return tokenizer
    config = _run_config(phase)
    if config is None:
        raise FileNotFoundError(f"{phase}: no run config.json above it says which tokenizer it "
                                "was trained with: pass --tokenizer FOLDER_OR_HUB_ID")
    model = config["model"]
    return model.get("tokenizer") or model.get("pretrained") or tiny_tokenizer_dir()


def _label_names(phase: epath.Path, head: str) -> dict[int, str] | None:
    """id -> label of the phase's head, from its task (None when the task does not fix them)."""
    from jaxstilts.tasks import get_task

    done = phase / "done.json"
    tasks = json.loads(done.read_text()).get("tasks", []) if done.exists() else []
    if len(tasks) != 1 or head not in ("classification", "tagging"):
        return None
    try:
        task = get_task(tasks[0])
        labels = get_task(task.train_task or task.name).labels
    except KeyError:
        return None
    return dict(enumerate(labels)) if labels else None


def convert(source: str | Path, dest: str | Path, head: str | None = None,
            tokenizer: str | None = None) -> str:
    """HF folder -> phase folder (encoder only), or phase folder -> HF folder with the
    tokenizer (`tokenizer`, else the one the run's config.json names), into a new or empty
    `dest` (anything there is refused, named)."""
    src, dst = abs_path(source), abs_path(dest)
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file or folder")
    if src == dst:
        raise FileExistsError(f"{dst}: source and destination are the same folder")
    if _is_hf(src) or _is_phase(src):
        _refuse_non_empty(dst)
    if _is_hf(src):
        model = load_pretrained(src)
        params = nnx.to_pure_dict(nnx.state(model.encoder, nnx.Param))
        dst.mkdir(parents=True, exist_ok=True)
        (dst / "model_config.json").write_text(json.dumps(model.config.to_hf_dict(), indent=2))
        mngr = ocp.CheckpointManager(dst / "checkpoints")
        state = {"step": np.zeros((), np.int32), "params": {"encoder": params}}
        mngr.save(0, args=ocp.args.Composite(state=ocp.args.StandardSave(state)))
        mngr.wait_until_finished()
        mngr.close()
        _check_written(dst, "Hugging Face -> Orbax", ["model_config.json", "checkpoints/0"])
        return (f"{src} (Hugging Face) -> {dst} (an Orbax phase folder: the encoder as step 0, "
                "for Python's restore_encoder and `jaxstilts inspect`; model.pretrained takes "
                "the Hugging Face folder itself)")
    if _is_phase(src):
        config_file = src / "model_config.json"
        if not config_file.exists():
            raise FileNotFoundError(f"{config_file}: needed to rebuild the model")
        config = XLMRConfig.from_hf_dict(json.loads(config_file.read_text()), str(config_file))
        num_labels = None
        if head in ("classification", "tagging"):
            heads = json.loads((src / "done.json").read_text()).get("heads", {})
            sizes = [n for kind, n in heads.values() if kind == head]
            if len(sizes) != 1:
                raise ValueError(f"{src}: expected one {head} head in done.json, found {heads}")
            num_labels = sizes[0]
        from jaxstilts.model import load_tokenizer

        tok = load_tokenizer(_tokenizer_source(src, tokenizer))  # before anything is written
        model = XLMRModel(config, head, num_labels=num_labels, rngs=nnx.Rngs(0))
        graphdef, params = nnx.split(model, nnx.Param)
        params = nnx.to_pure_dict(params)
        params["encoder"] = restore_encoder(src, params["encoder"])
        if head:
            params["head"] = _restore_single_head(src, params["head"])
        save_pretrained(nnx.merge(graphdef, params), dst, _label_names(src, head) if head
                        else None)
        tok.save_pretrained(str(dst))
        _check_written(dst, "Orbax -> Hugging Face", ["config.json", "model.safetensors",
                                                      "tokenizer_config.json"])
        return f"{src} (Orbax) -> {dst} (Hugging Face, head {head}, tokenizer included)"
    raise FileNotFoundError(f"{src}: neither a Hugging Face folder (config.json + weights) nor a "
                            "phase folder (checkpoints/ or best/)")


def _restore_single_head(phase: epath.Path, target: dict) -> dict:
    """The one head of a single-task phase, whatever its task name."""
    step, saved = _latest(phase)
    heads = saved["params"].get("heads", {})
    if len(heads) != 1:
        raise ValueError(f"{phase}: expected one head, found {sorted(heads)}")
    (values,) = heads.values()
    return jax.tree.map(lambda t, v: np.asarray(v, t.dtype).reshape(t.shape), target, values)


def _latest(phase: epath.Path) -> tuple[int, dict]:
    """The newest checkpoint of a phase (best first), restored as host numpy arrays."""
    for which in ("best", "checkpoints"):
        root = phase / which
        if root.exists():
            steps = _steps(root)
            if steps:
                return steps[-1], _restore_numpy(root, steps[-1])
    raise FileNotFoundError(f"{phase}: no checkpoint")


def _steps(root: epath.Path) -> list[int]:
    return sorted(int(p.name) for p in root.iterdir() if p.name.isdigit())


def _restore_numpy(root: epath.Path, step: int) -> dict:
    """One checkpoint as host arrays, whatever mesh or hosts saved it (via one local device)."""
    mngr = read_only_manager(root)
    one = jax.sharding.SingleDeviceSharding(jax.local_devices()[0])
    out = mngr.restore(step, args=ocp.args.Composite(
        state=ocp.args.StandardRestore(fallback_sharding=one)))
    mngr.close()
    return jax.tree.map(np.asarray, out.state)


def params_digest(params) -> str:
    """sha256 over every parameter's path, dtype, shape and bytes (order-independent of I/O)."""
    h = hashlib.sha256()
    for path, leaf in sorted(jax.tree_util.tree_flatten_with_path(params)[0],
                             key=lambda kv: jax.tree_util.keystr(kv[0])):
        arr = np.ascontiguousarray(np.asarray(leaf))
        h.update(f"{jax.tree_util.keystr(path)}|{arr.dtype}|{arr.shape}".encode())
        h.update(arr.tobytes())
    return h.hexdigest()[:16]


def _phase_folders(root: epath.Path, depth: int = 4) -> list[epath.Path]:
    """Folders holding checkpoints/ or best/, at most `depth` levels down (no recursive glob,
    which cloud storage does not offer)."""
    found, level = [], [root]
    for _ in range(depth + 1):
        found += [f for f in level if _is_phase(f)]
        level = [c for f in level if not _is_phase(f) for c in f.iterdir() if c.is_dir()]
    return sorted(found)


def inspect_workdir(workdir: str | Path) -> dict:
    """Every phase folder under `workdir`: its steps, metrics and parameter digests."""
    root = abs_path(workdir)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such workdir")
    phases = {}
    for folder in _phase_folders(root):
        done = folder / "done.json"
        entry = {"done": done.exists()}
        if done.exists():
            record = json.loads(done.read_text())
            entry.update({k: record.get(k) for k in ("phase", "stage", "tasks", "steps",
                                                     "best_score", "best_step", "stopped_early")})
        for which in ("checkpoints", "best"):
            if not (folder / which).exists():
                continue
            entry[which] = {}
            for step in _steps(folder / which):
                info = {}
                meta_file = folder / which / str(step) / "meta" / "metadata"
                if meta_file.exists():
                    meta = json.loads(meta_file.read_text())
                    info["best_score"] = meta.get("best_score")
                    info["last_validation"] = (meta.get("history") or [None])[-1]
                try:
                    info["params_digest"] = params_digest(
                        _restore_numpy(folder / which, step)["params"])
                except Exception as e:  # a broken checkpoint is reported, not fatal
                    info["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
                entry[which][str(step)] = info
        phases[str(folder.relative_to(root)) if folder != root else "."] = entry
    return {"workdir": str(root), "phases": phases}
