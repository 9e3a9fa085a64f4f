"""The model of a phase: its tokenizer, its architecture, where its weights come from."""

from __future__ import annotations

import logging
from pathlib import Path

import ml_collections
from flax import nnx

from jaxstilts.model import XLMRConfig, load_pretrained, load_tokenizer
from jaxstilts.model.hf import resolve_folder
from jaxstilts.model.modeling import MultiTaskModel
from jaxstilts.model.tokenizer import tiny_tokenizer_dir
from jaxstilts.train.checkpoint import restore_encoder, restore_params
from jaxstilts.train.state import place_params

log = logging.getLogger(__name__)


def tokenizer_of(config: ml_collections.ConfigDict):
    source = config.model.tokenizer or config.model.pretrained or tiny_tokenizer_dir()
    return load_tokenizer(source)


def model_config(config: ml_collections.ConfigDict) -> XLMRConfig:
    m = config.model
    extra = dict(dtype=m.dtype, remat=m.remat, matmul_precision=m.matmul_precision,
                 scan_layers=m.scan_layers)
    if m.pretrained:
        return XLMRConfig.from_hf(resolve_folder(m.pretrained), **extra)
    return XLMRConfig.preset(m.preset, **extra)


def build_model(config: ml_collections.ConfigDict, heads: dict[str, tuple[str, int | None]],
                seed: int, encoder_from: str | Path | None = None) -> MultiTaskModel:
    """A multi-task model (heads seeded). Where its encoder comes from is decided here, once:
    a finished phase's folder (`encoder_from`, restored by whoever places the parameters), else
    the pretrained weights (`model.pretrained`), else a seeded init. The pretrained checkpoint is
    only read when it is the source."""
    model = MultiTaskModel(model_config(config), heads, rngs=nnx.Rngs(seed))
    if config.model.pretrained and encoder_from is None:
        pretrained = load_pretrained(config.model.pretrained, dtype=config.model.dtype,
                                     remat=config.model.remat,
                                     scan_layers=config.model.scan_layers)
        nnx.update(model.encoder, nnx.state(pretrained.encoder, nnx.Param))
    return model


def phase_model(config, mesh, encoder_from, head_record: dict | None) -> tuple:
    """(graphdef, params on `mesh`): the encoder (and the target heads) of the phase in
    `encoder_from`, else as `build_model` makes them."""
    heads = {k: tuple(v) for k, v in head_record["heads"].items()} if head_record else {}
    graphdef, state = nnx.split(build_model(config, heads, config.seed, encoder_from), nnx.Param)
    params = place_params(state, mesh)
    if encoder_from is not None:
        params["encoder"] = restore_encoder(encoder_from, params["encoder"])
        if head_record:
            params["heads"] = restore_params(encoder_from, params["heads"], "heads")
    return graphdef, params
