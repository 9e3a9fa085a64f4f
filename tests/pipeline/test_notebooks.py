"""The quickstart notebook runs top to bottom on CPU; the TPU notebook is valid Python calling
the package (it cannot run here: no TPU, no hub)."""

import ast
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

COLAB = Path(__file__).resolve().parents[2] / "colab"


def test_quickstart_notebook_executes(tmp_path):
    nb = nbformat.read(COLAB / "quickstart.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert re.search(r"baseline__demo_xnli\s+accuracy \d+\.\d", text)
    assert re.search(r"demo_nli__demo_xnli\s+accuracy \d+\.\d", text)
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
