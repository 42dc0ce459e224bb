"""File designs (design.method=file) and batches of evaluations run as ordinary sweeps (sim.study.batch)."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from sim.config import ConfigError
from sim.run import run
from sim.study.batch import BatchError, evaluate
from sim.sweep.design import apply_design, design_size, parameter_names
from sim.validate import CONFIG_DIR, validate
from sim.validate import compose as compose_run

REPO = Path(__file__).resolve().parent.parent


def _cfg(path, sample, *overrides):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(
            "config",
            overrides=["+design.method=file", f"+design.file={path}", f"+design.sample={sample}", *overrides],
        )


@pytest.fixture
def design(tmp_path):
    path = tmp_path / "rows.parquet"
    pd.DataFrame(
        {
            "governance.mechanisms": [["zone_committees", "online_channel"], []],
            "sinking.policy": ["equal", None],
            "sinking.share": [0.25, 0.75],
        }
    ).to_parquet(path)
    return path


def test_a_row_sets_its_keys_and_null_leaves_the_configured_value(design):
    cfg = _cfg(design, 0)
    assert apply_design(cfg) == {
        "governance.mechanisms": ["zone_committees", "online_channel"],
        "sinking.policy": "equal",
        "sinking.share": 0.25,
    }
    run = validate(cfg, [])
    assert list(run.governance.mechanisms) == ["zone_committees", "online_channel"]
    assert (run.sinking.policy, run.sinking.share) == ("equal", 0.25)
    cfg = _cfg(design, 1)
    apply_design(cfg)
    assert (cfg.sinking.policy, cfg.sinking.share, list(cfg.governance.mechanisms)) == ("need", 0.75, [])
    spec = {"method": "file", "file": str(design)}
    assert design_size(spec) == 2
    assert parameter_names(spec) == ["governance.mechanisms", "sinking.policy", "sinking.share"]


@pytest.mark.parametrize(
    ("column", "message"),
    [("no.such_key", "is not a config key"), ("governance", "is a config group, allowed: its keys")],
)
def test_a_column_that_is_not_a_config_key_is_refused(tmp_path, column, message):
    path = tmp_path / "bad.parquet"
    pd.DataFrame({column: ["x"]}).to_parquet(path)
    with pytest.raises(ConfigError, match=message):
        apply_design(_cfg(path, 0))


def test_a_missing_file_or_sample_is_refused(tmp_path, design):
    with pytest.raises(ConfigError, match="design.file: cannot read"):
        apply_design(_cfg(tmp_path / "absent.parquet", 0))
    with pytest.raises(ConfigError, match=r"design.sample: got 2, allowed: an integer in \[0, 1\]"):
        apply_design(_cfg(design, 2))


@pytest.mark.slow
def test_a_batch_runs_as_a_sweep_records_failures_resumes_and_refuses_other_rows(tmp_path):
    rows = pd.DataFrame(
        {"sinking.share": [0.2, 1.5, 0.6], "behaviour.participation.threshold_sd": [0.1, 0.2, None]}
    )
    common = ["scenario=small", "steps=6", "seed=3"]
    runs = evaluate(rows, tmp_path / "b", common)
    assert runs["status"].tolist() == ["completed", "failed", "completed"]
    assert "sinking.share: got 1.5, allowed: a number in [0, 1]" in runs.loc[1, "error"]
    assert runs.loc[[0, 2], "share"].tolist() == [0.2, 0.6]
    # the batch's runs are the runs `python -m sim` makes from the same values
    _, direct = run(compose_run(["scenario=small", "steps=6", "seed=3", "sinking.share=0.6"]))
    assert runs.loc[2, "participation_rate"] == direct["participation_rate"].iloc[-1]
    again = evaluate(rows, tmp_path / "b", common)  # resumes: same rows, same tables
    pd.testing.assert_frame_equal(again.drop(columns="runtime_s"), runs.drop(columns="runtime_s"))
    with pytest.raises(BatchError, match="holds another batch"):
        evaluate(rows.iloc[:2], tmp_path / "b", common)


def _sweep(sweep_dir, *args):
    command = [sys.executable, "-m", "sim", "-m", "scenario=small", "steps=2", f"hydra.sweep.dir={sweep_dir}"]
    return subprocess.run([*command, *args], cwd=REPO, capture_output=True, text=True, timeout=600)


def _runs(sweep_dir):
    """Each run directory's snapshot and time series, by name (a chunk's own directory is not a run's)."""
    return {
        p.parent.parent.name: (
            (p.parent / "config.yaml").read_text(),
            p.read_text(),
            pd.read_parquet(p.parent.parent / "timeseries.parquet"),
        )
        for p in sweep_dir.glob("*/.hydra/overrides.yaml")
    }


@pytest.mark.slow
def test_a_sweep_in_chunks_makes_the_runs_of_a_sweep_over_its_rows(tmp_path, design):
    """design.chunk: each job runs several rows, each into the run directory, with the snapshot, that
    the job of that row alone makes; outputs=runs writes the runs table and no more."""
    rows = [f"+design.file={design}", "+design.method=file"]
    alone = _sweep(tmp_path / "alone", *rows, "+design.sample=range(0,2)")
    assert alone.returncode == 0, alone.stderr
    chunked = _sweep(
        tmp_path / "chunked",
        *rows,
        "+design.chunk=range(0,2)",
        "+design.chunk_size=1",
        "hydra.sweep.subdir=chunks/${hydra.job.num}",
        "hydra.callbacks.sweep_recorder.outputs=runs",
    )
    assert chunked.returncode == 0, chunked.stderr
    one, other = _runs(tmp_path / "alone"), _runs(tmp_path / "chunked")
    assert sorted(one) == sorted(other) and len(one) == 2
    for name, (config, overrides, series) in one.items():
        assert other[name][:2] == (config, overrides)
        pd.testing.assert_frame_equal(other[name][2], series)
    columns = ["run", "status", "design.sample", "sinking.share", "participation_rate"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "chunked" / "runs.parquet")[columns].sort_values("run", ignore_index=True),
        pd.read_parquet(tmp_path / "alone" / "runs.parquet")[columns].sort_values("run", ignore_index=True),
    )
    assert not (tmp_path / "chunked" / "timeseries.parquet").exists()
    assert not (tmp_path / "chunked" / "report.md").exists()

    short = _sweep(tmp_path / "short", *rows, "+design.chunk=0", "+design.chunk_size=1")
    assert short.returncode == 2
    assert short.stderr.strip() == (
        "config error: design.chunk: the design has 2 chunks; sweep design.chunk=range(0,2) "
        "(times any other swept values)"
    )
    bad = _sweep(tmp_path / "bad", *rows, "+design.sample=0,1", "hydra.callbacks.sweep_recorder.outputs=all")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "config error: hydra.callbacks.sweep_recorder.outputs: got 'all', allowed: one of ['report', 'runs']"
    )
