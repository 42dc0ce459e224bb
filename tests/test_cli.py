"""`python -m sim` end to end: files, identical output for the same seed, failure records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import metrics

REPO = Path(__file__).resolve().parent.parent


def run_cli(run_dir: Path, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *overrides, f"hydra.run.dir={run_dir}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_single_run_writes_the_run_directory(tmp_path):
    out = run_cli(tmp_path / "a", "scenario=small", "governance=zone", "sinking=equal", "seed=3", "steps=10")
    assert out.returncode == 0, out.stderr
    run_dir = tmp_path / "a"
    table = pd.read_parquet(run_dir / "timeseries.parquet")
    assert list(table["step"]) == list(range(11))
    assert set(metrics.COLUMNS) <= set(table.columns)
    assert (table["governance"] == "zone").all() and (table["seed"] == 3).all()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and set(summary["final"]) == set(metrics.COLUMNS)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert {"seed", "config_hash", "git", "packages", "started", "finished"} <= set(manifest)
    assert manifest["config_hash"] == summary["config_hash"] and manifest["packages"]["mesa"].startswith(
        "3.3"
    )
    assert (run_dir / ".hydra" / "config.yaml").exists() and (run_dir / ".hydra" / "overrides.yaml").exists()
    assert "participation_rate" in out.stdout and "coupling_coordination" in out.stdout


@pytest.mark.slow
def test_same_seed_same_bytes_different_seed_different_results(tmp_path):
    args = ("scenario=small", "governance=collaborative", "sinking=performance", "steps=15")
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        assert run_cli(tmp_path / name, *args, f"seed={seed}").returncode == 0
    a, b, c = (pd.read_parquet(tmp_path / n / "timeseries.parquet") for n in "abc")
    pd.testing.assert_frame_equal(a, b)
    assert (tmp_path / "a" / "timeseries.parquet").read_bytes() == (
        tmp_path / "b" / "timeseries.parquet"
    ).read_bytes()
    assert not a[list(metrics.RATES)].equals(c[list(metrics.RATES)])


@pytest.mark.slow
def test_default_run(tmp_path):
    """The README's main job: nanjing_east, brand, need, 52 weeks, seed 0."""
    out = run_cli(tmp_path / "d")
    assert out.returncode == 0, out.stderr
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert (
        summary["scenario"],
        summary["governance"],
        summary["sinking"],
        summary["steps"],
        summary["seed"],
    ) == ("nanjing_east", "brand", "need", 52, 0)


def test_failing_run_is_recorded_and_not_complete(tmp_path, monkeypatch):
    """A run that raises leaves summary.json with status failed and no results that look complete."""
    from omegaconf import OmegaConf

    import sim.cli
    from sim.config import to_dict
    from sim.validate import compose

    def boom(*args, **kwargs):
        raise RuntimeError("deliberate failure")

    monkeypatch.setattr(sim.cli, "run", boom)
    cfg = OmegaConf.create(to_dict(compose(["scenario=small"])))
    summary = sim.cli.execute(cfg, tmp_path)
    assert summary["status"] == "failed" and "deliberate failure" in summary["error"]
    assert json.loads((tmp_path / "summary.json").read_text())["status"] == "failed"
    assert not (tmp_path / "timeseries.parquet").exists()


@pytest.mark.slow
def test_agent_snapshots_are_written_at_the_chosen_steps(tmp_path):
    out = run_cli(tmp_path / "s", "scenario=small", "steps=3", "outputs.agent_snapshots=[0,3]")
    assert out.returncode == 0, out.stderr
    people = pd.read_parquet(tmp_path / "s" / "snapshots" / "people_step0003.parquet")
    firms = pd.read_parquet(tmp_path / "s" / "snapshots" / "firms_step0000.parquet")
    assert (
        len(people) == 2860
        and (people["step"] == 3).all()
        and {"active", "belonging", "attached"} <= set(people)
    )
    assert len(firms) == 120 and (firms["step"] == 0).all()
    assert not (tmp_path / "s" / "snapshots" / "people_step0001.parquet").exists()


@pytest.mark.slow
def test_a_design_row_is_applied_and_recorded(tmp_path):
    from sim.sweep.design import matrix

    out = run_cli(tmp_path / "d", "+experiment=sensitivity_sobol", "design.sample=3", "steps=2")
    assert out.returncode == 0, out.stderr
    values = json.loads((tmp_path / "d" / "summary.json").read_text())["design_values"]
    spec = yaml.safe_load((tmp_path / "d" / ".hydra" / "config.yaml").read_text())["design"]
    expected = dict(zip([p["name"] for p in spec["parameters"]], matrix(spec)[3]))
    assert values == pytest.approx(expected)
    refused = run_cli(tmp_path / "e", "+experiment=sensitivity_sobol", "steps=2")
    assert refused.returncode == 2 and "design.sample" in refused.stderr
