"""The quickstart notebook runs top to bottom on CPU; the TPU notebook is valid Python calling
the package (it cannot run here: no TPU, no hub)."""

import ast
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

COLAB = Path(__file__).resolve().parents[2] / "colab"


def test_quickstart_notebook_executes(tmp_path):
    """Top to bottom, on the `tiny` config (the demo's own five-seed sweep is `jaxstilts demo`'s
    to time): the runs, the demo's table and its verdict, the heatmap."""
    nb = nbformat.read(COLAB / "quickstart.ipynb", as_version=4)
    (config_cell,) = [c for c in nb.cells if "CONFIG = 'demo'" in c.source]
    config_cell.source = config_cell.source.replace("CONFIG = 'demo'", "CONFIG = 'tiny'")
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert re.search(r"baseline__demo_xnli\s+accuracy \d+\.\d", text)
    assert re.search(r"demo_nli__demo_xnli\s+accuracy \d+\.\d", text)
    assert re.search(r"^The paper's effect (shows|does NOT show) here", text, re.M)
    tables = "".join(o.data.get("text/markdown", "") for o in outputs
                     if o.output_type == "display_data")
    assert "Zero-shot score on demo_xnli" in tables and "| demo_nli (related) |" in tables
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert images, "the heatmap is displayed"


def test_tpu_notebook_cells_are_valid_python_calling_the_package():
    nb = nbformat.read(COLAB / "tpu_xlmr_large.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for source in code:
        ast.parse(source)
    joined = "\n".join(code)
    for call in ("load_config('paper/stilts.py:mnli,xnli'", "run_experiment(", "run_sweep(",
                 "write_report("):
        assert call in joined


def _code(name: str) -> list[str]:
    return [c.source for c in nbformat.read(COLAB / name, as_version=4).cells
            if c.cell_type == "code"]


def test_the_notebooks_install_from_one_stated_source_and_invent_no_url():
    installs = [next(s for s in _code(name) if "pip" in s and "SOURCE" in s)
                for name in ("quickstart.ipynb", "tpu_xlmr_large.ipynb")]
    assert installs[1].startswith(installs[0])  # the same cell (the TPU one adds jax[tpu])
    assert installs[0].count("SOURCE = ") == 1 and "YOUR-ORG" not in installs[0]
    assert "git clone" not in installs[0] and "raise SystemExit" in installs[0]
    builder = ast.parse((COLAB / "build_notebooks.py").read_text())
    assert [n.targets[0].id for n in builder.body if isinstance(n, ast.Assign)].count(
        "SOURCE") == 1  # set in one place, written into both notebooks


def test_the_tpu_notebook_sizes_the_run_from_the_devices_it_finds():
    from jaxstilts.config import load_config

    (cell,) = [s for s in _code("tpu_xlmr_large.ipynb") if "def sized_overrides" in s]
    namespace = {}
    exec(cell, namespace)  # defines sized_overrides; finds this machine's devices
    sized = namespace["sized_overrides"]
    batches = {"intermediate": 32, "target": 16}
    for devices, want in ((1, {"intermediate": (4, 8), "target": (4, 4)}),
                          (8, {"intermediate": (32, 1), "target": (16, 1)}),
                          (2, {"intermediate": (8, 4), "target": (8, 2)})):
        config = load_config("paper/stilts.py:mnli,xnli", sized(devices, batches))
        for phase, (rows, accumulate) in want.items():
            assert (config[phase].batch_size, config[phase].optim.accumulation_steps) == (
                rows, accumulate), (devices, phase)
            assert rows % devices == 0 and rows * accumulate == batches[phase]
    with pytest.raises(SystemExit, match="a batch of 16 does not split over 32 devices"):
        sized(32, batches)
