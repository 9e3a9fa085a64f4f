"""Paths that work alike for local folders and `gs://` URLs.

A leaf module (floor 0) so that training's checkpoints, the workdir and the experiment modules
all read paths one way without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path

from etils import epath


def abs_path(p: str | Path) -> epath.Path:
    """Local paths (made absolute, as Orbax requires) and gs:// URLs alike (etils epath)."""
    text = str(p)
    return epath.Path(text if "://" in text else os.path.abspath(text))
