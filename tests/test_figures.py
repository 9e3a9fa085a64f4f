"""Every figure the README shows is rebuilt from its command by scripts/build_figures.py, and
docs/figures/ holds nothing else (issue 26: a README figure that its command no longer makes)."""

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_readme_figure_is_built_by_the_figure_script_from_its_quoted_command():
    script = ROOT / "scripts" / "build_figures.py"
    spec = importlib.util.spec_from_file_location("build_figures", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = {f.name: f for f in module.FIGURES}
    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(r"\]\(docs/figures/([^)]+)\)", readme))
    assert shown == set(built) == {p.name for p in (ROOT / "docs/figures").iterdir()}
    for figure in built.values():  # the README quotes the command next to its figure
        words = [w for w in figure.command if not w.startswith("-") and "{work}" not in w]
        assert f"jaxstilts {' '.join(words)}" in readme, figure.name
