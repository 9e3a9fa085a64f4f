"""Run names: one rule shared by the experiment that writes a run and the report that reads it.

A leaf module (floor 0): the pipeline names its runs here instead of reaching up into the report.
"""

from __future__ import annotations

from collections.abc import Sequence

BASELINE = "baseline"  # the name of "no intermediate task"


def run_name(intermediate: Sequence[str], target: str) -> str:
    """`<a+b>__<target>`, or `baseline__<target>`: a run's name and its folder in a sweep."""
    return f"{'+'.join(intermediate) or BASELINE}__{target}"
