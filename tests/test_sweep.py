"""Sweeps end to end: launchers agree run for run, failures are recorded, interrupted sweeps
resume without loss or duplication, tables rebuild, runs reproduce, experiments compose."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from sim import metrics
from sim.config import CONFIG_DIR, group_options
from sim.sweep.callback import sweep_points

REPO = Path(__file__).resolve().parent.parent
GRID = [
    "scenario=small",
    "steps=6",
    "governance=fragmented,collaborative",
    "sinking=none,need",
    "seed=range(0,2)",
]


def sweep(sweep_dir: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *args, f"hydra.sweep.dir={sweep_dir}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tables(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.read_parquet(sweep_dir / "runs.parquet").drop(columns=["runtime_s"]).sort_values("run")
    series = pd.read_parquet(sweep_dir / "timeseries.parquet").sort_values(["run", "step"])
    return runs.reset_index(drop=True), series.reset_index(drop=True)


@pytest.mark.slow
def test_one_table_per_sweep(serial):
    runs, series = tables(serial)
    assert len(runs) == 8 and (runs["status"] == "completed").all()
    assert set(runs["governance"]) == {"fragmented", "collaborative"} and set(runs["seed"]) == {0, 1}
    assert set(metrics.COLUMNS) <= set(runs.columns)
    assert len(series) == 8 * 7 and set(series["run"]) == set(runs["run"])
    # the same seeds for every condition (common random numbers)
    assert runs.groupby(["governance", "sinking"])["seed"].apply(sorted).map(tuple).nunique() == 1
    sweep_json = json.loads((serial / "sweep.json").read_text())
    assert sweep_json["total_runs"] == 8 and sweep_json["git"]["commit"] and "mesa" in sweep_json["packages"]
    assert (serial / "report.md").exists() and (serial / "figures" / "levels_by_condition.pdf").exists()


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["joblib", "ray"])
def test_launchers_give_identical_tables(serial, tmp_path, launcher):
    result = sweep(tmp_path, *GRID, f"hydra/launcher={launcher}")
    assert result.returncode == 0, result.stderr
    for ours, theirs in zip(tables(tmp_path), tables(serial)):
        pd.testing.assert_frame_equal(ours, theirs)


@pytest.mark.slow
def test_failing_run_is_recorded_and_others_kept(tmp_path):
    result = sweep(tmp_path, "scenario=small", "steps=4,-1", "seed=range(0,2)")
    assert result.returncode == 1, result.stderr  # after writing everything, a sweep with failures exits 1
    assert result.stderr.strip().splitlines()[-1].startswith("sweep failed: 2 of 4 runs failed (")
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    failed = runs[runs["status"] == "failed"]
    assert len(runs) == 4 and len(failed) == 2
    assert failed["error"].str.contains("steps").all()
    assert (runs.loc[runs["status"] == "completed", "participation_rate"].notna()).all()
    assert len(pd.read_parquet(tmp_path / "timeseries.parquet")) == 2 * 5


@pytest.mark.slow
def test_killed_sweep_resumes_without_loss_or_duplication(tmp_path):
    args = ["scenario=small", "steps=30", "governance=fragmented,zone,brand", "seed=range(0,4)"]
    cmd = [sys.executable, "-m", "sim", "-m", *args, f"hydra.sweep.dir={tmp_path}"]
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    progress = tmp_path / "progress.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and (not progress.exists() or len(progress.read_text().splitlines()) < 3):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = len(progress.read_text().splitlines())
    assert 3 <= first < 12, "the sweep should be killed midway"
    assert not (tmp_path / "runs.parquet").exists()

    result = sweep(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert len(runs) == 12 and runs["run"].is_unique and (runs["status"] == "completed").all()
    second = [json.loads(x) for x in progress.read_text().splitlines()[first:]]
    resumed = [e["run"] for e in second if e["resumed"]]
    assert len(resumed) >= 3 and len(second) == 12  # every run exactly once in the second session
    series = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert len(series) == 12 * 31 and not series.duplicated(["run", "step"]).any()


@pytest.mark.slow
def test_aggregate_rebuilds_and_reproduce_confirms(serial, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(serial, copy)
    (copy / "runs.parquet").unlink()
    (copy / "timeseries.parquet").unlink()
    out = subprocess.run(
        [sys.executable, "-m", "sim.sweep.aggregate", str(copy)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    for ours, theirs in zip(tables(copy), tables(serial)):
        pd.testing.assert_frame_equal(ours, theirs)

    run_dir = next(p for p in copy.iterdir() if (p / "summary.json").exists())
    ok = subprocess.run(
        [sys.executable, "-m", "sim.sweep.reproduce", str(run_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0 and "identical" in ok.stdout
    table = pd.read_parquet(run_dir / "timeseries.parquet")
    table.loc[3, "participation_rate"] += 1e-9
    table.to_parquet(run_dir / "timeseries.parquet", index=False)
    bad = subprocess.run(
        [sys.executable, "-m", "sim.sweep.reproduce", str(run_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1


@pytest.mark.parametrize(
    "experiment, runs",
    [
        ("mode_comparison", 200),
        ("sinking_policies", 1250),
        ("budget_response", 600),
        ("article_cases", 80),
        ("sensitivity", 90),
        ("sensitivity_sobol", 640),
        ("mechanism_effects", 55),
        ("structural_robustness", 240),
        ("reinforcement", 30),
        ("stacking", 138),
        ("building_forms", 20),
        ("zone_own_budget", 24),
    ],
)
def test_experiments_compose_with_their_documented_size(experiment, runs):
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=[f"+experiment={experiment}"], return_hydra_config=True)
    assert sweep_points(cfg) == runs
    assert str(cfg.hydra.sweep.dir) == f"results/{experiment}"
    assert f"{runs} runs" in (REPO / "experiments" / f"{experiment}.yaml").read_text()


@pytest.mark.slow
def test_an_experiment_runs_end_to_end(tmp_path):
    """The article-cases study, cut to 2 seeds and 4 weeks (4 subdistricts x 2 modes x 2 sinking
    policies): tables, figures and report."""
    result = sweep(
        tmp_path, "+experiment=article_cases", "steps=4", "seed=range(0,2)", "hydra/launcher=basic"
    )
    assert result.returncode == 0, result.stderr
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert len(runs) == 32 and set(runs["governance"]) == {"fragmented", "article"}
    report = (tmp_path / "report.md").read_text()
    assert "95% confidence interval" in report and (tmp_path / "figures" / "timeseries.png").exists()


@pytest.mark.parametrize(
    "launcher, target",
    [
        (None, "hydra_plugins.sim_launcher.basic_launcher.BasicLauncher"),  # the default
        ("basic", "hydra_plugins.sim_launcher.basic_launcher.BasicLauncher"),
        ("joblib", "hydra_plugins.sim_launcher.joblib_launcher.JoblibLauncher"),
        ("ray", "hydra_plugins.sim_launcher.ray_launcher.RayLauncher"),
        ("submitit_slurm", "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
    ],
)
def test_launchers_are_chosen_by_config_alone(launcher, target):
    """Each launcher composes from `hydra/launcher=NAME` (SLURM itself cannot run here)."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        chosen = [f"hydra/launcher={launcher}"] if launcher else []
        cfg = hydra_compose("config", overrides=chosen, return_hydra_config=True)
    assert cfg.hydra.launcher._target_ == target
    if launcher == "ray":
        assert cfg.hydra.launcher.ray.init._node_ip_address == "127.0.0.1"  # a local Ray stays on loopback


