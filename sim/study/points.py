"""Evaluate points (factor values) over common seeds as one batch (sim.study.batch): an ordinary sweep,
through whichever launcher the user chose, with its provenance, resume and failure isolation.

A point is one row of factor values; it runs once per seed, every point with the same seeds (common
random numbers). A point counts as failed, and is excluded from the analysis, if any of its runs
failed; the failures are kept in the tables with their errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim import outcomes as outcome_table
from sim.config import ensure
from sim.results import check_files, unreadable, write_json, write_parquet
from sim.study.batch import DESIGN_FILE, SWEEP_DIR, evaluate, same_rows
from sim.study.factors import override
from sim.study.schema import STATS
from sim.version import code_version, same_code

MECHANISMS_KEY = "governance.mechanisms"
NAME_KEY = "governance.name"
RESULTS_FILE = "results.parquet"  # beside the batch's design: the runs' outcomes, kept for resume
CODE_FILE = "results.json"  # the code that made them


def column(outcome: str, stat: str) -> str:
    """The runs-table column of an outcome's statistic (late_mean: the mean of the last 26 weeks)."""
    return outcome if stat == "final" else f"{stat}_{outcome}"


def mix_name(mechanisms: Sequence[str]) -> str:
    """A mix of mechanisms is named by its members, so the runs table's ``governance`` column says
    which mix ran."""
    return "+".join(mechanisms) or "none"


def design_rows(points: pd.DataFrame, seeds: Sequence[int]) -> pd.DataFrame:
    """One design row per point x seed (point-major), with ``seed`` as a column."""
    rows = points.loc[points.index.repeat(len(seeds))].reset_index(names="point")
    rows["seed"] = np.tile(np.asarray(seeds, dtype=np.int64), len(points))
    if MECHANISMS_KEY in rows.columns:
        rows[NAME_KEY] = rows[MECHANISMS_KEY].map(mix_name)
    return rows


def command(overrides: Sequence[str], values: dict, seed: int) -> str:
    """The exact ``python -m sim`` command of one evaluation: the same config, so the same results."""
    values = dict(values)
    if MECHANISMS_KEY in values:
        values[NAME_KEY] = mix_name(values[MECHANISMS_KEY])
    settings = [override(k, v) for k, v in values.items()]
    return " ".join(["python -m sim", *overrides, *settings, f"seed={seed}"])


def run_points(
    points: pd.DataFrame,
    seeds: Sequence[int],
    directory: Path,
    overrides: Sequence[str],
    outcomes: Sequence[str],
    stat: str,
) -> pd.DataFrame:
    """One row per point x seed: ``point``, ``seed``, ``status``, ``error``, ``run`` (its run directory,
    for ``python -m sim.sweep.reproduce``) and each outcome's ``stat``. A finished batch is read back
    from its results file (same design, same directory) instead of being checked run by run again;
    the file keeps every outcome and statistic, so another choice of them needs no run either."""
    rows = design_rows(points, seeds)
    directory = Path(directory)
    design_only = rows.drop(columns="point")
    kept = _finished(directory, design_only)
    if kept is None:
        kept = _results(rows, evaluate(design_only, directory, overrides))
        write_parquet(directory / RESULTS_FILE, kept)  # failures too: a failed run is a finished evaluation
        write_json(directory / CODE_FILE, code_version())
    table = kept[["point", "seed", "status", "error", "run", "code_version"]].copy()
    for outcome in outcomes:
        table[outcome] = kept[column(outcome, stat)]
    return table


def _finished(directory: Path, design: pd.DataFrame) -> pd.DataFrame | None:
    """The results of the batch in ``directory`` if it finished these very rows (the batch's own
    check) with this code, and each completed run's files are still as its summary records them (as a
    sweep checks a run before it keeps it); None otherwise, and the batch runs again, keeping its
    finished runs. Results of other code are left to the batch, which refuses them as any sweep does;
    a results file or a run that cannot be read is named in one line."""
    try:
        code = json.loads((directory / CODE_FILE).read_text())
        if not same_code(code) or not same_rows(directory / DESIGN_FILE, design):
            return None
    except (OSError, ValueError):  # nothing finished yet, or a design file the batch writes again
        return None
    try:
        kept = pd.read_parquet(directory / RESULTS_FILE)
    except (OSError, ValueError) as err:
        return _again(directory / RESULTS_FILE, unreadable(RESULTS_FILE, err))
    for run in kept.loc[kept["status"] == "completed", "run"]:
        try:
            problem = check_files(directory / run, json.loads((directory / run / "summary.json").read_text()))
        except (OSError, ValueError) as err:
            problem = unreadable("summary.json", err)
        if problem:
            return _again(directory / run, problem)
    return kept


def _again(path: Path, problem: str) -> None:
    print(f"[batch] {path}: {problem}; its batch runs again", file=sys.stderr, flush=True)


def _results(rows: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """The batch's runs in design order, with every outcome's statistics (NaN for a failed run)."""
    table = pd.DataFrame(
        {
            "point": rows["point"].to_numpy(),
            "seed": rows["seed"].to_numpy(),
            "status": runs["status"].fillna("failed").to_numpy(),
            "error": runs["error"].to_numpy() if "error" in runs else None,
            "run": [f"{SWEEP_DIR}/{r}" if isinstance(r, str) else None for r in runs["run"]],
            "code_version": runs["code_version"].to_numpy() if "code_version" in runs else None,
        }
    )
    failed = table["status"] != "completed"
    for outcome in outcome_table.OUTCOMES:
        for stat in STATS:
            name = column(outcome, stat)
            values = runs[name] if name in runs.columns else np.nan
            values = pd.to_numeric(pd.Series(values, index=runs.index), errors="coerce").to_numpy()
            table[name] = np.where(failed, np.nan, values)
    return table


def code_versions(runs: pd.DataFrame) -> str:
    """Each code version that made completed runs, with its number of runs (as a sweep report cites
    them: a resumed study may hold results of several)."""
    done = runs[runs["status"] == "completed"]
    counts = done["code_version"].fillna("not recorded").value_counts().sort_index()
    return ", ".join(f"`{name}` ({n} runs)" for name, n in counts.items()) or "none completed"


def per_point(table: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Mean over seeds per point, with ``failed``: the point's runs did not all complete."""
    failed = table.groupby("point")["status"].apply(lambda s: bool((s != "completed").any()))
    means = table.groupby("point")[list(outcomes)].mean()
    means["failed"] = failed
    means.loc[means["failed"], list(outcomes)] = np.nan
    return means


def check_outcomes(names: Sequence[str], where: str) -> list[str]:
    """Outcome names (of :mod:`sim.outcomes`), each once."""
    for i, name in enumerate(names):
        check_outcome(name, f"{where}.{i}")
    return list(dict.fromkeys(names))


def check_outcome(name: str, where: str) -> str:
    ensure(name in outcome_table.OUTCOMES, where, f"one of {list(outcome_table.OUTCOMES)}", name)
    return name
