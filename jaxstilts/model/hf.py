"""Hugging Face checkpoints <-> our parameters: a rename table and a transpose, no pickle.

Reads `config.json` with `model.safetensors` (single or sharded), or `pytorch_model.bin` through
torch's `weights_only` loader when torch is installed. Writes folders that
`transformers.XLMRobertaFor….from_pretrained` loads.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from pathlib import Path

import numpy as np
from flax import nnx

from jaxstilts.model.config import XLMRConfig
from jaxstilts.model.modeling import XLMRModel

log = logging.getLogger(__name__)

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
TOKENIZER_FILES = ("sentencepiece.bpe.model", "tokenizer.json", "tokenizer_config.json",
                   "special_tokens_map.json")

# Our encoder path (after `encoder.`) -> HF name (after the `roberta.` prefix).
_EMBEDDINGS = {
    ("embeddings", "word"): "embeddings.word_embeddings.weight",
    ("embeddings", "position"): "embeddings.position_embeddings.weight",
    ("embeddings", "token_type"): "embeddings.token_type_embeddings.weight",
    ("embeddings", "norm", "scale"): "embeddings.LayerNorm.weight",
    ("embeddings", "norm", "bias"): "embeddings.LayerNorm.bias",
}
_LAYER = {
    "query": "attention.self.query",
    "key": "attention.self.key",
    "value": "attention.self.value",
    "attention_out": "attention.output.dense",
    "attention_norm": "attention.output.LayerNorm",
    "mlp_in": "intermediate.dense",
    "mlp_out": "output.dense",
    "mlp_norm": "output.LayerNorm",
}
# Head module path -> HF module name (full name, prefix included), per head kind.
_HEADS = {
    "classification": {"dense": "classifier.dense", "out_proj": "classifier.out_proj"},
    "multiple_choice": {"dense": "roberta.pooler.dense", "out_proj": "classifier"},
    "span": {"qa_outputs": "qa_outputs"},
    "tagging": {"classifier": "classifier"},
    "mlm": {"dense": "lm_head.dense", "norm": "lm_head.layer_norm", "bias": "lm_head.bias"},
    # XTREME-R's XLMRobertaForRetrieval: the encoder's pooler and a bare `logit_scale`
    "dual_encoder": {"dense": "roberta.pooler.dense", "logit_scale": "logit_scale"},
}
HF_ARCHITECTURES = {
    None: "XLMRobertaModel",
    "retrieval": "XLMRobertaModel",
    "dual_encoder": "XLMRobertaModel",  # vectors: its normalized pooler_output
    "classification": "XLMRobertaForSequenceClassification",
    "multiple_choice": "XLMRobertaForMultipleChoice",
    "span": "XLMRobertaForQuestionAnswering",
    "tagging": "XLMRobertaForTokenClassification",
    "mlm": "XLMRobertaForMaskedLM",
}
_LEAF = {"kernel": "weight", "bias": "bias", "scale": "weight"}


@dataclasses.dataclass
class LoadReport:
    """What `load_pretrained` did with each tensor."""

    folder: str
    loaded: list[str] = dataclasses.field(default_factory=list)  # our parameter paths
    initialized: list[str] = dataclasses.field(default_factory=list)  # fresh (not in checkpoint)
    unused: list[str] = dataclasses.field(default_factory=list)  # checkpoint names we ignored


def hf_name(path: tuple, head_kind: str | None) -> str:
    """The Hugging Face tensor name of our parameter at `path`."""
    path = tuple(str(p) for p in path)
    if path[0] == "encoder":
        rest = path[1:]
        if rest in _EMBEDDINGS:
            return "roberta." + _EMBEDDINGS[rest]
        if rest[0] == "layers":
            i, module, leaf = rest[1], rest[2], rest[3]
            return f"roberta.encoder.layer.{i}.{_LAYER[module]}.{_LEAF[leaf]}"
    if path[0] == "head":
        table = _HEADS[head_kind]
        if len(path) == 2:  # a bare parameter on the head (MLM bias)
            return table[path[1]]
        return f"{table[path[1]]}.{_LEAF[path[2]]}"
    raise KeyError(f"no Hugging Face name for parameter {'.'.join(path)}")


def per_layer(path: tuple, shape: tuple[int, ...]) -> list[tuple[tuple, int | None]]:
    """A scanned parameter (`encoder.layers.query.kernel`, leading axis = layer) as the unrolled
    paths Hugging Face names, each with its layer index; any other parameter as itself."""
    path = tuple(path)
    if path[:2] == ("encoder", "layers") and not str(path[2]).isdigit():
        return [((*path[:2], i, *path[2:]), i) for i in range(shape[0])]
    return [(path, None)]


def _n_in(path: tuple) -> int:
    """How many leading axes of a kernel are inputs (the attention output kernel has two)."""
    return 2 if "attention_out" in path else 1


def to_hf_layout(path: tuple, value: np.ndarray) -> np.ndarray:
    if path[-1] != "kernel":
        return value.reshape(-1) if value.ndim > 1 and path[-1] == "bias" else value
    n_in = _n_in(path)
    rows = math.prod(value.shape[:n_in])
    return value.reshape(rows, -1).T


def from_hf_layout(path: tuple, value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if path[-1] != "kernel":
        return value.reshape(shape)
    n_in = _n_in(path)
    return value.T.reshape(shape[:n_in] + shape[n_in:])


def expected_hf_shape(path: tuple, shape: tuple[int, ...]) -> tuple[int, ...]:
    if path[-1] == "kernel":
        n_in = _n_in(path)
        return (math.prod(shape[n_in:]), math.prod(shape[:n_in]))
    if path[-1] == "bias" and len(shape) > 1:
        return (math.prod(shape),)
    return tuple(shape)


# ---------------------------------------------------------------- reading


def hub_snapshot(repo_id: str, tokenizer: bool = False) -> Path:
    """Local folder of a hub model (downloaded or cached); a clear error when it cannot be had."""
    from huggingface_hub import snapshot_download

    patterns = ["config.json", "model.safetensors", "model.safetensors.index.json",
                "model-*.safetensors"]
    if tokenizer:
        patterns = ["config.json", *TOKENIZER_FILES]
    from jaxstilts.hub_access import hub_available

    local_only = not hub_available()  # the cache only: no retries against an absent hub
    try:
        folder = Path(snapshot_download(repo_id, allow_patterns=patterns,
                                        local_files_only=local_only))
        if not tokenizer and not any((folder / f).exists() for f in WEIGHT_FILES):
            folder = Path(snapshot_download(repo_id, allow_patterns=["pytorch_model.bin"],
                                            local_files_only=local_only))
        return folder
    except Exception as e:  # offline, not cached, no such repo, no network
        cache = os.environ.get("HF_HOME", "~/.cache/huggingface")
        why = ("not in the hub cache, and no hub here (HF_HUB_OFFLINE, or huggingface.co does "
               "not answer)" if local_only else
               f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        raise FileNotFoundError(
            f"{repo_id!r} is neither a local folder nor a hub model that can be fetched now "
            f"({why}). On a machine with access run `hf download {repo_id}` and copy the cache "
            f"to {cache} here, or pass the path of a folder holding config.json, "
            "model.safetensors and the tokenizer files (sentencepiece.bpe.model or "
            "tokenizer.json)."
        ) from None


PACKAGED = "packaged:"  # `packaged:tiny_mlm`: a checkpoint shipped in jaxstilts/assets


def packaged_models() -> list[str]:
    """Names of the checkpoints shipped in the package (folders of assets/ with a config.json)."""
    from importlib import resources

    assets = Path(str(resources.files("jaxstilts") / "assets"))
    return sorted(p.parent.name for p in assets.glob("*/config.json"))


def resolve_folder(path_or_hub_id: str | Path) -> Path:
    """The local folder of a model: a path, `packaged:NAME` (shipped in the package), or a hub id
    (downloaded or cached)."""
    text = str(path_or_hub_id)
    if text.startswith(PACKAGED):
        name = text.removeprefix(PACKAGED)
        if name not in packaged_models():
            raise FileNotFoundError(f"{text}: no packaged model of that name (packaged: "
                                    f"{', '.join(PACKAGED + n for n in packaged_models())})")
        from importlib import resources

        return Path(str(resources.files("jaxstilts") / "assets" / name))
    path = Path(path_or_hub_id).expanduser()
    if path.exists():
        if not path.is_dir():
            raise NotADirectoryError(f"{path}: expected a folder holding config.json and weights")
        return path
    if text.startswith(("/", ".", "~")) or text.count("/") > 1:
        raise FileNotFoundError(f"{path}: no such folder")
    return hub_snapshot(text)


def _read_safetensors(file: Path) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError, safe_open

    out = {}
    try:
        with safe_open(str(file), framework="numpy") as f:
            names = list(f.keys())
            for name in names:
                try:
                    out[name] = f.get_tensor(name)
                except TypeError:  # bfloat16 has no numpy dtype: read through JAX
                    out[name] = None
        if any(v is None for v in out.values()):
            with safe_open(str(file), framework="flax") as f:
                for name in [n for n, v in out.items() if v is None]:
                    out[name] = np.asarray(f.get_tensor(name).astype("float32"))
    except (SafetensorError, OSError, ValueError) as e:
        raise ValueError(f"{file}: cannot read safetensors file ({e}); truncated or corrupt? "
                         "Download it again.") from None
    return out


def _read_torch_bin(file: Path) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError:
        raise ImportError(f"{file}: reading pytorch_model.bin needs torch (pip install torch), "
                          "or convert the checkpoint to model.safetensors") from None
    try:
        tensors = torch.load(str(file), map_location="cpu", weights_only=True)
    except Exception as e:
        raise ValueError(f"{file}: cannot read PyTorch weights ({e})") from None
    return {k: v.float().numpy() for k, v in tensors.items()}


def read_weights(folder: Path) -> dict[str, np.ndarray]:
    """All tensors of a checkpoint folder, by Hugging Face name."""
    single = folder / "model.safetensors"
    index = folder / "model.safetensors.index.json"
    if single.exists():
        return _read_safetensors(single)
    if index.exists():
        try:
            shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        except (json.JSONDecodeError, KeyError) as e:
            raise ValueError(f"{index}: not a safetensors index ({e})") from None
        out = {}
        for shard in shards:
            if not (folder / shard).exists():
                raise FileNotFoundError(f"{folder / shard}: listed in {index.name}, missing")
            out.update(_read_safetensors(folder / shard))
        return out
    if (folder / "pytorch_model.bin").exists():
        return _read_torch_bin(folder / "pytorch_model.bin")
    raise FileNotFoundError(f"{folder}: no weights (expected one of {', '.join(WEIGHT_FILES)})")


def _normalise_names(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Give every encoder tensor the `roberta.` prefix (bare XLMRobertaModel files lack it)."""
    bare = ("embeddings.", "encoder.", "pooler.")
    return {("roberta." + k if k.startswith(bare) else k): v for k, v in weights.items()}


