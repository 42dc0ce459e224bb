"""Sweep tables that scale: the time-series table is streamed a chunk of runs at a time and is the
same table whatever the chunk size; swept values have one type in both tables."""

from __future__ import annotations

import shutil

import pandas as pd
import pyarrow.parquet as pq
import yaml
from test_sweep_robustness import sweep_run

from sim.sweep import aggregate as agg


def copy_run(template, sweep_dir, name: str, overrides: list[str]) -> None:
    run_dir = sweep_dir / name
    shutil.copytree(template, run_dir)
    (run_dir / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))


def test_the_time_series_table_is_the_same_whatever_the_chunk(tmp_path, monkeypatch):
    template = sweep_run(tmp_path / "template", 0)
    sweep_dir = tmp_path / "sweep"
    sweep_dir.mkdir()
    for i in range(6):  # a swept value that is sometimes null: one type (float) in both tables
        copy_run(
            template, sweep_dir, f"run{i}", [f"seed={i}", f"limits.max_memory_gb={'null' if i % 2 else 40}"]
        )
    agg.aggregate(sweep_dir)
    whole = pd.read_parquet(sweep_dir / agg.TIMESERIES_FILE)
    monkeypatch.setattr(agg, "CHUNK_ROWS", 4)  # a run is 3 rows: a chunk every second run
    runs = agg.aggregate(sweep_dir)
    chunked = pd.read_parquet(sweep_dir / agg.TIMESERIES_FILE)
    pd.testing.assert_frame_equal(chunked, whole)
    assert pq.ParquetFile(sweep_dir / agg.TIMESERIES_FILE).num_row_groups == 3
    assert len(chunked) == 6 * 3 and list(chunked["run"].unique()) == [f"run{i}" for i in range(6)]
    assert runs["limits.max_memory_gb"].dtype == chunked["limits.max_memory_gb"].dtype == "float64"
    assert chunked.groupby("run")["limits.max_memory_gb"].first().isna().tolist() == [False, True] * 3
