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
from sim.results import check_files, write_parquet
from sim.version import label

RUNS_FILE = "runs.parquet"
TIMESERIES_FILE = "timeseries.parquet"


def run_dirs(sweep_dir: Path) -> list[Path]:
    """Run directories are those Hydra made: each has a .hydra/ snapshot."""
    return sorted(p.parent.parent for p in sweep_dir.glob("*/.hydra/overrides.yaml"))


def swept_values(run_dir: Path) -> dict[str, object]:
    """The values a run's command line (after the sweep's expansion) set, by key."""
    items = yaml.safe_load((run_dir / ".hydra" / "overrides.yaml").read_text()) or []
    return {
        o.key_or_group: o.value()
        for o in overrides.parse(items)
        if not o.is_hydra_override() and o.key_or_group != "experiment"
    }


ROW_KEYS = (
    "scenario",
    "governance",
    "sinking",
    "share",
    "depth",
    "seed",
    "steps",
    "config_hash",
    "status",
    "error",
    "runtime_s",
)


def aggregate(sweep_dir: Path) -> pd.DataFrame:
    """Write and return runs.parquet (and timeseries.parquet). A completed run whose files do not match
    the checksums in its summary, or do not read back, is listed with ``status: corrupt``."""
    rows, series = [], []
    for run_dir in run_dirs(sweep_dir):
        summary = _summary(run_dir)
        # a list or mapping (governance.mechanisms=[...]) is one value: kept as its text, so that it
        # fills a column like any other value and compares as text
        swept = {k: str(v) if isinstance(v, (list, dict)) else v for k, v in swept_values(run_dir).items()}
        table = None
        if summary.get("status") == "completed":
            table, problem = _timeseries(run_dir, summary)
            if problem:
                summary = {**summary, "status": "corrupt", "error": problem, "final": {}}
        row = {"run": run_dir.name, **swept}
        for key in ROW_KEYS:
            row.setdefault(key, summary.get(key))
        row["code_version"] = label(summary.get("code"))
        row.update(summary.get("design_values", {}))
        row.update(summary.get("final", {}))
        for part in ("late_mean", "year1", "trend"):
            row.update({f"{part}_{k}": v for k, v in (summary.get(part) or {}).items()})
        state = summary.get("steady_state") or {}
        row.update(
            steady=state.get("reached"),
            steady_week=state.get("week"),
            drifting=",".join(state.get("drifting", [])) if state else None,
        )
        rows.append(row)
        if table is not None:
            table.insert(0, "run", run_dir.name)
            for key, value in swept.items():
                if key not in table.columns:
                    table[key] = value
            series.append(table)
    runs = pd.DataFrame(rows, columns=None if rows else ["run", *ROW_KEYS, "code_version"])
    for outcome in metrics.OUTCOMES:
        if outcome not in runs.columns:
            runs[outcome] = float("nan")
    write_parquet(sweep_dir / RUNS_FILE, _plain(runs))
    if series:
        write_parquet(sweep_dir / TIMESERIES_FILE, _plain(pd.concat(series, ignore_index=True)))
    else:
        (sweep_dir / TIMESERIES_FILE).unlink(missing_ok=True)  # a stale table must not outlive its runs
    return runs


def _summary(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / "summary.json").read_text())
    except FileNotFoundError:
        return {
            "status": "incomplete",
            "error": "no summary.json: the run was interrupted or is still running",
        }
    except (OSError, ValueError) as err:
        return {"status": "corrupt", "error": f"summary.json cannot be read: {err}"}


def _timeseries(run_dir: Path, summary: dict) -> tuple[pd.DataFrame | None, str | None]:
    """A completed run's table, or why it cannot be trusted."""
    problem = check_files(run_dir, summary)
    if problem:
        return None, problem
    return pd.read_parquet(run_dir / TIMESERIES_FILE), None


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    # swept values of mixed types (e.g. null and a number), or integers beyond 64 bits (a failed run's
    # seed), would not fit one Parquet column: such a column is written as text
    for col in table.columns:
        if table[col].dtype == object and (table[col].map(type).nunique() > 1 or table[col].map(_huge).any()):
            table[col] = table[col].map(lambda v: None if v is None else str(v))
    return table


def _huge(value: object) -> bool:
    return isinstance(value, int) and not -(2**63) <= value < 2**63


def sweep_dir_argument(description: str, prog: str = "python -m sim.sweep.aggregate") -> Path:
    """The SWEEP_DIR of a command line; exit 2 with one line if it is not a sweep directory."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("sweep_dir", type=Path)
    return check_sweep_dir(parser.parse_args().sweep_dir)


def check_sweep_dir(sweep_dir: Path) -> Path:
    """``sweep_dir`` if it holds run directories; otherwise exit 2 with one line."""
    if not sweep_dir.is_dir():
        print(f"error: sweep_dir: {sweep_dir} is not a directory", file=sys.stderr)
        sys.exit(2)
    if not run_dirs(sweep_dir):
        print(
            f"error: sweep_dir: {sweep_dir} holds no run directories "
            "(subdirectories with .hydra/overrides.yaml)",
            file=sys.stderr,
        )
        sys.exit(2)
    return sweep_dir


def main() -> None:
    sweep_dir = sweep_dir_argument("Rebuild a sweep's runs.parquet and timeseries.parquet.")
    runs = aggregate(sweep_dir)
    counts = runs["status"].value_counts()
    by_status = ", ".join(f"{n} {status}" for status, n in counts.items())
    print(f"{len(runs)} runs ({by_status}) -> {sweep_dir / RUNS_FILE}")
    if counts.get("corrupt"):
        print(
            f"warning: {counts['corrupt']} corrupt runs (see their error in {RUNS_FILE}); "
            "resuming the sweep re-runs them",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
