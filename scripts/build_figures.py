"""Rebuild every figure of the README (docs/figures/) from the command that makes it.

Each figure is a report's own PNG, copied from the workdir of its command; the command runs
first (finished runs are skipped, so a re-run with the same --workdir only redraws). Run from
the repository root:

    python scripts/build_figures.py [--workdir DIR] [--only NAME ...]

The README quotes each figure's command from FIGURES below; tests/test_figures.py checks that
every figure the README shows is built here.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class Figure(NamedTuple):
    name: str  # file in docs/figures/
    command: tuple[str, ...]  # jaxstilts arguments; {work} is this figure's workdir
    report_png: str  # the PNG under that workdir that becomes the figure


FIGURES = (
    Figure("demo_heatmap.png", ("demo", "--workdir", "{work}"),
           "report/heatmap_demo_xnli_languages.png"),
    Figure("target_size.png", ("sweep", "studies/target_size.py", "--workdir", "{work}"),
           "report/target_size_demo_xnli.png"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="runs/figures",
                        help="parent of the commands' workdirs (default: runs/figures)")
    parser.add_argument("--only", nargs="+", choices=[f.name for f in FIGURES],
                        help="build only these figures")
    args = parser.parse_args(argv)
    out = ROOT / "docs" / "figures"
    out.mkdir(parents=True, exist_ok=True)
    for figure in FIGURES:
        if args.only and figure.name not in args.only:
            continue
        work = Path(args.workdir) / Path(figure.name).stem
        command = [a.replace("{work}", str(work)) for a in figure.command]
        print(f"{figure.name}: jaxstilts {' '.join(command)}", flush=True)
        start = time.monotonic()
        done = subprocess.run([sys.executable, "-c", "import sys; from jaxstilts.cli import main; "
                               "sys.exit(main())",
                               *command, "--quiet"])
        if done.returncode:
            print(f"{figure.name}: the command failed (exit {done.returncode})", file=sys.stderr)
            return done.returncode
        source = work / figure.report_png
        if not source.exists():
            print(f"{figure.name}: {source} was not written", file=sys.stderr)
            return 1
        shutil.copyfile(source, out / figure.name)
        print(f"{figure.name}: written ({time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
