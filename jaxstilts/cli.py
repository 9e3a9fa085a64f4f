"""jaxstilts: STILTs (English intermediate-task training, then zero-shot cross-lingual
transfer) with XLM-R in JAX.

Start here (CPU, a few minutes; baseline and STILTs on the embedded demo data, 7 languages):
    jaxstilts demo

Then one experiment, or a grid of them, from a config:
    jaxstilts run tiny --workdir runs/tiny
    jaxstilts run paper/stilts.py:mnli,xnli --config.data.data_dir=/data/xtreme
    jaxstilts sweep paper/grid.py --workdir runs/grid

A config is a packaged name (tiny, demo, paper/stilts, ...) or the path of your own .py file
with get_config(); `file.py:arg` passes `arg` to get_config (paper/stilts.py:mnli,xnli = the
intermediate task mnli, the target xnli). Any `--config.KEY=VALUE` overrides one key, checked
against the config's keys, types and values before anything runs, e.g.
    --config.target.steps=2000 --config.model.pretrained=FacebookAI/xlm-roberta-large

`jaxstilts keys [PREFIX]` lists every key with its type, default, doc and policies;
`jaxstilts COMMAND --help` describes each command's arguments; -v shows INFO logs and, on an
error, the traceback.
"""

from __future__ import annotations

import argparse
import json
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
    """The validated config; multi-host set up from it before any device is touched. Keys and
    types are checked before JAX is imported (a rejected command answers in a second); values,
    task names and the model then, before a workdir is made."""
    from jaxstilts.config import ConfigError, load_config

    config = load_config(args.config, overrides)
    import jax

    from jaxstilts.compile_cache import enable_compilation_cache
    from jaxstilts.experiment.setup import setup_distributed, validate_config
    from jaxstilts.preflight import check_config, check_data, check_model

    enable_compilation_cache()
    setup_distributed(config)
    check_config(config, jax.device_count(), sweep=args.command == "sweep")
    try:
        validate_config(config)
    except (KeyError, ValueError) as e:
        raise ConfigError(e.args[0] if e.args else str(e)) from None
    check_model(config)
    if args.command != "eval":  # eval reads only the evaluation split, as the run did
        check_data(config, _sweep_configs(config) if args.command == "sweep" else None)
    return config


def _print_run(record: dict, quiet: bool = False) -> None:
    target = record["target"]
    if not quiet:
        print()
    print(f"{record['name']}: {record['metric']} averaged over languages = "
          f"{record['score']:.2f}" if record.get("score") is not None else record["name"])
    for lang, scores in record["results"].get(target, {}).items():
        print(f"  {lang:6s} " + "  ".join(f"{k} {v:6.2f}" for k, v in scores.items()))


def cmd_run(args: argparse.Namespace, overrides: list[str]) -> int:
    config = _config(args, overrides)
    from jaxstilts.experiment.run import run_experiment
    from jaxstilts.workdir import hold

    workdir = args.workdir or f"runs/{config.name}"
    with hold(workdir, "run"):
        _print_run(run_experiment(config, workdir, progress=not args.quiet,
                                  allow_config_change=args.allow_config_change), args.quiet)
    print(("" if args.quiet else "\n") + f"workdir: {workdir}")
    return 0


def cmd_sweep(args: argparse.Namespace, overrides: list[str]) -> int:
    if args.status:
        return _sweep_status(args, overrides)
    if args.plan:
        return _sweep_plan(args, overrides)
    if args.launcher == "ray" or args.ray_address:
        _check_ray(args)
    config = _config(args, overrides)
    from jaxstilts.report import write_report
    from jaxstilts.sweep.local import SweepFailed, run_sweep
    from jaxstilts.workdir import hold

    workdir = args.workdir or f"runs/{config.name}"
    failed = None
    with hold(workdir, "sweep"):  # the driver's lock; each job locks its own folder
        try:
            if args.launcher == "ray":
                from jaxstilts.sweep.ray_launcher import run_sweep_on_ray

                records = run_sweep_on_ray(config, workdir, args.ray_address)
            else:
                records = run_sweep(config, workdir, progress=not args.quiet,
                                    allow_config_change=args.allow_config_change)
        except SweepFailed as e:
            records, failed = e.records, e
        for record in records:
            _print_run(record)
        paths = write_report(workdir) if records else {}
    if paths:
        print(f"\nreport: {paths['report.md']}")
    if failed is not None:
        print(f"jaxstilts sweep: {failed} (`jaxstilts sweep CONFIG --workdir {workdir} "
              "--status` lists them)", file=sys.stderr)
        return 1
    return 0


