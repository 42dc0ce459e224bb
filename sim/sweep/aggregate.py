"""One table per sweep, rebuilt from its run directories (after a sweep, an interruption, or a
cluster run): ``runs.parquet`` (one row per run: swept parameters, seed, status, error, final
outcomes) and ``timeseries.parquet`` (every completed run x step).

    python -m sim.sweep.aggregate SWEEP_DIR
"""

from __future__ import annotations

import copy
import json
import sys
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim import metrics, overrides
from sim.exits import ARGUMENT_ERROR, refuse, tool_parser
from sim.results import atomic_write, check_files, unreadable, write_parquet
from sim.steady import PERIODS
from sim.version import label

RUNS_FILE = "runs.parquet"
TIMESERIES_FILE = "timeseries.parquet"


def run_dirs(sweep_dir: Path) -> list[Path]:
    """Run directories are those Hydra made: each has a .hydra/ snapshot."""
    return sorted(p.parent.parent for p in sweep_dir.glob("*/.hydra/overrides.yaml"))


def swept_values(run_dir: Path) -> dict[str, object]:
    """The values a run's command line (after the sweep's expansion) set, by key."""
    items = yaml.safe_load((run_dir / ".hydra" / "overrides.yaml").read_text()) or []
    return {k: copy.deepcopy(v) for k, v in filter(None, map(_swept, items))}  # the cache keeps its own


@lru_cache(maxsize=100_000)
def _swept(item: str) -> tuple[str, object] | None:
    # the runs of a sweep share most of their override lines, and Hydra's parser takes ~1 ms a line
    override = overrides.parse([item])[0]
    if override.is_hydra_override() or override.key_or_group == "experiment":
        return None
    return override.key_or_group, override.value()


ROW_KEYS = (
    "scenario",
    "governance",
    "sinking",
    "share",
    "depth",
    "seed",
    "steps",
    "people_member",
    "people_worker",
    "people_resident",
    "config_hash",
    "status",
    "error",
    "runtime_s",
)
CHUNK_ROWS = 100_000  # rows of the time-series table held at once: memory is bounded by this, not the runs


def aggregate(sweep_dir: Path, timeseries: bool = True) -> pd.DataFrame:
    """Write and return runs.parquet (and, with ``timeseries``, timeseries.parquet). A completed run
    whose files do not match the checksums in its summary, or do not read back, is listed with
    ``status: corrupt``.

    The runs table is built from the summaries (one small row per run); the time-series table is
    streamed from the runs' files into one Parquet file, a chunk of runs at a time, so the memory it
    takes does not grow with the number of runs. Each run's table is read once."""
    rows, swept_keys, readable, schema = [], {}, set(), None
    for run_dir in run_dirs(sweep_dir):
        summary = _summary(run_dir)
        # a list or mapping (governance.mechanisms=[...]) is one value: kept as its text, so that it
        # fills a column like any other value and compares as text
        swept = {k: str(v) if isinstance(v, (list, dict)) else v for k, v in swept_values(run_dir).items()}
        swept_keys.update(dict.fromkeys(swept))
        if summary.get("status") == "completed":
            problem = check_files(run_dir, summary, read_back=False)
            if not problem:
                try:
                    schema = _unified(schema, pq.read_schema(run_dir / TIMESERIES_FILE))
                    readable.add(run_dir.name)
                except Exception as err:
                    problem = unreadable(TIMESERIES_FILE, err)
            if problem:
                summary = {**summary, "status": "corrupt", "error": problem, "final": {}}
        row = {"run": run_dir.name, **swept}
        for key in ROW_KEYS:
            row.setdefault(key, summary.get(key))
        row["code_version"] = label(summary.get("code"))
        row.update(summary.get("design_values", {}))
        row.update(summary.get("final", {}))
        for part in ("late_mean", *PERIODS, "trend"):
            row.update({f"{part}_{k}": v for k, v in (summary.get(part) or {}).items()})
        state = summary.get("steady_state") or {}
        row.update(
            steady=state.get("reached"),
            steady_week=state.get("week"),
            drifting=",".join(state.get("drifting", [])) if state else None,
        )
        rows.append(row)
    runs = pd.DataFrame(rows, columns=None if rows else ["run", *ROW_KEYS, "code_version"])
    for outcome in metrics.COLUMNS:
        if outcome not in runs.columns:
            runs[outcome] = float("nan")
    runs = _plain(runs)
    if readable and timeseries:
        atomic_write(
            sweep_dir / TIMESERIES_FILE,
            lambda tmp: _write_timeseries(tmp, sweep_dir, runs, readable, schema, list(swept_keys)),
        )
    elif timeseries:
        (sweep_dir / TIMESERIES_FILE).unlink(missing_ok=True)  # a stale table must not outlive its runs
    write_parquet(sweep_dir / RUNS_FILE, runs)
    return runs


