"""Evaluate a batch of parameter sets as one ordinary sweep (批量评估).

Calibration, scenario discovery and policy search hand their candidate points here. The points are
written as a file design (``design.method=file``) and run by ``python -m sim -m`` over
``design.sample``, so every evaluation has what a sweep run has: its config snapshot, summary,
checksums, resume, failure isolation, and whichever Hydra launcher the user chose (joblib, Ray,
SLURM) by passing the launcher overrides along.

A batch directory holds the design file and the sweep (``sweep/``, with its tables). It is created by
the batch; run again with the same rows it resumes (finished runs are
kept, as in any sweep); with different rows it is refused, so a directory never mixes two batches.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.results import write_parquet
from sim.study.load import StudyError

DESIGN_FILE = "design.parquet"
SWEEP_DIR = "sweep"  # the sweep beside its design file: a sweep directory holds only what sweeps write


class BatchError(StudyError):
    """The batch could not run at all (a config error, or a directory holding another batch)."""


def same_rows(path: Path, rows: pd.DataFrame) -> bool:
    """Whether the design file at ``path`` holds exactly ``rows`` (a batch to resume)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.read_table(path).equals(pa.Table.from_pandas(rows.reset_index(drop=True), preserve_index=False))


def evaluate(
    rows: pd.DataFrame,
    directory: Path,
    overrides: Sequence[str] = (),
    quiet: bool = True,
) -> pd.DataFrame:
    """Run one model run per row of ``rows`` (columns: dotted config keys) with ``overrides`` applied
    to every run; return the sweep's runs table, one row per design point in the order of ``rows``
    (index ``design.sample``), with ``status`` "completed" or "failed" and NaN outcomes for failures."""
    directory = Path(directory)
    if rows.empty:
        raise BatchError("a batch needs at least one row")
    design = directory / DESIGN_FILE
    if design.exists():
        if not same_rows(design, rows):
            raise BatchError(
                f"{directory} holds another batch (its {DESIGN_FILE} differs); use a new directory"
            )
    else:
        directory.mkdir(parents=True, exist_ok=True)
        write_parquet(design, rows.reset_index(drop=True))
    command = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        f"hydra.sweep.dir={directory / SWEEP_DIR}",
        "+design.method=file",
        f"+design.file={design.resolve()}",
        f"+design.sample=range(0,{len(rows)})",
        *overrides,
    ]
    done = subprocess.run(command, capture_output=quiet, text=True)
    # exit 1 means some runs failed: they are recorded in the tables, and the others are kept
    table = directory / SWEEP_DIR / "runs.parquet"
    if done.returncode not in (0, 1) or not table.exists():
        detail = (done.stderr or "").strip().splitlines()[-1:] if quiet else []
        raise BatchError(f"batch in {directory} failed (exit {done.returncode}): {' '.join(detail)}")
    runs = pd.read_parquet(table)
    runs = runs.drop_duplicates("design.sample", keep="last").set_index("design.sample").sort_index()
    return runs.reindex(range(len(rows)))
