"""A sweep: a grid of experiments (`grid`: its runs) as a plan of phase jobs (`plan`), one job
run in a process (`job`), the local launcher (`local`) and a grid's state (`status`)."""

from jaxstilts.sweep.grid import sweep_configs
from jaxstilts.sweep.job import run_job
from jaxstilts.sweep.local import SweepFailed, run_sweep
from jaxstilts.sweep.plan import Job, job_state, plan_sweep, read_plan

__all__ = ["Job", "SweepFailed", "job_state", "plan_sweep", "read_plan", "run_job", "run_sweep",
           "sweep_configs"]
