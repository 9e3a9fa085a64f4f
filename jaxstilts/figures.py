"""Drawing helpers shared by a run's own figures (MultiCheckList's heatmap) and the reports:
cell text, annotated heatmap cells, PNG writing (matplotlib is imported only by the callers)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def format_cell(value: float | int | str | None, signed: bool, digits: int = 1) -> str:
    """A table or heatmap cell: numbers to `digits` decimals (signed for deltas), missing as "–"."""
    if value is None:
        return "–"
    if isinstance(value, str | int):
        return str(value)
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def annotate_cells(ax: Any, data: Any, image: Any, signed: bool) -> None:
    """Each cell's value (n/a where missing), dark or light text by the cell's brightness."""
    for (i, j), value in _cells(data):
        if value is None:
            ax.text(j, i, "n/a", ha="center", va="center", fontsize=8, color="0.4")
            continue
        r, g, b, _ = image.cmap(image.norm(value))
        color = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"
        ax.text(j, i, format_cell(value, signed), ha="center", va="center", fontsize=9, color=color)


def _cells(data: Any) -> Iterable[tuple[tuple[int, int], float | None]]:
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            yield (i, j), None if data.mask[i, j] else float(data[i, j])


def save_png(fig: Any, path: Path, dpi: int = 150) -> bool:
    """`fig` laid out and written to `path` as PNG (via bytes, so that gs:// paths work too)."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    path.write_bytes(buffer.getvalue())
    return True