def load_pretrained(path_or_hub_id: str | Path, head: str | None = None, *,
                    num_labels: int | None = None, retrieval_layer: int | None = None,
                    seed: int = 0, return_report: bool = False, **config_changes):
    """XLM-R from a Hugging Face folder or hub id, with an optional head.

    Head weights in the checkpoint are used when their names and shapes fit; otherwise the head
    starts fresh. The report (logged; returned with `return_report=True`) says which.
    `config_changes` override config fields such as `dtype`, `remat` or dropout rates.
    """
    folder = resolve_folder(path_or_hub_id)
    raw_config = folder / "config.json"
    config = XLMRConfig.from_hf(raw_config, **config_changes)
    if head in ("classification", "tagging") and num_labels is None:
        num_labels = len(json.loads(raw_config.read_text()).get("id2label", {})) or None
    weights = _normalise_names(read_weights(folder))
    model = XLMRModel(config, head, num_labels=num_labels, retrieval_layer=retrieval_layer,
                      rngs=nnx.Rngs(seed))
    report = LoadReport(str(folder))
    state = nnx.state(model, nnx.Param)
    used = set()
    for scanned_path, var in nnx.to_flat_state(state):
        full_shape = tuple(var[...].shape)
        slices = per_layer(scanned_path, full_shape)
        shape = full_shape[1:] if slices[0][1] is not None else full_shape
        values = []
        for path, _ in slices:
            name = hf_name(path, head)
            if (name == "lm_head.bias" and name not in weights
                    and "lm_head.decoder.bias" in weights):
                name = "lm_head.decoder.bias"
            dotted = ".".join(str(p) for p in path)
            if name not in weights:
                if path[0] == "encoder":
                    raise ValueError(f"{folder}: checkpoint lacks encoder tensor {name} "
                                     f"(our {dotted}); is this an XLM-R checkpoint?")
                report.initialized.append(dotted)
                break
            expected = expected_hf_shape(path, shape)
            got = tuple(weights[name].shape)
            if got != expected:
                if path[0] == "encoder":
                    raise ValueError(f"{folder}: tensor {name} has shape {got}, expected "
                                     f"{expected} from config.json (our parameter {dotted})")
                report.initialized.append(dotted)  # e.g. a classifier with another label count
                break
            values.append(from_hf_layout(path, weights[name].astype(np.float32), shape))
            report.loaded.append(dotted)
            used.add(name)
        else:
            var[...] = values[0] if slices[0][1] is None else np.stack(values)
    nnx.update(model, state)
    report.unused = sorted(set(weights) - used - {"lm_head.decoder.weight"})
    if report.initialized:
        log.warning("%s: freshly initialised (not in the checkpoint): %s", folder,
                    ", ".join(report.initialized))
    if report.unused:
        log.info("%s: checkpoint tensors not used: %s", folder, ", ".join(report.unused))
    return (model, report) if return_report else model