def test_sweeper_validates_one_job_per_group_choice_and_value_key(monkeypatch):
    """A grid of 4 scenarios x 5 shares x 10 seeds is checked by composing 4 jobs, not all 200: one
    per scenario, the first of which also checks both value keys; a list value is checked again."""
    from types import SimpleNamespace

    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper as HydraBasicSweeper

    from hydra_plugins.sim_sweeper.sweeper import BasicSweeper

    checked = []
    monkeypatch.setattr(
        HydraBasicSweeper, "validate_batch_is_legal", lambda self, batch: checked.extend(batch)
    )
    scenarios = group_options("scenario")[:4]
    batch = [
        [f"scenario={sc}", f"sinking.share={a / 10}", f"seed={s}"]
        for sc in scenarios
        for a in range(5)
        for s in range(10)
    ]
    sweeper = BasicSweeper(max_batch_size=None)
    repository = SimpleNamespace(group_exists={"scenario", "experiment"}.__contains__)
    sweeper.hydra_context = SimpleNamespace(config_loader=SimpleNamespace(repository=repository))
    sweeper.validate_batch_is_legal(batch)
    assert len(scenarios) == 4 and len(checked) == 4
    assert {job[0] for job in checked} == {f"scenario={sc}" for sc in scenarios}  # every choice composed
    checked.clear()
    sweeper.validate_batch_is_legal(
        [["seed=1"], ["seed=2"], ["seed=[1,2]"], ["+experiment=a"], ["+experiment=b"]]
    )
    assert checked == [["seed=1"], ["seed=[1,2]"], ["+experiment=a"], ["+experiment=b"]]