def _check_ray(args: argparse.Namespace) -> None:
    """--launcher ray: Ray is installed, and no option only the local launcher has."""
    import importlib.util

    from jaxstilts.config import ConfigError

    if args.launcher != "ray":
        raise ConfigError(f"--ray-address {args.ray_address}: add --launcher ray")
    if importlib.util.find_spec("ray") is None:
        raise ConfigError("--launcher ray needs Ray, which is not installed here: pip install "
                          "'jaxstilts[ray]'")
    if args.allow_config_change:
        raise ConfigError("--allow-config-change works with --launcher local only (each Ray "
                          "job runs the plan's config as it is)")


def _sweep_configs(config) -> list:
    from jaxstilts.sweep.grid import sweep_configs

    return [run_config for _, run_config in sweep_configs(config)]


def _sweep_plan(args: argparse.Namespace, overrides: list[str]) -> int:
    """The jobs, what each waits for and which are done; no compute, no data read."""
    from jaxstilts.config import load_config
    from jaxstilts.sweep.plan import plan_sweep
    from jaxstilts.sweep.status import plan_lines

    config = load_config(args.config, overrides)
    workdir = args.workdir or f"runs/{config.name}"
    jobs = plan_sweep(config)
    for line in plan_lines(jobs, workdir):
        print(line)
    if args.hardware:
        from jaxstilts.sweep.cost import estimate_lines

        for line in estimate_lines(jobs, args.hardware):
            print(line)
    return 0


def _sweep_status(args: argparse.Namespace, overrides: list[str]) -> int:
    """The state of the grid in the workdir, from its plan.json (any machine, any time)."""
    from jaxstilts.config import load_config
    from jaxstilts.sweep.plan import read_plan
    from jaxstilts.sweep.status import status_lines

    workdir = args.workdir or f"runs/{load_config(args.config, overrides).name}"
    for line in status_lines(read_plan(workdir), workdir):
        print(line)
    return 0


def cmd_job(args: argparse.Namespace, overrides: list[str]) -> int:
    """One job of a sweep's plan in this process (what launchers run): exit 0 when it is done,
    75 when preempted (it saved first), 1 when it failed (`jobs/<id>/failed.json`)."""
    from jaxstilts.config import ConfigError, apply_override

    for item in overrides:
        if not item.removeprefix("--config.").startswith("distributed."):
            raise ConfigError(f"override {item!r}: `jaxstilts job` takes distributed.* keys only "
                              "(the job's config is the plan's)")
    from jaxstilts.compile_cache import enable_compilation_cache
    from jaxstilts.experiment.setup import setup_distributed
    from jaxstilts.sweep.job import JobNotReady, find_job, one_line, run_job
    from jaxstilts.sweep.plan import read_plan
    from jaxstilts.train.preemption import Preempted
    from jaxstilts.workdir import WorkdirBusy

    jobs = read_plan(args.workdir)
    config = find_job(jobs, args.job).run_config()
    for item in overrides:
        apply_override(config, item, "command line")
    enable_compilation_cache()
    setup_distributed(config)
    try:
        record = run_job(args.workdir, args.job, jobs=jobs, progress=not args.quiet)
    except (Preempted, WorkdirBusy, JobNotReady, KeyboardInterrupt):
        raise
    except Exception as e:
        if args.verbose:
            raise
        print(f"jaxstilts job: {args.job} failed: {one_line(e)}", file=sys.stderr)
        return 1
    if "target" in record and "results" in record:
        _print_run(record, args.quiet)
    else:
        print(f"{args.job}: done (step {record.get('steps')})")
    return 0


