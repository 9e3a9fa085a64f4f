"""Writes colab/quickstart.ipynb and colab/tpu_xlmr_large.ipynb (run after editing the cells).

    python colab/build_notebooks.py
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

# Where the notebooks install jaxstilts from: the one place to change once the project is
# published (then the pip requirement `jaxstilts`). There is no public release or URL yet, so
# the default is a wheel uploaded to the runtime; a git URL of a reachable clone works as well.
SOURCE = ""

INSTALL = f"""\
# Install jaxstilts unless it is already importable. There is no published release yet: upload a
# wheel (`python -m build --wheel` in a checkout) to the runtime's working folder, or set SOURCE
# to any pip requirement you can reach, e.g. "git+https://github.com/<you>/jaxstilts".
SOURCE = {SOURCE!r}
import glob, importlib.util, subprocess, sys
if importlib.util.find_spec("jaxstilts") is None:
    wheels = sorted(glob.glob("jaxstilts-*.whl") + glob.glob("/content/jaxstilts-*.whl"))
    requirement = SOURCE or (wheels[-1] if wheels else None)
    if requirement is None:
        raise SystemExit("jaxstilts is not installed: upload a jaxstilts-*.whl here, or set "
                         "SOURCE to a pip requirement (a git URL of your clone), then re-run")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", requirement], check=True)"""

# The TPU notebook sizes the run from the devices it finds: each device takes at most this many
# rows of XLM-R Large per step (bfloat16, up to 384 tokens; a v2 core has 8 GB), and gradient
# accumulation keeps the paper's global batch whatever the device count.
SIZING = """\
import jax

ROWS_PER_DEVICE = 4


def sized_overrides(n_devices, batches):
    \"\"\"--config overrides that keep each phase's global batch (`batches`: phase -> rows) on
    `n_devices`: rows per step a multiple of the device count, the rest accumulated.\"\"\"
    out = ['--config.mesh.data=-1', '--config.mesh.fsdp=1', '--config.mesh.tensor=1']
    for phase, batch in batches.items():
        if batch % n_devices:
            raise SystemExit(f'{phase}: a batch of {batch} does not split over {n_devices} '
                             'devices; pick a batch size that does')
        per_step = min(batch, max(n_devices, ROWS_PER_DEVICE * n_devices))
        while batch % per_step:
            per_step -= n_devices
        out += [f'--config.{phase}.batch_size={per_step}',
                f'--config.{phase}.optim.accumulation_steps={batch // per_step}']
    return out


devices = jax.devices()
print(len(devices), 'x', devices[0].device_kind)"""

QUICKSTART = [
    new_markdown_cell(
        "# jaxstilts quickstart (CPU runtime)\n\n"
        "English intermediate-task training (STILTs) for zero-shot cross-lingual transfer, end "
        "to end: the same runs and table as `jaxstilts demo`, on the embedded demo data with "
        "the packaged tiny XLM-R (2 layers, pretrained by masked-LM on multilingual text). Runs "
        "on a CPU runtime in a few minutes. The real experiments use the same calls with "
        "packaged `paper/...` configs (see the TPU notebook)."),
    new_code_cell(INSTALL),
    new_markdown_cell("## 1. A config\n\nExperiments are `ml_collections` configs; overrides "
                      "are checked against the config's keys and types. `demo`: a target with "
                      "100 English training pairs (`demo_xnli`), a related intermediate task "
                      "(`demo_nli`: the target's decision on other English sentences) and an "
                      "unrelated one (`demo_sst`: sentiment), five seeds each."),
    new_code_cell(
        "from jaxstilts.config import load_config\n\n"
        "CONFIG = 'demo'  # or 'tiny': one seed, no unrelated task (a quicker smoke run)\n"
        "config = load_config(CONFIG)\n"
        "print(config.sweep.intermediate, '->', config.target.task, "
        "'| seeds:', config.sweep.seeds)"),
    new_markdown_cell("## 2. Baseline and STILTs\n\nA sweep runs the baseline (pretrained → "
                      "target) and STILTs (pretrained → intermediate → target) for every seed, "
                      "each evaluated zero-shot on every language of the target. Finished runs "
                      "are skipped when it is run again."),
    new_code_cell(
        "import tempfile\nfrom jaxstilts.sweep import run_sweep\n\n"
        "workdir = tempfile.mkdtemp(prefix='jaxstilts-')\n"
        "records = run_sweep(config, workdir)\n"
        "for r in records:\n"
        "    print(f\"{r['name']:32s} {r['metric']} {r['score']:.1f}\")"),
    new_markdown_cell(
        "## 3. The demo's table and verdict\n\nThe table is what `jaxstilts demo` prints: "
        "zero-shot accuracy per language (the model saw English training data only), mean ± "
        "std over the seeds; `others` is the mean over the languages other than English; the "
        "gains are over the baseline of the same seed, on English and on `others`, with a "
        "paired t-test over seeds (`beyond spread`: p < 0.05). The verdict says whether the "
        "paper's effect showed: the related task's gain on `others` is positive, beyond the "
        "seed spread, and above the unrelated task's. It is computed from these runs."),
    new_code_cell(
        "from IPython.display import Markdown, display\n"
        "from jaxstilts.report.demo import demo_table, demo_verdict\n\n"
        "display(Markdown('\\n'.join(demo_table(records))))\n"
        "for line in demo_verdict(records):\n"
        "    print(line.strip())"),
    new_markdown_cell("## 4. Report and heatmap\n\nThe report's tables and the heatmap of "
                      "the gain per language (its `others` column is the same figure)."),
    new_code_cell(
        "from IPython.display import Image\n"
        "from jaxstilts.report import write_report\n\n"
        "paths = write_report(workdir)\n"
        "display(Markdown(paths['gains.md'].read_text()))\n"
        "target = config.target.task\n"
        "display(Image(filename=str(paths[f'heatmap_{target}_languages.png'])))"),
]

