"""The `jaxstilts` command: a thin dispatcher onto the package's functions.

Configs are ml_collections `.py` files; any `--config.KEY=VALUE` after the command overrides a
field, checked against the config's keys and types before anything runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

SENTENCES = {
    "en": "The weather is nice today.",
    "de": "Das Wetter ist heute schön.",
    "ru": "Сегодня хорошая погода.",
    "ar": "الطقس جميل اليوم.",
    "hi": "आज मौसम अच्छा है।",
    "zh": "今天天气很好。",
    "th": "วันนี้อากาศดี",
}


def cmd_forward(args: argparse.Namespace) -> int:
    """A forward pass of the embedded tiny model (random weights) over a few languages."""
    import jax.numpy as jnp
    import numpy as np
    from flax import nnx

    from jaxstilts.model import XLMRConfig, XLMRModel, load_pretrained, load_tokenizer
    from jaxstilts.model.tokenizer import tiny_tokenizer_dir

    if args.model:
        model = load_pretrained(args.model, "retrieval")
        tokenizer = load_tokenizer(args.model)
    else:
        model = XLMRModel(XLMRConfig.preset("tiny"), "retrieval", rngs=nnx.Rngs(args.seed))
        tokenizer = load_tokenizer(tiny_tokenizer_dir())
    langs = list(SENTENCES)
    enc = tokenizer([SENTENCES[lang] for lang in langs], padding=True, return_tensors="np")
    ids, mask = jnp.asarray(enc["input_ids"]), jnp.asarray(enc["attention_mask"])
    vectors = np.asarray(model(ids, mask))
    print(f"model: {model.config.num_hidden_layers} layers, hidden {model.config.hidden_size}, "
          f"vocab {model.config.vocab_size}; batch {tuple(ids.shape)}; layer-"
          f"{model.retrieval_layer} mean-pooled vectors {vectors.shape}")
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for i, lang in enumerate(langs):
        n = int(enc["attention_mask"][i].sum())
        pieces = tokenizer.convert_ids_to_tokens(enc["input_ids"][i][:n])
        print(f"  {lang}  {n:3d} tokens  cos(en)={unit[i] @ unit[0]:+.3f}  {' '.join(pieces[:8])}")
    return 0


def _config(args: argparse.Namespace, overrides: list[str]):
    """The validated config; multi-host set up from it before any device is touched."""
    from jaxstilts.config import load_config
    from jaxstilts.pipeline import setup_distributed

    config = load_config(args.config, overrides)
    setup_distributed(config)
    return config


def _print_run(record: dict) -> None:
    target = record["target"]
    print(f"\n{record['name']}: {record['metric']} averaged over languages = "
          f"{record['score']:.2f}" if record.get("score") is not None else record["name"])
    for lang, scores in record["results"].get(target, {}).items():
        print(f"  {lang:6s} " + "  ".join(f"{k} {v:6.2f}" for k, v in scores.items()))


def cmd_run(args: argparse.Namespace, overrides: list[str]) -> int:
    from jaxstilts.pipeline import run_experiment
    from jaxstilts.workdir import hold

    config = _config(args, overrides)
    workdir = args.workdir or f"runs/{config.name}"
    with hold(workdir, "run"):
        _print_run(run_experiment(config, workdir, progress=not args.quiet))
    print(f"\nworkdir: {workdir}")
    return 0


def cmd_sweep(args: argparse.Namespace, overrides: list[str]) -> int:
    from jaxstilts.pipeline import run_sweep
    from jaxstilts.report import write_report
    from jaxstilts.workdir import hold

    config = _config(args, overrides)
    workdir = args.workdir or f"runs/{config.name}"
    with hold(workdir, "sweep"):
        for record in run_sweep(config, workdir, progress=not args.quiet):
            _print_run(record)
        paths = write_report(workdir)
    print(f"\nreport: {paths['report.md']}")
    return 0


def cmd_demo(args: argparse.Namespace, overrides: list[str]) -> int:
    """The whole method on the embedded data: baseline and STILTs, zero-shot on 7 languages;
    with several seeds (`sweep.seeds`), every figure is mean ± std over them."""
    from jaxstilts.config import load_config
    from jaxstilts.pipeline import run_sweep
    from jaxstilts.report import write_report
    from jaxstilts.workdir import hold

    config = load_config("demo", overrides)
    with hold(args.workdir, "demo"):
        records = run_sweep(config, args.workdir, progress=not args.quiet)
    for line in demo_table(records):
        print(line)
    paths = write_report(args.workdir)
    target = config.target.task
    heatmap = next((str(p) for n, p in paths.items() if n.endswith(f"heatmap_{target}_languages"
                                                                   ".png")),
                   paths.get("heatmap.png"))
    print(f"\nheatmap: {heatmap}\nreport:  {paths['report.md']}\n"
          f"TensorBoard: tensorboard --logdir {args.workdir}")
    return 0


def demo_table(records: list[dict]) -> list[str]:
    """The demo's tables: per target (and setting), each row's zero-shot score per language and
    on average, over seeds as mean ± std, with the gain over the baseline and whether it
    exceeds the seed spread (paired t-test over seeds, p < 0.05)."""
    from jaxstilts.report import BASELINE, Sweep, by_setting, run_from_record
    from jaxstilts.report.seeds import paired_gain, plus_minus, verdict

    def spread(values: list[float]) -> str:
        from statistics import mean, stdev

        if not values:
            return "–"
        return plus_minus(mean(values), stdev(values) if len(values) > 1 else None)

    lines = []
    for setting, runs in by_setting([run_from_record(r) for r in records]).items():
        sweep = Sweep(runs, setting)
        for target in sweep.targets:
            langs = sweep.languages(target)
            seeds = max(len(sweep.seed_runs(row, target)) for row in sweep.rows)
            over = f", mean ± std over {seeds} seeds" if seeds > 1 else ""
            where = f" [{setting}]" if setting else ""
            lines += [f"\nZero-shot score on {target}{where} (trained on English only{over}):",
                      "", "| run | " + " | ".join(langs) + " | avg | gain | beyond spread |",
                      "|---|" + "---|" * (len(langs) + 3)]
            for row in sweep.rows:
                runs_ = list(sweep.seed_runs(row, target).values())
                if not runs_:
                    continue
                cells = [spread([r.languages[lang] for r in runs_ if lang in r.languages])
                         for lang in langs]
                gain, test = "–", "–"
                if row != BASELINE:
                    pairs = sweep.paired(row, target, lambda r: r.score)
                    m, sd, p = paired_gain(pairs)
                    gain = plus_minus(m, sd, signed=True)
                    test = verdict(p, len(pairs)) + (f" (p={p:.3f})" if p is not None else "")
                lines.append(f"| {row} | " + " | ".join(cells) +
                             f" | {spread([r.score for r in runs_])} | {gain} | {test} |")
    return lines


def cmd_eval(args: argparse.Namespace, overrides: list[str]) -> int:
    from jaxstilts.pipeline import evaluate_workdir
    from jaxstilts.workdir import hold

    config = _config(args, overrides)
    with hold(args.workdir, "eval"):
        _print_run(evaluate_workdir(config, args.workdir))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from jaxstilts.evaluate.xtreme import score_folder

    print(json.dumps(score_folder(args.predictions, args.labels, args.benchmark), indent=2))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from jaxstilts.report import write_report

    paths = write_report(args.sweep_dir, args.out)
    for name, path in paths.items():
        print(f"{name:20s} {path}")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from jaxstilts.convert import convert

    print(convert(args.source, args.dest, head=args.head))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from jaxstilts.convert import inspect_workdir

    print(json.dumps(inspect_workdir(args.workdir), indent=2))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Training step speed (and the PyTorch reference); JSON on stdout, optionally saved."""
    from jaxstilts import bench

    config = bench.BenchConfig(preset=args.preset, batch=args.batch, seq=args.seq,
                               steps=args.steps, warmup=args.warmup, dtype=args.dtype,
                               remat=args.remat, frozen_embeddings=args.frozen_embeddings,
                               attention_dropout=not args.no_attention_dropout,
                               attention_impl=args.attention_impl,
                               matmul_precision=args.matmul_precision,
                               dropout_rng=args.dropout_rng)
    result = bench.run(config, reference=args.reference, evaluator=args.evaluator,
                       pipeline=args.pipeline, profile_dir=args.profile, save_folder=args.save)
    print(json.dumps(result, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jaxstilts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("forward", help="forward pass of the embedded tiny model (smoke check)")
    p.add_argument("--model", help="a Hugging Face folder or hub id instead of the tiny model")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_forward)

    for name, func, text in (("run", cmd_run, "all phases of one experiment"),
                             ("sweep", cmd_sweep, "a grid of experiments, then the report"),
                             ("eval", cmd_eval, "re-evaluate a finished run's workdir")):
        p = sub.add_parser(name, help=text)
        p.add_argument("config", help="a packaged config name (tiny, demo, "
                       "paper/stilts.py:mnli,xnli) or the path of your own config file")
        p.add_argument("--workdir", required=name == "eval",
                       help="local path or gs:// URL (default runs/<config name>)")
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        p.set_defaults(func=func, takes_overrides=True)

    p = sub.add_parser("demo", help="STILTs on the embedded data with a tiny model (CPU)")
    p.add_argument("--workdir", default="runs/demo")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_demo, takes_overrides=True)

    p = sub.add_parser("score", help="score a predictions folder against labels (JSON)")
    p.add_argument("--predictions", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--benchmark", default="xtreme", choices=["xtreme", "xtreme-r"])
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("report", help="tables, heatmap and analyses of a sweep")
    p.add_argument("sweep_dir")
    p.add_argument("--out", default=None)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("convert", help="HF folder <-> Orbax checkpoint (direction from SOURCE)")
    p.add_argument("source")
    p.add_argument("dest")
    p.add_argument("--head", default=None, help="head kind to write to an HF folder")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("inspect", help="phases, steps, metrics and parameter digests")
    p.add_argument("workdir")
    p.set_defaults(func=cmd_inspect)

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
                   help="no attention-probability dropout in training")
    p.add_argument("--attention-impl", default="auto", choices=["auto", "xla", "cudnn"])
    p.add_argument("--matmul-precision", default="auto",
                   choices=["auto", "default", "high", "highest"])
    p.add_argument("--dropout-rng", default="threefry", choices=["threefry", "rbg"])
    p.add_argument("--reference", action="append", choices=["pytorch", "pytorch-compile"],
                   help="also time transformers' PyTorch, eager or torch.compile (repeatable)")
    p.add_argument("--profile", metavar="DIR",
                   help="trace 3 steps; device time by op in DIR/profile.json and .txt")
    p.add_argument("--evaluator", action="store_true",
                   help="also time the vectorized evaluator against a per-language loop")
    p.add_argument("--pipeline", action="store_true",
                   help="also measure the bucketed input pipeline's padding fraction")
    p.add_argument("--save", nargs="?", const="benchmarks/results", default=None,
                   help="save the JSON record under this folder")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    overrides = [r for r in rest if r.startswith("--config.")]
    unknown = [r for r in rest if not r.startswith("--config.")]
    if unknown or (overrides and not getattr(args, "takes_overrides", False)):
        parser.error(f"unrecognized arguments: {' '.join(unknown or overrides)}")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from jaxstilts.config import ConfigError
    from jaxstilts.tasks.problems import DataError
    from jaxstilts.train.checkpoint import NoRestorableCheckpoint
    from jaxstilts.train.preemption import EXIT_CODE, Preempted
    from jaxstilts.workdir import WorkdirBusy

    try:
        if getattr(args, "takes_overrides", False):
            return args.func(args, overrides)
        return args.func(args)
    except Preempted as e:  # saved; a scheduler re-running the command resumes
        print(f"jaxstilts {args.command}: {e}", file=sys.stderr)
        return EXIT_CODE
    except (ConfigError, FileNotFoundError, FileExistsError, PermissionError, WorkdirBusy,
            NoRestorableCheckpoint, DataError) as e:
        print(f"jaxstilts {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
