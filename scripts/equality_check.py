"""A refactor changes no result: two checkouts make the same files and parameter digests.

    python scripts/equality_check.py make OLD_TREE /tmp/eq/old
    python scripts/equality_check.py make NEW_TREE /tmp/eq/new
    python scripts/equality_check.py compare /tmp/eq/old /tmp/eq/new

`make` runs, with the code of TREE (put first on PYTHONPATH), the tiny run, a seeded sweep over
the official-format fixtures (2 intermediate tasks and the baseline × 2 targets × 2 seeds) and
one fixture experiment for a target of every kind (tagging, span QA, multiple choice with its
preparatory stage, retrieval with and without training), then writes `inspect.json` (every
checkpoint's parameter digest) beside each. `compare` compares every text file the runs wrote,
byte for byte after removing what differs between any two runs (timings, the output and
checkout paths, the environment record, lock files), and the digests; it exits 1 on any
difference and lists them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

FIXTURE_SWEEP = "tests/pipeline/sweep_config.py"
EXPERIMENTS = {  # name -> jaxstilts arguments (a workdir is appended)
    "tiny": ["run", "tiny"],
    "sweep": ["sweep", FIXTURE_SWEEP, "--config.sweep.seeds=0,1"],
    **{f"kinds-{lang}": ["sweep", FIXTURE_SWEEP, "--config.sweep.intermediate=mnli",
                         "--config.sweep.baseline=False", f"--config.evaluate.languages={lang}",
                         f"--config.sweep.targets={targets}", *extra]
       for lang, targets, *extra in (
           ("de", "udpos,panx,xquad,bucc2018,tatoeba,mewslix,lareqa"),
           ("zh", "xcopa", "--config.target.batch_size=1"),  # COPA's fixture: one English row
           ("ar", "tydiqa"))},
}
CLI = [sys.executable, "-c", "import sys; from jaxstilts.cli import main; sys.exit(main())"]
SKIPPED_NAMES = {"environment.json", ".jaxstilts.lock"}
TEXT_SUFFIXES = {".json", ".md", ".csv", ".tsv", ".txt", ".jsonl"}
VOLATILE_KEYS = re.compile(r'"(seconds|wall_s|time|started|finished|elapsed\w*|\w*_time|'
                           r'\w*_seconds|steps_per_s|examples_per_s|tokens_per_s)": [^,\n}]+')


def make(tree: Path, out: Path, only: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "tree.txt").write_text(str(tree))  # fixture paths in config.json name the checkout
    for name, args in EXPERIMENTS.items():
        if only and name not in only:
            continue
        workdir = out / name
        command = [*CLI, *args, "--workdir", str(workdir),
                   "--quiet"]
        print("+", " ".join(command), flush=True)
        subprocess.run(command, cwd=tree, env=env, check=True)
        digests = subprocess.run([*CLI, "inspect", str(workdir)],
                                 cwd=tree, env=env, check=True, capture_output=True, text=True)
        (out / f"{name}.inspect.json").write_text(digests.stdout)


def _normalized(path: Path, root: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    text = text.replace(str(root.resolve()), "<OUT>").replace(str(root), "<OUT>")
    tree = root / "tree.txt"
    if tree.exists():
        text = text.replace(tree.read_text(), "<TREE>")
    return VOLATILE_KEYS.sub(lambda m: f'"{m.group(1)}": <volatile>', text)


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix in TEXT_SUFFIXES and p.name not in SKIPPED_NAMES
            and "checkpoints" not in p.parts and "best" not in p.parts}


def compare(a: Path, b: Path) -> int:
    fa, fb = _files(a), _files(b)
    problems = [f"only in {a}: {k}" for k in sorted(fa.keys() - fb.keys())]
    problems += [f"only in {b}: {k}" for k in sorted(fb.keys() - fa.keys())]
    same = 0
    for key in sorted(fa.keys() & fb.keys()):
        if _normalized(fa[key], a) == _normalized(fb[key], b):
            same += 1
        else:
            problems.append(f"differs: {key}")
    digests = 0
    for key in sorted(k for k in fa.keys() & fb.keys() if k.endswith(".inspect.json")):
        phases = json.loads(fa[key].read_text())["phases"]
        digests += sum(len(p.get(w, {})) for p in phases.values() for w in ("checkpoints", "best"))
    print(f"{same} files equal (of {len(fa)} and {len(fb)}); {digests} checkpoint digests in "
          "the inspect files")
    for p in problems:
        print(p)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make", help="run the experiments with the code of TREE")
    m.add_argument("tree", type=Path)
    m.add_argument("out", type=Path)
    m.add_argument("--only", action="append", choices=sorted(EXPERIMENTS), default=[])
    c = sub.add_parser("compare", help="compare two `make` outputs")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "make":
        make(args.tree.resolve(), args.out.resolve(), args.only)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