def _unified(schema: pa.Schema | None, other: pa.Schema) -> pa.Schema:
    """One schema for the runs' tables (they differ only if different code made them)."""
    if schema is None or schema.equals(other, check_metadata=False):
        return schema or other
    return pa.unify_schemas([schema, other], promote_options="permissive")


def _write_timeseries(
    path: Path, sweep_dir: Path, runs: pd.DataFrame, readable: set[str], own: pa.Schema, swept_keys: list[str]
) -> None:
    """The weeks of the ``readable`` runs (their tables unified to ``own``), with their swept values
    (typed as in the runs table), into ``path``; a run whose table does not read after all is marked
    corrupt in ``runs`` instead."""
    done = runs[runs["run"].isin(readable)]
    extra = [k for k in swept_keys if k not in own.names]
    fields = [pa.field("run", pa.string()), *own, *pa.Schema.from_pandas(done[extra], preserve_index=False)]
    schema = pa.schema([f.remove_metadata() for f in fields])
    with pq.ParquetWriter(path, schema) as writer:
        chunk, held = [], 0
        for index, run in done.iterrows():
            try:
                table = pq.ParquetFile(sweep_dir / run["run"] / TIMESERIES_FILE).read()
            except Exception as err:
                runs.loc[index, ["status", "error"]] = ["corrupt", unreadable(TIMESERIES_FILE, err)]
                continue
            given = {"run": run["run"], **{k: run[k] for k in extra}}
            columns = [
                table.column(f.name).cast(f.type)
                if f.name in table.column_names
                else pa.array([given.get(f.name)] * len(table), type=f.type, from_pandas=True)
                for f in schema
            ]
            chunk.append(pa.Table.from_arrays(columns, schema=schema))
            held += len(table)
            if held >= CHUNK_ROWS:
                writer.write_table(pa.concat_tables(chunk))
                chunk, held = [], 0
        if chunk:
            writer.write_table(pa.concat_tables(chunk))


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


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    # swept values of mixed types (e.g. null and a number), or integers beyond 64 bits (a failed run's
    # seed), would not fit one Parquet column: such a column is written as text
    for col in table.columns:
        if table[col].dtype == object and (table[col].map(type).nunique() > 1 or table[col].map(_huge).any()):
            table[col] = table[col].map(lambda v: None if v is None else str(v))
    return table


def _huge(value: object) -> bool:
    return isinstance(value, int) and not -(2**63) <= value < 2**63


def sweep_dir_argument() -> Path:
    """The SWEEP_DIR of a command line; exit 2 with one line if it is not a sweep directory."""
    parser = tool_parser(
        "python -m sim.sweep.aggregate",
        "Rebuild a sweep's runs.parquet and timeseries.parquet from its run directories (after an "
        "interruption, or a sweep run on a cluster).",
        [("python -m sim.sweep.aggregate results/sweeps/2025-01-01_12-00-00", "rebuild the tables")],
    )
    parser.add_argument("sweep_dir", type=Path)
    return check_sweep_dir(parser.parse_args().sweep_dir)


def check_sweep_dir(sweep_dir: Path) -> Path:
    """``sweep_dir`` if it holds run directories; otherwise exit 2 with one line."""
    if not sweep_dir.is_dir():
        refuse(f"sweep_dir: {sweep_dir} is not a directory", ARGUMENT_ERROR)
    if not run_dirs(sweep_dir):
        refuse(
            f"sweep_dir: {sweep_dir} holds no run directories (subdirectories with .hydra/overrides.yaml)",
            ARGUMENT_ERROR,
        )
    return sweep_dir


def main() -> None:
    sweep_dir = sweep_dir_argument()
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
