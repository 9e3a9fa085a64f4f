"""XLM-R's hyperparameters, named as in Hugging Face's `config.json` so conversion is a copy."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from jaxstilts.config_schema import (
    ATTENTION_IMPLS,
    COMPUTE_DTYPES,
    DROPOUT_RNGS,
    MATMUL_PRECISIONS,
    MODEL_DEFAULT,
    REMAT_POLICIES,
)

# The experiment's `model.<key>` -> the field it sets (the other model keys say where the
# weights and the shape come from).
MODEL_KEYS = {"dtype": "dtype", "remat": "remat", "matmul_precision": "matmul_precision",
              "scan_layers": "scan_layers", "attention_impl": "attention_impl",
              "dropout_rng": "dropout_rng", "dropout": "hidden_dropout_prob",
              "attention_dropout": "attention_probs_dropout_prob"}
# Fields that say how we compute, not what the model is: not in Hugging Face's config.json.
COMPUTE_FIELDS = ("dtype", "remat", "attention_impl", "matmul_precision", "dropout_rng",
                  "scan_layers")


@dataclasses.dataclass(frozen=True)
class XLMRConfig:
    vocab_size: int = 250002
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    max_position_embeddings: int = 514
    type_vocab_size: int = 1
    pad_token_id: int = 1
    layer_norm_eps: float = 1e-5
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    initializer_range: float = 0.02
    # Not in HF's config: how we compute.
    dtype: str = "float32"  # compute dtype; parameters stay float32
    remat: str = "none"  # per-layer rematerialisation: none | full | dots (save matmul outputs)
    attention_impl: str = "auto"  # auto: cuDNN on GPU with bf16, XLA elsewhere (attention.py)
    # auto: highest for float32 compute (float32 on every backend), the backend default for bf16
    matmul_precision: str = "auto"
    dropout_rng: str = "threefry"  # rbg: XLA's RngBitGenerator for dropout masks (xlmr.dropout)
    # One layer compiled and scanned over stacked parameters (xlmr.XLMREncoder), or unrolled.
    scan_layers: bool = True

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"XLMRConfig: hidden_size {self.hidden_size} is not a multiple of "
                f"num_attention_heads {self.num_attention_heads}"
            )
        for name, value, allowed in (
            ("dtype", self.dtype, COMPUTE_DTYPES),
            ("remat", self.remat, REMAT_POLICIES),
            ("attention_impl", self.attention_impl, ATTENTION_IMPLS),
            ("matmul_precision", self.matmul_precision, MATMUL_PRECISIONS),
            ("dropout_rng", self.dropout_rng, DROPOUT_RNGS),
        ):
            if value not in allowed:
                raise ValueError(f"XLMRConfig: {name}={value!r}; expected one of {allowed}")
        if not isinstance(self.scan_layers, bool):
            raise ValueError(f"XLMRConfig: scan_layers={self.scan_layers!r}; "
                             "expected True or False")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def replace(self, **changes: Any) -> XLMRConfig:
        return dataclasses.replace(self, **changes)

    @classmethod
    def preset(cls, name: str, **changes: Any) -> XLMRConfig:
        """Named sizes: `tiny` (tests, demo), `base` and `large` (XLM-R Base/Large)."""
        if name not in PRESETS:
            raise ValueError(f"unknown model preset {name!r}; expected one of {sorted(PRESETS)}")
        return dataclasses.replace(PRESETS[name], **changes)

    @classmethod
    def from_hf(cls, path: str | Path, **changes: Any) -> XLMRConfig:
        """Read a Hugging Face `config.json` (a file or the folder holding it)."""
        path = Path(path)
        if path.is_dir():
            path = path / "config.json"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file (expected an XLM-R config.json)")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: not valid JSON ({e})") from None
        return cls.from_hf_dict(raw, source=str(path), **changes)

    @classmethod
    def from_hf_dict(cls, raw: dict, source: str = "config", **changes: Any) -> XLMRConfig:
        model_type = raw.get("model_type")
        if model_type not in ("xlm-roberta", "roberta"):
            raise ValueError(
                f"{source}: model_type is {model_type!r}, not an XLM-R model ('xlm-roberta')"
            )
        act = raw.get("hidden_act", "gelu")
        if act != "gelu":
            raise ValueError(f"{source}: hidden_act {act!r} is not supported (XLM-R uses 'gelu')")
        pos = raw.get("position_embedding_type", "absolute")
        if pos != "absolute":
            raise ValueError(f"{source}: position_embedding_type {pos!r} is not supported")
        names = [f.name for f in dataclasses.fields(cls) if f.name not in COMPUTE_FIELDS]
        kwargs = {n: raw[n] for n in names if n in raw}
        kwargs.update(changes)
        return cls(**kwargs)

    def to_hf_dict(self) -> dict:
        """The fields transformers' `XLMRobertaConfig` reads."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for ours in COMPUTE_FIELDS:
            out.pop(ours)
        out.update(model_type="xlm-roberta", hidden_act="gelu", position_embedding_type="absolute",
                   bos_token_id=0, eos_token_id=2)
        return out


def changes_of(model) -> dict[str, Any]:
    """The `XLMRConfig` fields an experiment's `model` section sets; a dropout rate of
    `MODEL_DEFAULT` (-1) keeps the model's own (its config.json, or the preset's)."""
    return {field: model[key] for key, field in MODEL_KEYS.items()
            if not (field.endswith("dropout_prob") and model[key] == MODEL_DEFAULT)}


PRESETS = {
    # vocab_size matches the tiny SentencePiece model shipped in jaxstilts/assets/tiny_tokenizer.
    "tiny": XLMRConfig(vocab_size=4002, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=128, max_position_embeddings=514),
    "base": XLMRConfig(),
    "large": XLMRConfig(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                        intermediate_size=4096),
}
