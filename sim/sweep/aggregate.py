"""One table per sweep, rebuilt from its run directories (after a sweep, an interruption, or a
cluster run): ``runs.parquet`` (one row per run: swept parameters, seed, status, error, final
outcomes) and ``timeseries.parquet`` (every completed run x step).

    python -m sim.sweep.aggregate SWEEP_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import yaml

from sim import metrics, overrides
from sim.results import write_parquet

RUNS_FILE = "runs.parquet"
TIMESERIES_FILE = "timeseries.parquet"


def run_dirs(sweep_dir: Path) -> list[Path]:
    """Run directories are those Hydra made: each has a .hydra/ snapshot."""
    return sorted(p.parent.parent for p in sweep_dir.glob("*/.hydra/overrides.yaml"))


def swept_values(run_dir: Path) -> dict[str, object]:
    """The values a run's command line (after the sweep's expansion) set, by key."""
    items = yaml.safe_load((run_dir / ".hydra" / "overrides.yaml").read_text()) or []
    return {o.key_or_group: o.value() for o in overrides.parse(items)
            if not o.is_hydra_override() and o.key_or_group != "experiment"}


def aggregate(sweep_dir: Path) -> pd.DataFrame:
    rows, series = [], []
    for run_dir in run_dirs(sweep_dir):
        summary_file = run_dir / "summary.json"
        summary = json.loads(summary_file.read_text()) if summary_file.exists() else {
            "status": "incomplete", "error": "no summary.json: the run was interrupted or is still running"}
        row = {"run": run_dir.name, **swept_values(run_dir)}
        for key in ("scenario", "governance", "sinking", "share", "depth", "seed", "steps", "config_hash",
                    "status", "error", "runtime_s"):
            row.setdefault(key, summary.get(key))
        row.update(summary.get("design_values", {}))
        row.update(summary.get("final", {}))
        rows.append(row)
        if summary.get("status") == "completed":
            table = pd.read_parquet(run_dir / TIMESERIES_FILE)
            table.insert(0, "run", run_dir.name)
            for key, value in swept_values(run_dir).items():
                if key not in table.columns:
                    table[key] = value
            series.append(table)
    runs = pd.DataFrame(rows)
    for outcome in metrics.OUTCOMES:
        if outcome not in runs.columns:
            runs[outcome] = float("nan")
    write_parquet(sweep_dir / RUNS_FILE, _plain(runs))
    if series:
        write_parquet(sweep_dir / TIMESERIES_FILE, _plain(pd.concat(series, ignore_index=True)))
    return runs


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    # swept values of mixed types (e.g. null and a number) would not fit one Parquet column
    for col in table.columns:
        if table[col].dtype == object and table[col].map(type).nunique() > 1:
            table[col] = table[col].map(lambda v: None if v is None else str(v))
    return table


def sweep_dir_argument(description: str) -> Path:
    """The SWEEP_DIR of a command line; exit 2 with one line if it is not a directory."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("sweep_dir", type=Path)
    sweep_dir = parser.parse_args().sweep_dir
    if not sweep_dir.is_dir():
        print(f"error: sweep_dir: {sweep_dir} is not a directory", file=sys.stderr)
        sys.exit(2)
    return sweep_dir


def main() -> None:
    sweep_dir = sweep_dir_argument("Rebuild a sweep's runs.parquet and timeseries.parquet.")
    runs = aggregate(sweep_dir)
    print(f"{len(runs)} runs ({int((runs['status'] == 'completed').sum())} completed) -> {sweep_dir / RUNS_FILE}")


if __name__ == "__main__":
    main()
