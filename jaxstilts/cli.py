"""The `jaxstilts` command: a thin dispatcher onto the package's functions."""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources

SENTENCES = {
    "en": "The weather is nice today.",
    "de": "Das Wetter ist heute schön.",
    "ru": "Сегодня хорошая погода.",
    "ar": "الطقس جميل اليوم.",
    "hi": "आज मौसम अच्छा है।",
    "zh": "今天天气很好。",
    "th": "วันนี้อากาศดี",
}


def tiny_tokenizer_dir() -> str:
    return str(resources.files("jaxstilts") / "assets" / "tiny_tokenizer")


def cmd_forward(args: argparse.Namespace) -> int:
    """A forward pass of the embedded tiny model (random weights) over a few languages."""
    import jax.numpy as jnp
    import numpy as np
    from flax import nnx

    from jaxstilts.model import XLMRConfig, XLMRModel, load_pretrained, load_tokenizer

    if args.model:
        model = load_pretrained(args.model, "retrieval")
        tokenizer = load_tokenizer(args.model)
    else:
        model = XLMRModel(XLMRConfig.preset("tiny"), "retrieval", rngs=nnx.Rngs(args.seed))
        tokenizer = load_tokenizer(tiny_tokenizer_dir())
    langs = list(SENTENCES)
    enc = tokenizer([SENTENCES[lang] for lang in langs], padding=True, return_tensors="np")
    ids, mask = jnp.asarray(enc["input_ids"]), jnp.asarray(enc["attention_mask"])
    hidden = model.encoder(ids, mask).last_hidden_state
    vectors = np.asarray(model(ids, mask))
    print(f"model: {model.config.num_hidden_layers} layers, hidden {model.config.hidden_size}, "
          f"vocab {model.config.vocab_size}; batch {tuple(ids.shape)} -> hidden states "
          f"{tuple(hidden.shape)}; layer-{model.retrieval_layer} mean-pooled vectors "
          f"{vectors.shape}")
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = unit @ unit[0]
    for lang, row, sim in zip(langs, np.asarray(enc["attention_mask"]), sims):
        pieces = tokenizer.convert_ids_to_tokens(enc["input_ids"][langs.index(lang)][: row.sum()])
        print(f"  {lang}  {int(row.sum()):3d} tokens  cos(en)={sim:+.3f}  {' '.join(pieces[:8])}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Training step speed (and the PyTorch reference); JSON on stdout, optionally saved."""
    from jaxstilts import bench

    config = bench.BenchConfig(preset=args.preset, batch=args.batch, seq=args.seq,
                               steps=args.steps, warmup=args.warmup, dtype=args.dtype,
                               remat=args.remat, frozen_embeddings=args.frozen_embeddings,
                               attention_dropout=not args.no_attention_dropout)
    result = bench.run(config, reference=args.reference)
    if args.save:
        result["saved_to"] = str(bench.save(result, args.save))
    print(json.dumps(result, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jaxstilts", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("forward", help="forward pass of the embedded tiny model (smoke check)")
    p.add_argument("--model", help="a Hugging Face folder or hub id instead of the tiny model")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_forward)

    p = sub.add_parser("bench", help="benchmark the training step (JSON output)")
    p.add_argument("--preset", default="tiny",
                   help="model size: tiny | base | large | cpu-target (XLM-R vocab, 4x256)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--steps", type=int, default=10, help="timed steps (median reported)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    p.add_argument("--remat", default="none", choices=["none", "full", "dots"])
    p.add_argument("--frozen-embeddings", action="store_true",
                   help="keep the word embedding out of the optimizer update")
    p.add_argument("--no-attention-dropout", action="store_true",
                   help="no attention-probability dropout: the fused kernel in training too")
    p.add_argument("--reference", choices=["pytorch"], help="also time transformers' PyTorch")
    p.add_argument("--save", nargs="?", const="benchmarks/results", default=None,
                   help="save the JSON record under this folder")
    p.set_defaults(func=cmd_bench)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())


