"""A 2 × 2 sweep on the official-format fixtures: killed mid-way, resumed without redoing
finished runs; then `report`, `inspect` and `convert` on what it left."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .local_sweep import CONFIG, REPO, RUNS, jaxstilts

JOBS = ["runs/baseline__xnli", "runs/baseline__pawsx", "intermediate/mnli", "runs/mnli__xnli",
        "runs/mnli__pawsx", "intermediate/sst2", "runs/sst2__xnli", "runs/sst2__pawsx"]


def test_the_resumed_sweep_completes_without_redoing_finished_runs(sweep):
    workdir, finished, out, done = sweep
    assert sorted(p.parent.name for p in workdir.glob("runs/*/run.json")) == sorted(RUNS)
    for name, mtime in finished.items():
        assert (workdir / "runs" / name / "run.json").stat().st_mtime_ns == mtime, name
        assert f"{name} is finished; skipping" in out
    # Each job it starts is named with its place, the grid's counts and the time left (from
    # the measured times of the jobs the killed sweep finished).
    started = [line for line in out.splitlines() if f" of {len(JOBS)}: " in line]
    assert len(started) == len(JOBS) - done, out[-3000:]
    assert all("left for this and the rest" in line for line in started), started
    assert f"({done} done, 0 running, {len(JOBS) - done} waiting, 0 failed;" in started[0]
    # Each intermediate phase was trained once and shared by both targets.
    for inter in ("mnli", "sst2"):
        done = json.loads((workdir / "intermediate" / inter / "done.json").read_text())
        assert done["steps"] == 3
    record = json.loads((workdir / "runs" / "mnli__pawsx" / "run.json").read_text())
    assert set(record["results"]["pawsx"]) == {"en", "de", "zh"}
    assert 0 <= record["score"] <= 100
    assert (workdir / "runs" / "mnli__pawsx" / "eval" / "predictions" / "pawsx" /
            "test-de.tsv").exists()
    env = json.loads((workdir / "runs" / "mnli__pawsx" / "environment.json").read_text())
    assert env["libraries"]["jax"] and "git_revision" in env


def test_report_writes_tables_and_a_heatmap(sweep):
    from matplotlib.image import imread

    workdir, *_ = sweep
    report = workdir / "report"
    deltas = (report / "deltas.csv").read_text().splitlines()
    assert deltas[0].split(",")[:3] == ["intermediate", "xnli", "pawsx"]
    image = imread(report / "heatmap.png")
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 200


def test_inspect_lists_phases_steps_and_digests(sweep):
    workdir, *_ = sweep
    proc = jaxstilts("inspect", workdir)
    out = proc.communicate(timeout=300)[0]
    assert proc.returncode == 0, out[-3000:]
    info = json.loads(out[out.index("{"):])
    phase = info["phases"]["intermediate/mnli"]
    assert phase["done"] and phase["steps"] == 3
    digests = {s["params_digest"] for s in phase["checkpoints"].values()}
    assert len(digests) == len(phase["checkpoints"]) >= 2  # parameters change between steps


def test_convert_round_trip_between_orbax_and_hugging_face(sweep, tmp_path):
    import jax.numpy as jnp
    import numpy as np
    import torch
    import transformers

    from jaxstilts.convert import convert
    from jaxstilts.model import load_pretrained

    workdir, *_ = sweep
    target = workdir / "runs" / "mnli__xnli" / "target"
    convert(target, tmp_path / "hf", head="classification")
    hf = transformers.XLMRobertaForSequenceClassification.from_pretrained(tmp_path / "hf").eval()
    ours = load_pretrained(tmp_path / "hf", "classification")
    ids = np.array([[0, 100, 200, 300, 2, 1]], np.int32)
    mask = (ids != 1).astype(np.int32)
    with torch.no_grad():
        want = hf(input_ids=torch.tensor(ids, dtype=torch.long),
                  attention_mask=torch.tensor(mask)).logits.numpy()
    got = np.asarray(ours(jnp.asarray(ids), jnp.asarray(mask)))
    assert np.abs(got - want).max() < 1e-5
    # And back: the HF folder becomes a phase folder whose encoder a new phase can start from.
    convert(tmp_path / "hf", tmp_path / "orbax")
    from flax import nnx

    from jaxstilts.train.checkpoint import restore_encoder

    encoder = restore_encoder(tmp_path / "orbax", nnx.to_pure_dict(nnx.state(ours.encoder,
                                                                              nnx.Param)))
    np.testing.assert_array_equal(np.asarray(encoder["embeddings"]["word"]),
                                  np.asarray(ours.encoder.embeddings.word[...]))


def test_eval_rescores_a_finished_run_in_other_languages(sweep, tmp_path):
    from jaxstilts.experiment import evaluate_workdir

    from .sweep_config import get_config

    workdir, *_ = sweep
    config = get_config()
    config.target.task = "pawsx"
    config.evaluate.languages = ("en", "ja", "ko")
    run = tmp_path / "mnli__pawsx"  # a copy: the grid's files stay as the sweep left them
    shutil.copytree(workdir / "runs" / "mnli__pawsx", run)
    record = evaluate_workdir(config, run)
    assert set(record["results"]["pawsx"]) == {"en", "ja", "ko"}
    saved = json.loads((run / "run.json").read_text())
    assert saved["results"] == record["results"]
    # The workdir agrees with itself: eval/ holds this evaluation only (de and zh, which the
    # sweep's evaluation scored, are gone from every file), as run.json and config.json say.
    results = json.loads((run / "eval" / "results.json").read_text())
    assert results == record["results"]
    assert "| de (h)" not in (run / "eval" / "results.md").read_text()
    assert sorted(p.name for p in (run / "eval" / "predictions" / "pawsx").iterdir()) == [
        "test-en.tsv", "test-ja.tsv", "test-ko.tsv"]
    recorded = json.loads((run / "config.json").read_text())
    assert recorded["evaluate"]["languages"] == ["en", "ja", "ko"]


@pytest.mark.parametrize("override, message", [
    ("--config.sweep.axes=data.max_len=3|4", "unknown key 'data.max_len'"),
    ("--config.sweep.axes=data.max_length=64|long", "data.max_length takes an int, got str 'long'"),
    ("--config.sweep.axes=seed=1|2", "seed cannot be an axis (set sweep.seeds)"),
    ("--config.sweep.axes=target.task=xnli|pawsx", "target.task cannot be an axis"),
    ("--config.sweep.axes=data.max_length=64|64", "repeats the value '64'"),
    ("--config.sweep.axes=data.max_length=64|", "has an empty value"),
    ("--config.sweep.axes=data.max_length=64,128", "'128' is not KEY=VALUE|VALUE...; the values "
     "of one axis are separated by '|' (data.max_length=64|128), a comma separates axes"),
    ("--config.sweep.seeds=0,zero", "sweep.seeds: expected whole numbers"),
    ("--config.sweep.per_task=demo_xnli", "is not 'TASK: KEY=VALUE'"),
    ("--config.sweep.per_task=nope: target.epochs=3", "names no task 'nope'"),
    ("--config.sweep.per_task=demo_xnli: seed=3", "a task entry sets intermediate.*"),
    ("--config.sweep.per_task=demo_xnli: target.steps=x", "target.steps takes an int"),
])
def test_a_bad_axis_or_seed_is_one_line_before_any_compute(override, message, capsys, tmp_path):
    from jaxstilts.cli import main

    assert main(["sweep", "tiny", "--workdir", str(tmp_path / "w"), override]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "w" / "runs").exists()


def test_sweep_runs_cross_axes_and_seeds_and_share_intermediate_phases():
    from jaxstilts.config import load_config
    from jaxstilts.sweep.grid import sweep_runs

    config = load_config("tiny", ["--config.sweep.seeds=(0,1)", '--config.sweep.axes=('
                                  '"intermediate.optim.lr=1e-3|3e-3", "target.steps=4|8")'])
    runs = sweep_runs(config)
    # baseline: one per seed x target.steps (the intermediate lr does not reach it); demo_nli:
    # one per seed x lr x steps
    assert len(runs) == 2 * 2 + 2 * 2 * 2
    names = {r.name for r in runs}
    assert "baseline__demo_xnli__target.steps=8__seed=1" in names
    assert "demo_nli__demo_xnli__intermediate.optim.lr=3e-3__target.steps=4__seed=0" in names
    shared = {r.intermediate_name for r in runs if r.intermediate}
    assert shared == {f"demo_nli__intermediate.optim.lr={lr}__seed={s}"
                      for lr in ("1e-3", "3e-3") for s in (0, 1)}  # target.steps: shared
    run = next(r for r in runs if r.name.endswith("lr=3e-3__target.steps=4__seed=1"))
    c = run.config(config)
    assert (c.intermediate.optim.lr, c.target.steps, c.seed) == (3e-3, 4, 1)
    assert run.coordinates()["settings"] == {"intermediate.optim.lr": "3e-3", "target.steps": "4"}


def test_python_axes_and_per_task_settings_make_the_runs_of_the_string_form():
    from jaxstilts.config import ConfigError, load_config
    from jaxstilts.sweep.grid import sweep_configs

    written = load_config("tiny", [
        "--config.sweep.seeds=(0,1)",
        '--config.sweep.axes=("intermediate.max_length=32|64", "target.optim.lr=0.001|0.003")',
        '--config.sweep.per_task=("demo_xnli: target.epochs=2", "demo_nli: intermediate.'
        'batch_size=4")'])
    python = load_config("tiny", ["--config.sweep.seeds=(0,1)"])
    python.sweep.axes = {"intermediate.max_length": (32, 64), "target.optim.lr": (0.001, 0.003)}
    python.sweep.per_task = {"demo_xnli": {"target.epochs": 2.0},
                             "demo_nli": {"intermediate.batch_size": 4}}

    def runs(config):
        return [(run.name, run.intermediate_name, run.coordinates(),
                 {k: v for k, v in c.to_dict().items() if k != "sweep"})
                for run, c in sweep_configs(config)]

    assert runs(python) == runs(written)
    assert len(runs(python)) == 2 * (2 + 2 * 2)  # seeds x (baseline: lr; demo_nli: length x lr)
    python.sweep.axes = {"target.steps": 4}
    with pytest.raises(ConfigError, match="sweep.axes: target.steps takes a tuple of values"):
        sweep_configs(python)
    python.sweep.axes = {"target.steps": ("many",)}
    with pytest.raises(ConfigError, match="target.steps takes an int, got str 'many'"):
        sweep_configs(python)


@pytest.mark.parametrize("grid", ["paper/grid.py", "xtreme_r/grid.py"])
def test_every_grid_run_gets_the_settings_of_its_single_run_config(grid):
    from jaxstilts.config import load_config
    from jaxstilts.sweep.grid import sweep_configs

    config = load_config(grid)
    keys = ("intermediate.epochs", "intermediate.batch_size", "target.epochs",
            "target.batch_size", "target.prepare_epochs", "target.optim.lr", "data.max_length",
            "target.optim.accumulation_steps", "target.optim.warmup_fraction",
            "target.optim.weight_decay", "intermediate.optim.lr")

    def values(c):
        return {k: _get(c, k) for k in keys}

    checked = set()
    for run, run_config in sweep_configs(config):
        inter = "+".join(run.intermediate) or "baseline"
        single = load_config(f"paper/stilts.py:{inter},{run.target}")
        assert values(run_config) == values(single), run.name
        checked.add(run.target)
    assert checked == set(config.sweep.targets)


def _get(config, key):
    for part in key.split("."):
        config = config[part]
    return config


# The sweep as a plan of jobs (issue 22): each on a copy of the finished grid above, with the
# jobs under test removed, so that only they run again.

def _grid_without(workdir: Path, dest: Path, *jobs: str) -> Path:
    shutil.copytree(workdir, dest)
    for job in jobs:
        shutil.rmtree(dest / job)
    return dest


def _results(workdir: Path, run: str) -> dict:
    return json.loads((workdir / "runs" / run / "run.json").read_text())["results"]


def test_plan_and_status_show_jobs_dependencies_and_times(sweep, capsys):
    from jaxstilts.cli import main

    workdir, *_ = sweep
    assert main(["sweep", str(REPO / CONFIG), "--workdir", str(workdir), "--plan"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("8 jobs (2 intermediate phases, 0 preparatory stages, 6 runs): 8 done, "
                        "0 running, 0 waiting, 0 failed")
    assert [line.split()[1] for line in lines[1:]] == JOBS  # the local launcher's order
    assert "  done     runs/mnli__pawsx  [CPU=1]  after intermediate/mnli" in lines
    assert main(["sweep", str(REPO / CONFIG), "--workdir", str(workdir), "--status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "8 jobs: 8 done, 0 running, 0 waiting, 0 failed"
    assert all(line.split()[0] == "done" and line.endswith(" s)") for line in lines[1:]), lines


def test_plan_of_a_new_grid_runs_and_writes_nothing(tmp_path, capsys):
    from jaxstilts.cli import main

    assert main(["sweep", str(REPO / CONFIG), "--workdir", str(tmp_path / "new"), "--plan"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  ready    intermediate/sst2  [CPU=1]" in lines
    assert "  waiting  runs/sst2__xnli  [CPU=1]  after intermediate/sst2" in lines
    assert not (tmp_path / "new").exists()


def test_the_shared_intermediate_phase_is_trained_once(sweep, tmp_path, monkeypatch):
    from jaxstilts.experiment import phases
    from jaxstilts.sweep import run_sweep

    from .sweep_config import get_config

    workdir, *_ = sweep
    grid = _grid_without(workdir, tmp_path / "grid", "intermediate/mnli", "runs/mnli__xnli",
                         "runs/mnli__pawsx")
    trained, marked = [], []
    real_train, real_mark = phases.train, phases._mark_done

    def train(*args, **kwargs):
        result = real_train(*args, **kwargs)
        trained.append((Path(args[5]).relative_to(grid).as_posix(), result.final_step))
        return result

    def mark_done(folder, record):
        marked.append(Path(folder).relative_to(grid).as_posix())
        real_mark(folder, record)

    monkeypatch.setattr(phases, "train", train)
    monkeypatch.setattr(phases, "_mark_done", mark_done)
    records = run_sweep(get_config(), grid)
    assert [r["name"] for r in records] == RUNS
    assert trained == [("intermediate/mnli", 3), ("runs/mnli__xnli/target", 3),
                       ("runs/mnli__pawsx/target", 3)]
    assert marked == ["intermediate/mnli", "runs/mnli__xnli/target", "runs/mnli__xnli/eval",
                      "runs/mnli__pawsx/target", "runs/mnli__pawsx/eval"]
    assert json.loads((grid / "intermediate" / "mnli" / "done.json").read_text())["steps"] == 3
    # What the first sweep made, again (mnli__pawsx was evaluated again since, in other languages)
    assert _results(grid, "mnli__xnli") == _results(workdir, "mnli__xnli")


def test_two_processes_run_different_jobs_of_one_grid_at_once(sweep, tmp_path):
    from jaxstilts.sweep import run_job
    from jaxstilts.workdir import LOCK_NAME, WorkdirBusy

    workdir, *_ = sweep
    grid = _grid_without(workdir, tmp_path / "grid", "runs/mnli__xnli", "runs/sst2__pawsx")
    jobs = ["runs/mnli__xnli", "runs/sst2__pawsx"]
    procs = [jaxstilts("job", grid, job, "--quiet") for job in jobs]
    lock = grid / jobs[0] / LOCK_NAME
    deadline = time.time() + 300
    while not lock.exists() and procs[0].poll() is None and time.time() < deadline:
        time.sleep(0.02)
    with pytest.raises(WorkdirBusy, match=f"is in use by pid {procs[0].pid}"):
        run_job(grid, jobs[0])  # the same job again: refused at once, nothing done
    for proc in procs:
        out = proc.communicate(timeout=600)[0]
        assert proc.returncode == 0, out[-3000:]
    times = [json.loads((grid / "jobs" / job / "times.json").read_text()) for job in jobs]
    assert max(t["started"] for t in times) < min(t["finished"] for t in times)  # at once
    for job in jobs:
        assert _results(grid, job.removeprefix("runs/")) == _results(workdir,
                                                                     job.removeprefix("runs/"))
        assert not (grid / job / LOCK_NAME).exists()


def test_a_failed_job_is_listed_and_the_rest_of_the_grid_goes_on(sweep, tmp_path, capsys):
    from jaxstilts.cli import main

    workdir, *_ = sweep
    grid = _grid_without(workdir, tmp_path / "grid", "intermediate/mnli", "runs/mnli__xnli",
                         "runs/mnli__pawsx", "runs/sst2__pawsx")
    fails = "--config.sweep.per_task=mnli: intermediate.batch_size=64"  # 3 training rows
    proc = jaxstilts("sweep", CONFIG, "--workdir", grid, "--quiet", fails, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err[-3000:]
    # Said when it happened (the grid goes on), and in one line at the end; no traceback.
    assert "job intermediate/mnli failed: intermediate.batch_size=64" in err and (
        "Traceback" not in err)
    err = err.splitlines()[-1]
    assert err.startswith("jaxstilts sweep: 1 job(s) failed (intermediate/mnli: "
                          "intermediate.batch_size=64: task mnli has only 3 training rows;"), err
    assert "sst2__pawsx: accuracy averaged over languages" in out
    assert ("2 job(s) not run, as they wait on a failed one: runs/mnli__xnli, "
            "runs/mnli__pawsx;") in err
    assert _results(grid, "sst2__pawsx") == _results(workdir, "sst2__pawsx")  # ran after it
    assert main(["sweep", str(REPO / CONFIG), "--workdir", str(grid), "--status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("8 jobs: 5 done, 0 running, 0 waiting, 1 failed (2 more wait on a failed "
                        "job)")  # no time left: what remains waits for a retry
    assert "  failed   intermediate/mnli  intermediate.batch_size=64: task mnli has only 3 " \
           "training rows; lower --config.intermediate.batch_size or give the task more " \
           "data" in lines
    assert "  blocked  runs/mnli__pawsx  waits for intermediate/mnli" in lines
    # One job on its own, as a launcher runs it: what waits is refused, a failure exits 1.
    from jaxstilts.sweep import run_job
    from jaxstilts.sweep.job import JobNotReady

    with pytest.raises(JobNotReady, match="runs/mnli__xnli waits for intermediate/mnli, which "
                       "is failed"):
        run_job(grid, "runs/mnli__xnli")
    assert main(["job", str(grid), "intermediate/mnli"]) == 1
    error = ("intermediate.batch_size=64: task mnli has only 3 training rows; lower "
             "--config.intermediate.batch_size or give the task more data")
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"jaxstilts job: intermediate/mnli failed: {error}")
    failed = json.loads((grid / "jobs" / "intermediate" / "mnli" / "failed.json").read_text())
    assert failed["error"] == error and failed["type"] == "ConfigError"
