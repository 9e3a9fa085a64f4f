"""Rebuild jaxstilts/assets/tiny_mlm: a tiny XLM-R (the `tiny` preset) pretrained by masked-LM.

The text is generated from XTREME-R's MultiCheckList templates (Apache-2.0, shipped in
jaxstilts/assets/multichecklist): every template block's context, questions and answers, with
its placeholders filled from the block's own word lists and a pool of Latin-script person names,
in the 7 languages of the demo. None of the demo tasks' files is read, so the evaluation
sentences are not pretraining text (the comparative template is, as web text would hold it).
The masking is the project's own (jaxstilts.data.mlm, BERT's 15% / 80-10-10), and so are the
model, its MLM head and the optimizer (jiant's AdamW with warm-up and linear decay); the loop is
a plain one that scores only the masked positions (the vocabulary projection over every token
would cost ~7x more on CPU). Deterministic for a given seed on one machine; run
from the repository root:

    python scripts/build_tiny_checkpoint.py [--steps 2000] [--seed 0] [--out DIR]

It writes config.json, model.safetensors (with the MLM head) and the tiny tokenizer's
sentencepiece.bpe.model into DIR, and build.json with the command, the seed and the time taken.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "de", "ru", "zh", "ar", "hi", "th")
NAMES = ("John Mary Peter Linda David Susan Tom Emma Paul Anna Mark Sara Adam Nina Luke Rosa "
         "Omar Lily Ivan Maya Karl Ella Hugo Iris Leo Ada Max Eva Ben Zoe").split()
PLACEHOLDER = re.compile(r"\{([^}\[]+)(?:\[(\d)\])?\}")


def template_blocks(tsv: Path) -> list[dict[str, dict[str, list[str]]]]:
    """Per block: language -> field -> values (the first column of each language)."""
    with open(tsv, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0]
    column = {lang: header.index(lang) for lang in LANGS}
    blocks, block = [], []
    for row in rows[1:] + [["Name"]]:
        if row and row[0] == "Name" and block:
            blocks.append({lang: _fields(block, c) for lang, c in column.items()})
            block = []
        block.append(row)
    return blocks


def _fields(block: list[list[str]], c: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in block:
        if row and c < len(row) and row[c].strip():
            out.setdefault(row[0], []).append(row[c].strip())
    return out


def fill(template: str, fields: dict[str, list[str]], names: list[str],
         chosen: dict[str, str], rng: random.Random) -> str | None:
    """`template` with its placeholders filled (one value per field and line, kept in `chosen`);
    None when the block has no value for one."""
    def value(match: re.Match) -> str:
        name, index = match.group(1), match.group(2)
        if name.startswith("first_name") or name.startswith("last_name"):
            return names[int(name[-1]) if name[-1].isdigit() else 0]
        if not fields.get(name):
            raise KeyError(name)
        if name not in chosen:
            chosen[name] = rng.choice(fields[name])
        parts = re.split(r"[,，،]\s*", chosen[name])
        return parts[min(int(index or 0), len(parts) - 1)].strip()

    try:
        return PLACEHOLDER.sub(value, template)
    except KeyError:
        return None


def corpus(tsv: Path, per_language: int, seed: int) -> list[str]:
    """`per_language` lines per language: a context with its questions and answers."""
    rng = random.Random(seed)
    blocks = template_blocks(tsv)
    lines = []
    for lang in LANGS:
        usable = [b[lang] for b in blocks if b[lang].get("Context")]
        for _ in range(per_language):
            fields = rng.choice(usable)
            names = rng.sample(NAMES, 3)
            chosen: dict[str, str] = {}
            parts = [fill(rng.choice(fields["Context"]), fields, names, chosen, rng)]
            for q, a in zip(fields.get("Question", []), fields.get("Answer", [])):
                if rng.random() < 0.5:
                    parts += [fill(q, fields, names, chosen, rng),
                              fill(a, fields, names, chosen, rng)]
            if all(parts):
                lines.append(" ".join(parts))
    rng.shuffle(lines)
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--max-length", type=int, default=48)
    ap.add_argument("--per-language", type=int, default=4000)
    ap.add_argument("--out", type=Path, default=ROOT / "jaxstilts" / "assets" / "tiny_mlm")
    args = ap.parse_args(argv)

    import jax
    import optax
    from flax import nnx

    from jaxstilts.data.arrays import ArraySource
    from jaxstilts.data.mlm import MaskedSource
    from jaxstilts.kinds import IGNORE
    from jaxstilts.model import XLMRConfig, load_tokenizer
    from jaxstilts.model.hf import save_pretrained
    from jaxstilts.model.modeling import XLMRModel
    from jaxstilts.model.tokenizer import SPM_FILE, multichecklist_path, tiny_tokenizer_dir
    from jaxstilts.train.optim import OptimConfig, make_optimizer
    from jaxstilts.train.state import split_model

    start = time.time()
    lines = corpus(multichecklist_path(), args.per_language, args.seed)
    tokenizer = load_tokenizer(tiny_tokenizer_dir())
    enc = tokenizer(lines, truncation=True, max_length=args.max_length, padding="max_length",
                    return_tensors="np")
    arrays = {k: enc[k].astype(np.int32) for k in ("input_ids", "attention_mask")}
    masked = MaskedSource(ArraySource(arrays, args.batch_size, args.seed),
                          mask_id=tokenizer.mask_token_id, vocab_size=len(tokenizer),
                          special_ids=tuple(tokenizer.all_special_ids), seed=args.seed)
    model = XLMRModel(XLMRConfig.preset("tiny"), "mlm", rngs=nnx.Rngs(args.seed))
    graphdef, params = split_model(model)
    params = nnx.to_pure_dict(params)
    tx = make_optimizer(OptimConfig(lr=args.lr, warmup_fraction=0.05), args.steps)
    opt_state = tx.init(params)
    # The vocabulary projection dominates a tiny model's cost: it is applied to the masked
    # positions only (at most `slots` a batch, ~1.5x the expected 15%), not to every token.
    slots = int(0.15 * 1.5 * args.batch_size * args.max_length)

    def loss_fn(params, batch, key):
        m = nnx.merge(graphdef, params)
        hidden = m.encoder(batch["input_ids"], batch["attention_mask"], deterministic=False,
                           rngs=nnx.Rngs(dropout=key)).last_hidden_state
        picked = hidden[batch["rows"], batch["cols"]][None]
        logits = m.head(picked, None, word_embeddings=m.encoder.embeddings.word[...])[0]
        w = batch["weights"]
        ce = optax.softmax_cross_entropy_with_integer_labels(logits, batch["targets"])
        acc = (logits.argmax(-1) == batch["targets"]) * w
        return (ce * w).sum() / w.sum(), acc.sum() / w.sum()

    @jax.jit
    def step(params, opt_state, batch, key):
        (loss, acc), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, batch, key)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, acc

    def gather(batch: dict) -> dict:
        rows, cols = np.nonzero(batch["labels"] != IGNORE)
        rows, cols = rows[:slots], cols[:slots]
        pad = slots - len(rows)
        return {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"],
                "rows": np.pad(rows, (0, pad)), "cols": np.pad(cols, (0, pad)),
                "targets": np.pad(batch["labels"][rows, cols], (0, pad)),
                "weights": np.pad(np.ones(len(rows), np.float32), (0, pad))}

    print(f"{len(lines)} lines tokenized; {time.time() - start:.0f}s", flush=True)
    history, window = [], []
    for i in range(args.steps):
        key = jax.random.fold_in(jax.random.key(args.seed), i)
        params, opt_state, loss, acc = step(params, opt_state, gather(next(masked)), key)
        window.append((loss, acc))
        if (i + 1) % 250 == 0:
            loss, acc = np.mean(jax.device_get(window), axis=0)
            history.append({"step": i + 1, "loss": float(loss), "accuracy": float(acc)})
            print(history[-1], f"{time.time() - start:.0f}s", flush=True)
            window = []
    export = nnx.merge(graphdef, nnx.state(model))
    nnx.update(export, params)
    if args.out.exists():
        shutil.rmtree(args.out)
    save_pretrained(export, args.out)
    shutil.copy(Path(tiny_tokenizer_dir()) / SPM_FILE, args.out / SPM_FILE)
    record = {
        "command": "python scripts/build_tiny_checkpoint.py " + " ".join(sys.argv[1:]),
        "seed": args.seed, "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr,
        "max_length": args.max_length, "lines": len(lines), "languages": list(LANGS),
        "seconds": round(time.time() - start, 1),
        "mlm_history": history,
        "text": "MultiCheckList templates (XTREME-R, Apache-2.0), placeholders filled",
    }
    (args.out / "build.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