def cmd_demo(args: argparse.Namespace, overrides: list[str]) -> int:
    """The whole method on the embedded data: baseline and STILTs, zero-shot on 7 languages;
    with several seeds (`sweep.seeds`), every figure is mean ± std over them."""
    from jaxstilts.config import load_config

    config = load_config("demo", overrides)  # before the heavy imports: a typo answers at once
    from jaxstilts.compile_cache import enable_compilation_cache
    from jaxstilts.report import write_report
    from jaxstilts.report.demo import demo_table, demo_verdict
    from jaxstilts.sweep.local import run_sweep
    from jaxstilts.workdir import hold

    enable_compilation_cache()
    with hold(args.workdir, "demo"):
        records = run_sweep(config, args.workdir, progress=not args.quiet,
                            allow_config_change=args.allow_config_change)
    for line in demo_table(records) + demo_verdict(records):
        print(line)
    paths = write_report(args.workdir)
    target = config.target.task
    heatmap = next((str(p) for n, p in paths.items() if n.endswith(f"heatmap_{target}_languages"
                                                                   ".png")),
                   paths.get("heatmap.png"))
    print(f"\nheatmap: {heatmap}\nreport:  {paths['report.md']}\n"
          f"TensorBoard: tensorboard --logdir {args.workdir}")
    return 0


def cmd_eval(args: argparse.Namespace, overrides: list[str]) -> int:
    config = _config(args, overrides)
    from jaxstilts.experiment.run import evaluate_workdir
    from jaxstilts.workdir import hold

    with hold(args.workdir, "eval"):
        _print_run(evaluate_workdir(config, args.workdir), args.quiet)
    return 0