TPU = [
    new_markdown_cell(
        "# STILTs with XLM-R Large on a TPU runtime\n\n"
        "The paper's protocol on real data: XLM-R Large → an English intermediate task → the "
        "English data of an XTREME task → zero-shot evaluation in every language. Needs a TPU "
        "runtime (any size: the run is sized from the devices found), a Hugging Face account "
        "(the hub datasets and model) and, for long runs, a Cloud Storage bucket so that "
        "checkpoints survive a disconnect."),
    new_code_cell(INSTALL + "\n"
                  "subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', "
                  "'jax[tpu]'], check=True)"),
    new_markdown_cell("## Size the run from the devices\n\nThe paper's global batch (32; 16 "
                      "with QA) is kept on any number of devices: each takes a few rows per "
                      "step and gradient accumulation makes up the rest."),
    new_code_cell(SIZING),
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
        "from jaxstilts.config import load_config\nfrom jaxstilts.experiment import "
        "run_experiment\n\n"
        "base = load_config('paper/stilts.py:mnli,xnli')\n"
        "overrides = sized_overrides(len(devices), {p: base[p].batch_size\n"
        "                                           for p in ('intermediate', 'target')})\n"
        "print(overrides)\n"
        "config = load_config('paper/stilts.py:mnli,xnli', overrides)\n"
        "record = run_experiment(config, f'{WORKDIR}/runs/{config.name}', progress=True)\n"
        "print(record['name'], record['score'])"),
    new_markdown_cell("## The whole grid and its report\n\nNine intermediate tasks plus "
                      "multi-task, nine targets and the baseline: many TPU-days; run it in "
                      "pieces, it resumes."),
    new_code_cell(
        "from jaxstilts.sweep import run_sweep\nfrom jaxstilts.report import write_report\n\n"
        "grid_base = load_config('paper/grid.py')\n"
        "grid = load_config('paper/grid.py', sized_overrides(\n"
        "    len(devices), {p: grid_base[p].batch_size for p in ('intermediate', 'target')}))\n"
        "run_sweep(grid, f'{WORKDIR}/grid', progress=True)\n"
        "paths = write_report(f'{WORKDIR}/grid')\n"
        "from IPython.display import Image, Markdown, display\n"
        "display(Markdown(paths['deltas.md'].read_text()))\n"
        "display(Image(filename=str(paths['heatmap.png'])))"),
]


def write(cells, name):
    for i, cell in enumerate(cells):  # stable ids: a rebuild changes only what changed
        cell.id = f"cell-{i}"
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write(QUICKSTART, "quickstart.ipynb")
    write(TPU, "tpu_xlmr_large.ipynb")