# ---------------------------------------------------------------- writing


def save_pretrained(model: XLMRModel, folder: str | Path,
                    id2label: dict[int, str] | None = None) -> Path:
    """Write `config.json` and `model.safetensors` that transformers loads with the same outputs."""
    from safetensors.numpy import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kind = model.head_kind
    tensors = {}
    for scanned_path, var in nnx.to_flat_state(nnx.state(model, nnx.Param)):
        value = np.asarray(var[...], np.float32)
        for path, layer in per_layer(scanned_path, value.shape):
            name = hf_name(path, kind)
            if kind in (None, "retrieval", "dual_encoder"):
                name = name.removeprefix("roberta.")
            one = value if layer is None else value[layer]
            tensors[name] = np.ascontiguousarray(to_hf_layout(path, one))
    config = model.config.to_hf_dict()
    config["architectures"] = [HF_ARCHITECTURES[kind]]
    config["torch_dtype"] = "float32"
    if kind in ("classification", "tagging"):
        labels = id2label or {i: f"LABEL_{i}" for i in range(model.num_labels)}
        config["id2label"] = {str(i): v for i, v in labels.items()}
        config["label2id"] = {v: int(i) for i, v in labels.items()}
    if kind == "mlm":
        config["tie_word_embeddings"] = True
    (folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder / "model.safetensors", 0o666 & ~umask)  # safetensors writes it 0600
    return folder
