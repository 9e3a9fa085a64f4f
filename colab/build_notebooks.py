"""Writes colab/quickstart.ipynb and colab/tpu_xlmr_large.ipynb (run after editing the cells).

    python colab/build_notebooks.py
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

INSTALL = """\
# Install jaxstilts unless it is already importable (e.g. a local checkout with `pip install -e .`).
import importlib.util, subprocess, sys
if importlib.util.find_spec("jaxstilts") is None:
    subprocess.run(["git", "clone", "-q", REPO_URL, "jaxstilts"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "jaxstilts"], check=True)
    sys.path.insert(0, "jaxstilts")"""

QUICKSTART = [
    new_markdown_cell(
        "# jaxstilts quickstart (CPU runtime)\n\n"
        "English intermediate-task training (STILTs) for zero-shot cross-lingual transfer, end "
        "to end, on the embedded demo data with a tiny randomly initialised XLM-R. Runs on a CPU "
        "runtime in about a minute. The real experiments use the same calls with "
        "packaged `paper/...` configs (see the TPU notebook)."),
    new_code_cell('REPO_URL = "https://github.com/YOUR-ORG/jaxstilts"  # your clone of the '
                  'project\n' + INSTALL),
    new_markdown_cell("## 1. A config\n\nExperiments are `ml_collections` configs; overrides "
                      "are checked against the config's keys and types."),
    new_code_cell(
        "from jaxstilts.config import load_config\n\n"
        "config = load_config('tiny', ['--config.intermediate.steps=24', "
        "'--config.target.steps=24'])\n"
        "print(config.intermediate.tasks, '->', config.target.task, "
        "'| languages:', config.evaluate.languages)"),
    new_markdown_cell("## 2. Baseline and STILTs\n\nA sweep runs the baseline (pretrained → "
                      "target) and STILTs (pretrained → intermediate → target), each evaluated "
                      "zero-shot on every configured language. Finished runs are skipped when "
                      "it is run again."),
    new_code_cell(
        "import tempfile\nfrom jaxstilts.pipeline import run_sweep\n\n"
        "workdir = tempfile.mkdtemp(prefix='jaxstilts-')\n"
        "records = run_sweep(config, workdir)\n"
        "for r in records:\n"
        "    print(f\"{r['name']:24s} {r['metric']} {r['score']:.1f}\")"),
    new_markdown_cell("## 3. Per-language results, report and heatmap"),
    new_code_cell(
        "target = config.target.task\n"
        "for r in records:\n"
        "    row = r['results'][target]\n"
        "    print(r['name'].ljust(24), '  '.join(f'{lang} {s[\"accuracy\"]:5.1f}' "
        "for lang, s in row.items()))"),
    new_code_cell(
        "from IPython.display import Image, Markdown, display\n"
        "from jaxstilts.report import write_report\n\n"
        "paths = write_report(workdir)\n"
        "display(Markdown(paths['deltas.md'].read_text()))\n"
        "display(Image(filename=str(paths['heatmap.png'])))"),
]

TPU = [
    new_markdown_cell(
        "# STILTs with XLM-R Large on a TPU runtime\n\n"
        "The paper's protocol on real data: XLM-R Large → an English intermediate task → the "
        "English data of an XTREME task → zero-shot evaluation in every language. Needs a TPU "
        "runtime (v2-8 or larger), a Hugging Face account (the hub datasets and model) and, for "
        "long runs, a Cloud Storage bucket so that checkpoints survive a disconnect."),
    new_code_cell('REPO_URL = "https://github.com/YOUR-ORG/jaxstilts"\n' + INSTALL + "\n"
                  "subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', "
                  "'jax[tpu]'], check=True)"),
    new_code_cell("import jax\nprint(jax.devices())  # expect 8 TPU cores"),
    new_markdown_cell("## Authenticate\n\nHugging Face (model and datasets) and, if the "
                      "workdir is on `gs://`, Google Cloud."),
    new_code_cell("from huggingface_hub import notebook_login\nnotebook_login()"),
    new_code_cell("from google.colab import auth\nauth.authenticate_user()\n"
                  "WORKDIR = 'gs://YOUR-BUCKET/stilts'  # or a local path"),
    new_markdown_cell("## Run one experiment\n\nMNLI as the intermediate task, XNLI as the "
                      "target; edit the argument for any cell of the paper's grid "
                      "(`baseline,pawsx`, `squad_v2,tatoeba`, `multi,xquad`, ...). A "
                      "disconnected run resumes from its last checkpoint when re-run."),
    new_code_cell(
        "from jaxstilts.config import load_config\nfrom jaxstilts.pipeline import "
        "run_experiment\n\n"
        "config = load_config('paper/stilts.py:mnli,xnli', ['--config.mesh.data=-1'])\n"
        "record = run_experiment(config, f'{WORKDIR}/runs/{config.name}', progress=True)\n"
        "print(record['name'], record['score'])"),
    new_markdown_cell("## The whole grid and its report\n\nNine intermediate tasks plus "
                      "multi-task, nine targets and the baseline: many TPU-days; run it in "
                      "pieces, it resumes."),
    new_code_cell(
        "from jaxstilts.pipeline import run_sweep\nfrom jaxstilts.report import write_report\n\n"
        "grid = load_config('paper/grid.py')\n"
        "run_sweep(grid, f'{WORKDIR}/grid', progress=True)\n"
        "paths = write_report(f'{WORKDIR}/grid')\n"
        "from IPython.display import Image, Markdown, display\n"
        "display(Markdown(paths['deltas.md'].read_text()))\n"
        "display(Image(filename=str(paths['heatmap.png'])))"),
]


def write(cells, name):
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write(QUICKSTART, "quickstart.ipynb")
    write(TPU, "tpu_xlmr_large.ipynb")