@pytest.mark.slow
def test_a_sweep_over_lists_writes_its_tables_and_pairs(tmp_path):
    """A swept list (governance.mechanisms=[],[zone_committees], as experiments/mechanism_effects
    does) fills one column of text in both tables, and the paired comparison finds its baseline
    (the sweep once failed with 'Length of values (0) does not match length of index')."""
    result = sweep(
        tmp_path,
        "scenario=small",
        "steps=3",
        "governance=fragmented",
        "governance.mechanisms=[],[zone_committees]",
        "seed=range(0,2)",
    )
    assert result.returncode == 0, result.stderr
    runs, series = tables(tmp_path)
    assert set(runs["governance.mechanisms"]) == {"[]", "['zone_committees']"}
    assert set(series["governance.mechanisms"]) == {"[]", "['zone_committees']"}
    command = [
        sys.executable,
        "-m",
        "sim.sweep.paired",
        str(tmp_path),
        "--against",
        "governance.mechanisms=[]",
    ]
    paired = subprocess.run(
        [*command, "--stat", "final"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert paired.returncode == 0, paired.stderr
    assert set(pd.read_parquet(tmp_path / "paired_final.parquet")["pairs"]) == {2}
    chosen = subprocess.run(
        [*command, "--outcomes", "demand_met,org_coverage"], cwd=REPO, capture_output=True, text=True
    )
    assert chosen.returncode == 0, chosen.stderr
    assert set(pd.read_parquet(tmp_path / "paired_late_mean.parquet")["outcome"]) == {
        "demand_met",
        "org_coverage",
    }
    bad = subprocess.run([*command, "--outcomes", "demand_mt"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "--outcomes: got 'demand_mt', allowed: outcomes" in bad.stderr


def test_jobs_go_to_workers_in_shrinking_batches_that_cover_them_in_order():
    """Guided self-scheduling: 100 jobs on 2 workers start in tasks of 16 (the cap) and end in single
    jobs, every job once and in order; a tiny sweep is one job a task."""
    from hydra_plugins.sim_launcher._jobs import MAX_BATCH, batches

    jobs = [(i, [f"seed={i}"]) for i in range(100)]
    plan = batches(jobs, 2)
    sizes = [len(b) for b in plan]
    assert [job for batch in plan for job in batch] == jobs
    assert sizes[0] == MAX_BATCH and sizes[-4:] == [1, 1, 1, 1]
    assert sizes == sorted(sizes, reverse=True) and len(plan) < 20
    assert [len(b) for b in batches(jobs[:3], 2)] == [1, 1, 1]


def test_without_the_cluster_extra_ray_is_refused_in_one_line_and_no_run_warns(tmp_path):
    """Hydra imports every launcher plugin at each start: without hydra-ray-launcher installed (simulated
    by blocking its import), a run prints no plugin warning, and asking for the Ray launcher names the
    extra to install, exit status 2, no run written."""
    block = (
        "import sys; sys.modules['hydra_plugins.hydra_ray_launcher'] = None; "
        "sys.modules['hydra_plugins.hydra_ray_launcher.ray_launcher'] = None; "
        "sys.argv = ['sim', *sys.argv[1:]]; from sim.cli import main; main()"
    )

    def run(*args):
        cmd = [sys.executable, "-c", block, *args, "scenario=small", "steps=1"]
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    plain = run(f"hydra.run.dir={tmp_path / 'one'}")
    assert plain.returncode == 0 and "Error importing" not in plain.stderr, plain.stderr
    ray = run("-m", "hydra/launcher=ray", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert ray.returncode == 2
    refusal = [line for line in ray.stderr.splitlines() if "config error" in line]
    assert refusal == [
        "config error: hydra/launcher: got 'ray', which needs the cluster extra (pip install -e '.[cluster]')"
    ]
    assert not list((tmp_path / "sweep").glob("*/summary.json"))