def cmd_checklist(args: argparse.Namespace, overrides: list[str]) -> int:
    from jaxstilts.config import ConfigError
    from jaxstilts.experiment.run import checklist_workdir
    from jaxstilts.workdir import hold

    with hold(args.workdir, "checklist"):
        try:
            result = checklist_workdir(args.workdir, overrides)
        except ValueError as e:  # a template or configuration problem, said in one line
            raise ConfigError(str(e)) from None
    rates = result["failure_rate"]
    languages = sorted({lang for by_lang in rates.values() for lang in by_lang})
    print(f"MultiCheckList failure rate (%), {len(languages)} languages, mean over them:")
    for test, by_lang in rates.items():
        print(f"  {test:8s} {sum(by_lang.values()) / len(by_lang):5.1f}")
    print(f"files: {args.workdir}/eval/checklist.json, checklist_results_table.csv, checklist.png")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """The official scores as JSON; a folder holding no prediction file of any task of the
    benchmark is an error that says where such files are, never a `"score": null` success."""
    from pathlib import Path

    from jaxstilts.config import ConfigError
    from jaxstilts.evaluate.xtreme import score_folder

    scores = score_folder(args.predictions, args.labels, args.benchmark)
    if not scores["tasks"]:
        folder = Path(args.predictions)
        hint = "expected TASK/test-LANG.tsv|json files, e.g. xnli/test-de.tsv"
        if (folder / "eval" / "predictions").is_dir():
            hint = f"this is a run's workdir: its predictions are in {folder / 'eval/predictions'}"
        elif any(folder.glob("test-*")):
            hint = (f"this is one task's folder: pass its parent, --predictions {folder.parent}")
        raise ConfigError(f"--predictions {folder}: no prediction file of any {args.benchmark} "
                          f"task here ({hint})")
    print(json.dumps(scores, indent=2))
    if scores["missing_tasks"] or scores["incomplete_tasks"]:
        print(f"jaxstilts score: no overall score: {len(scores['missing_tasks'])} task(s) "
              f"without predictions, {len(scores['incomplete_tasks'])} with languages missing",
              file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from jaxstilts.report import write_report

    if (Path(args.sweep_dir) / "run.json").is_file():
        raise FileNotFoundError(f"{args.sweep_dir} is one run, not a sweep: its results are in "
                                f"{Path(args.sweep_dir) / 'eval' / 'results.md'} (report "
                                "compares the runs of a `jaxstilts sweep` workdir)")

    paths = write_report(args.sweep_dir, args.out)
    for name, path in paths.items():
        print(f"{name:20s} {path}")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from jaxstilts.convert import convert

    print(convert(args.source, args.dest, head=args.head, tokenizer=args.tokenizer))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from jaxstilts.config import ConfigError
    from jaxstilts.convert import inspect_workdir

    info = inspect_workdir(args.workdir)
    if not info["phases"]:
        raise ConfigError(f"{args.workdir}: no phase folder here (no done.json, checkpoints/ or "
                          "best/ in it or below); inspect takes a run's or a sweep's workdir")
    print(json.dumps(info, indent=2))
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    """Which local data files each task has under a folder; 1 if any is missing."""
    from pathlib import Path

    from jaxstilts.config import ConfigError
    from jaxstilts.tasks import task_names
    from jaxstilts.tasks.inventory import format_inventory, inventory, summarize_inventory

    if not Path(args.data_dir).is_dir():
        raise ConfigError(f"{args.data_dir}: no such folder (DATA_DIR is the folder a run's "
                          "--config.data.data_dir points at)")
    unknown = [t for t in args.task or () if t not in task_names()]
    if unknown:
        raise ConfigError(f"--task {', '.join(unknown)}: no such task; tasks: "
                          + ", ".join(sorted(task_names())))
    entries = inventory(Path(args.data_dir), args.task or None)
    print((format_inventory if args.task or args.files else summarize_inventory)(entries))
    return 0 if entries and all(e.ok for e in entries) else 1


def cmd_keys(args: argparse.Namespace) -> int:
    """Every experiment config key (or those under PREFIX): type, default, doc, allowed values,
    the phases that read it and its policies on resume and in sweeps."""
    from jaxstilts.config_schema import ConfigError, describe

    text = describe(args.prefix or "")
    if not text:
        raise ConfigError(f"{args.prefix}: no config key is or starts with it (`jaxstilts keys` "
                          "lists them all)")
    print(text)
    return 0


def cmd_bench(args: argparse.Namespace, overrides: list[str]) -> int:
    """Training step speed (and the PyTorch reference); JSON on stdout, optionally saved."""
    import importlib.util

    from jaxstilts.config import ConfigError

    if args.reference and importlib.util.find_spec("torch") is None:
        raise ConfigError("--reference pytorch needs PyTorch, which is not installed here: "
                          "pip install 'jaxstilts[test]' (the CPU build of torch), or leave out "
                          "--reference")
    from jaxstilts import bench
    from jaxstilts.config import apply_override, experiment_defaults
    from jaxstilts.config_schema import check_value
    from jaxstilts.model.config import MODEL_KEYS

    root = experiment_defaults()
    for item in overrides:
        key = item.removeprefix("--config.").split("=", 1)[0]
        if not key.startswith("model.") or key in ("model.pretrained", "model.preset",
                                                   "model.tokenizer"):
            raise ConfigError(f"override {item!r}: `jaxstilts bench` takes the model's compute "
                              "keys (`jaxstilts keys model`); its size is --preset, batch and "
                              "length its own flags")
        apply_override(root, item, "the experiment keys")
    for name in MODEL_KEYS:
        check_value(f"model.{name}", root.model[name])
    config = bench.BenchConfig(preset=args.preset, batch=args.batch, seq=args.seq,
                               steps=args.steps, warmup=args.warmup,
                               frozen_embeddings=args.frozen_embeddings,
                               **{name: root.model[name] for name in MODEL_KEYS})
    result = bench.run(config, reference=args.reference, evaluator=args.evaluator,
                       pipeline=args.pipeline, profile_dir=args.profile, save_folder=args.save,
                       aot=args.aot, layouts=args.compare_layouts)
    print(json.dumps(result, indent=2))
    return 0


VERBOSE_HELP = "log at INFO level; on an error, show the traceback"
CONFIG_HELP = ("a packaged config (tiny, demo, paper/stilts, paper/grid, ...) or the path of "
               "your own .py file with get_config(); FILE.py:ARG passes ARG to get_config "
               "(paper/stilts.py:mnli,xnli). Override any key after it with --config.KEY=VALUE, "
               "e.g. --config.target.steps=100 --config.data.data_dir=/data/xtreme")


def build_parser() -> argparse.ArgumentParser:
    from jaxstilts import __version__

    parser = argparse.ArgumentParser(prog="jaxstilts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    parser.add_argument("--version", action="version", version=f"jaxstilts {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # -v after the command too (errors recommend it); SUPPRESS keeps a -v given before it
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help=VERBOSE_HELP)

    def add_command(name: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[verbose], **kwargs)

    p = add_command("demo", help="start here: STILTs on the embedded data with a tiny model "
                       "(CPU, minutes)", usage="jaxstilts demo [--workdir DIR] [--quiet] "
                       "[--config.KEY=VALUE ...]",
                       description="Baseline and STILTs (intermediate demo_nli) on the "
                       "embedded demo data with a tiny model, scored zero-shot in 7 languages; "
                       "prints the table and writes a report with a heatmap. --config.KEY=VALUE "
                       "overrides the demo config.")
    p.add_argument("--workdir", default="runs/demo",
                   help="where runs, checkpoints and the report go (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="print only the results")
    p.add_argument("--allow-config-change", action="store_true",
                   help="continue a demo workdir made with other settings when the change only "
                   "adds work (more target steps, evaluation keys); logged in "
                   "config_changes.json")
    p.set_defaults(func=cmd_demo, takes_overrides=True)

    for name, func, text in (("run", cmd_run, "all phases of one experiment: [intermediate] -> "
                              "target -> zero-shot evaluation"),
                             ("sweep", cmd_sweep, "every intermediate x target run of a config's "
                              "sweep section, then the report"),
                             ("eval", cmd_eval, "evaluate a finished run's workdir again (other "
                              "languages, split, noise) from its checkpoints")):
        flags = "--workdir DIR" if name == "eval" else "[--workdir DIR] [--allow-config-change]"
        if name == "sweep":
            flags += (" [--plan [--hardware HW] | --status] [--launcher local|ray"
                      " [--ray-address ADDRESS]]")
        p = add_command(name, help=text, description=text[0].upper() + text[1:] + ".",
                           usage=f"jaxstilts {name} CONFIG {flags} [--quiet] "
                           "[--config.KEY=VALUE ...]")
        p.add_argument("config", help=CONFIG_HELP)
        if name == "eval":
            p.add_argument("--workdir", required=True, help="the workdir of a finished run "
                           "(holds run.json); local path or gs:// URL")
        else:
            p.add_argument("--workdir", help="local path or gs:// URL (default: runs/<config "
                           "name>); re-running on it resumes and skips finished phases")
            p.add_argument("--allow-config-change", action="store_true",
                           help="continue a workdir recorded with another config when the "
                           "change only adds work (more target steps, evaluation keys); the "
                           "change is logged in config_changes.json")
        p.add_argument("--quiet", action="store_true", help="print only the results")
        if name == "sweep":
            p.add_argument("--launcher", default="local", choices=["local", "ray"],
                           help="what runs the plan's jobs (default: %(default)s: one after "
                           "another in this process; ray: each job a Ray task on a Ray "
                           "cluster, as soon as what it waits for is done; needs `pip install "
                           "'jaxstilts[ray]'`)")
            p.add_argument("--ray-address", default=None, metavar="ADDRESS",
                           help="with --launcher ray: the cluster (HEAD_IP:PORT, or auto: the "
                           "one `ray start` made on this machine); default: $RAY_ADDRESS, else "
                           "a Ray cluster of this machine alone")
            p.add_argument("--plan", action="store_true", help="print the jobs, what each "
                           "waits for and which are done; runs nothing")
            p.add_argument("--hardware", choices=["h200", "tpu-v4-8"],
                           help="with --plan: the training's accelerator-hours on one of these "
                           "per job, from the benchmarks' measured step time")
            p.add_argument("--status", action="store_true", help="print the state of the grid "
                           "in --workdir (done, running, waiting, failed with each error, time "
                           "left); runs nothing")
        p.set_defaults(func=func, takes_overrides=True)

    p = add_command("job", help="one job of a sweep's plan (what launchers run)",
                    usage="jaxstilts job WORKDIR JOB_ID [--quiet] [--config.distributed.KEY=V]",
                    description="Run one job of the plan in a sweep's workdir (plan.json, "
                    "written by `jaxstilts sweep`): exit 0 when done, 75 when preempted (saved "
                    "first; run it again to resume), 1 when it failed (its one-line error in "
                    "WORKDIR/jobs/JOB_ID/failed.json).")
    p.add_argument("workdir", help="the sweep's workdir (holds plan.json)")
    p.add_argument("job", metavar="JOB_ID", help="the job's folder in the sweep, e.g. "
                   "intermediate/mnli or runs/mnli__xnli (`jaxstilts sweep --plan` lists them)")
    p.add_argument("--quiet", action="store_true", help="print only the result")
    p.set_defaults(func=cmd_job, takes_overrides=True)

    p = add_command("forward", help="forward pass of the embedded tiny model (smoke check)",
                       description="One forward pass over a sentence in each of 7 languages "
                       "(the embedded tiny model with random weights, or --model): prints the "
                       "model's shape, the tokens and each sentence's cosine to English.")
    p.add_argument("--model", help="a Hugging Face folder or hub id instead of the tiny model")
    p.add_argument("--seed", type=int, default=0, help="seed of the random tiny model")
    p.set_defaults(func=cmd_forward)

    p = add_command("score", help="score a predictions folder against labels (JSON)",
                       description="Score XTREME-format predictions as the official "
                       "evaluate.py does; JSON on stdout.")
    p.add_argument("--predictions", required=True, help="folder of <task>/test-<lang>.tsv|json "
                   "prediction files (as `run` writes under eval/predictions)")
    p.add_argument("--labels", required=True, help="folder of gold labels, same layout")
    p.add_argument("--benchmark", default="xtreme", choices=["xtreme", "xtreme-r"],
                   help="which benchmark's tasks and averages (default: %(default)s)")
    p.set_defaults(func=cmd_score)

    p = add_command("checklist", help="MultiCheckList (XTREME-R's behavioural QA tests, 50 "
                       "languages) on a finished span-QA run's head",
                       usage="jaxstilts checklist WORKDIR [--config.evaluate.checklist_cases=N] "
                       "[--config.evaluate.checklist_languages=en,de]")
    p.add_argument("workdir", help="the workdir of a finished run whose target is span QA "
                   "(xquad, mlqa, tydiqa); writes eval/checklist.json, .csv, .png")
    p.set_defaults(func=cmd_checklist, takes_overrides=True)

    p = add_command("report", help="tables, heatmaps and analyses of a sweep",
                       description="Tables, heatmaps and analyses (relatedness, resource "
                       "split, seeds) of a sweep's finished runs, written into a report folder; "
                       "prints the files written.")
    p.add_argument("sweep_dir", help="the workdir of a `jaxstilts sweep` (holds runs/)")
    p.add_argument("--out", default=None, help="report folder (default: SWEEP_DIR/report)")
    p.set_defaults(func=cmd_report)

    p = add_command("convert", help="HF folder <-> Orbax checkpoint (direction from SOURCE)",
                       description="A phase folder of a workdir (RUN/target) -> a Hugging Face "
                       "folder that transformers, `jaxstilts forward --model` and "
                       "model.pretrained load; or a Hugging Face folder -> a phase folder "
                       "(the encoder as Orbax step 0, for Python's restore_encoder). The "
                       "direction follows from SOURCE; DEST must be new or empty.")
    p.add_argument("source", help="a Hugging Face folder (config.json + weights) or a phase "
                   "folder of a workdir (e.g. RUN/target, holding checkpoints/)")
    p.add_argument("dest", help="a new or empty folder")
    p.add_argument("--head", default=None, choices=["classification", "tagging", "span",
                                                    "multiple_choice", "mlm"],
                   help="phase -> HF: the head to export with the encoder (default: none)")
    p.add_argument("--tokenizer", default=None, help="phase -> HF: tokenizer folder or hub id "
                   "to copy in (default: the one the run's config.json names)")
    p.set_defaults(func=cmd_convert)

    p = add_command("inspect", help="phases, steps, metrics and parameter digests (JSON)",
                       description="Every phase folder under a workdir: finished or not, "
                       "steps, validation scores and a digest of each checkpoint's parameters "
                       "(JSON); a folder with no phase is an error.")
    p.add_argument("workdir", help="a run's workdir or one phase folder")
    p.set_defaults(func=cmd_inspect)

    p = add_command("data", help="local data files per task and language: found, missing, "
                       "where to get them", description="Which local data files each task "
                       "(or --task) has under DATA_DIR, per language: found, missing, and "
                       "where to get them; exit code 1 if any is missing.")
    p.add_argument("data_dir", metavar="DATA_DIR",
                   help="the folder a run's --config.data.data_dir would point at")
    p.add_argument("--task", action="append",
                   help="only this task, each file listed (repeatable; default: a line per "
                   "task with local files)")
    p.add_argument("--files", action="store_true",
                   help="every task's files per split and language (the default with --task)")
    p.set_defaults(func=cmd_data)

    p = add_command("keys", help="every experiment config key: type, default, doc, checks, "
                    "phases, resume and sweep policy", description="Every --config.KEY an "
                    "experiment config has (or those under PREFIX, e.g. model or target.optim): "
                    "its type, default and doc, the values it takes, the phases that read it, "
                    "and what a change does on a recorded workdir and as a sweep axis.")
    p.add_argument("prefix", nargs="?", metavar="PREFIX", help="a key or a section")
    p.set_defaults(func=cmd_keys)

    p = add_command("bench", help="benchmark the training step (JSON output)",
                    usage="jaxstilts bench [--preset P] [--batch N] [--seq N] ... "
                    "[--config.model.KEY=VALUE ...]",
                    description="Training step speed; the model's compute settings are the "
                    "experiment's model keys (`jaxstilts keys model`), e.g. "
                    "--config.model.dtype=bfloat16 --config.model.attention_dropout=0.0 "
                    "--config.model.scan_layers=False.")
    p.add_argument("--preset", default="tiny",
                   help="model size: tiny | base | large | cpu-target (XLM-R vocab, 4x256)")
    p.add_argument("--batch", type=int, default=16, help="rows per step (default: %(default)s)")
    p.add_argument("--seq", type=int, default=128, help="tokens per row (default: %(default)s)")
    p.add_argument("--steps", type=int, default=10, help="timed steps (median reported)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (compilation)")
    p.add_argument("--frozen-embeddings", action="store_true",
                   help="keep the word embedding out of the optimizer update")
    p.add_argument("--aot", action="store_true",
                   help="only lower and compile the train step from abstract shapes (no "
                        "parameters made), scanned and unrolled layers, each in a fresh process")
    p.add_argument("--compare-layouts", action="store_true",
                   help="only step times of scanned and unrolled layers, alternated in pairs")
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
    p.set_defaults(func=cmd_bench, takes_overrides=True)
    return parser


# Errors that are the user's to fix (input, data, workdir, environment): one line, exit 2. By
# module and class name, so that answering them imports nothing (a module that is not loaded
# raised none of its errors). OSError covers files, permissions and a full disk.
USER_ERRORS = {
    "jaxstilts.config_schema": ("ConfigError",),
    "jaxstilts.workdir": ("ConfigChanged", "WorkdirBusy"),
    "jaxstilts.train.checkpoint": ("NoRestorableCheckpoint",),
    "jaxstilts.train.loop": ("TrainingDiverged",),
    "jaxstilts.tasks.problems": ("DataError",),
    "jaxstilts.tasks.hub": ("SourceUnavailable",),
    "jaxstilts.evaluate.metrics.errors": ("ScoringError",),
    "jaxstilts.sweep.job": ("JobNotReady",),
    "jaxstilts.sweep.local": ("SweepFailed",),
}


def _is_user_error(e: BaseException) -> bool:
    classes = tuple(getattr(sys.modules[module], name) for module, names in USER_ERRORS.items()
                    if module in sys.modules for name in names)
    return isinstance(e, (OSError, *classes))


def _drop_closed_loop_reports(previous):
    """A checkpoint write that fails (a full disk) makes Orbax close its event loop while
    TensorStore still completes the other writes; each completion then reports "Event loop is
    closed" as an unraisable exception, dozens of tracebacks before the command's own one
    line (`CheckpointNotWritten`). The hook returned drops those reports and passes the rest
    to `previous` (-v keeps them all)."""

    def hook(unraisable) -> None:
        value = unraisable.exc_value
        if not (isinstance(value, RuntimeError) and str(value) == "Event loop is closed"):
            previous(unraisable)

    return hook


def _override_hints(overrides: list[str], unknown: list[str]) -> str | None:
    """What to type instead of `--config.KEY VALUE` (a space for the `=`)."""
    for item in overrides:
        if "=" not in item:
            after = unknown[0] if unknown else "VALUE"
            return f"{item} takes its value after '=': {item}={after}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    overrides = [r for r in rest if r.startswith("--config.")]
    unknown = [r for r in rest if not r.startswith("--config.")]
    if hint := _override_hints(overrides, unknown):
        parser.error(hint)
    if unknown or (overrides and not getattr(args, "takes_overrides", False)):
        parser.error(f"unrecognized arguments: {' '.join(unknown or overrides)}")
    from jaxstilts.logs import setup_logging

    setup_logging(verbose=args.verbose, quiet=getattr(args, "quiet", False))
    unraisable = sys.unraisablehook
    if not args.verbose:
        sys.unraisablehook = _drop_closed_loop_reports(unraisable)
    try:
        if getattr(args, "takes_overrides", False):
            return args.func(args, overrides)
        return args.func(args)
    except KeyboardInterrupt:  # training itself saves on Ctrl-C (Preempted, below)
        if args.verbose:
            raise
        print(f"jaxstilts {args.command}: interrupted (Ctrl-C); finished phases are kept: run "
              "the same command again to go on", file=sys.stderr)
        return 130
    except Exception as e:
        preemption = sys.modules.get("jaxstilts.train.preemption")
        if preemption is not None and isinstance(e, preemption.Preempted):
            if args.verbose:  # saved and said (the train loop's notice); a re-run resumes
                raise
            return preemption.EXIT_CODE
        if args.verbose or not _is_user_error(e):
            raise
        text = " ".join(str(e.args[0] if isinstance(e, KeyError) and e.args else e).split())
        print(f"jaxstilts {args.command}: {text}", file=sys.stderr)
        return 2
    finally:
        sys.unraisablehook = unraisable


if __name__ == "__main__":
    sys.exit(main())
