"""The local launcher's grid, run once per session for every test that reads it."""

import pytest

from .local_sweep import interrupted_local_sweep


@pytest.fixture(scope="session")
def sweep(tmp_path_factory):
    """(workdir, the runs finished before the kill with their run.json mtimes, the resumed
    sweep's output, the jobs done before the kill)."""
    return interrupted_local_sweep(tmp_path_factory)
