"""A wave's evaluations (波次的评估): every design point at every seed on each target scenario, one
batch (:func:`sim.study.batch.evaluate`) per scenario, so they run through whichever launcher the user
chose, with the sweeps' provenance, resume and failure isolation; and the targets' statistics of each
run, with ``late_<rate>`` over the study's own late window.

A wave's statistics are kept beside its batches (``statistics.parquet``, with the code that made them)
so that a resumed match reads a finished wave back instead of checking its runs again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.metrics import RATES
from sim.results import write_json, write_parquet
from sim.study.batch import DESIGN_FILE, SWEEP_DIR, evaluate, same_rows
from sim.study.points import design_rows
from sim.targets import Target, compute
from sim.version import code_version, same_code

STATISTICS_FILE = "statistics.parquet"
CODE_FILE = "statistics.json"


def statistic(name: str, table: pd.DataFrame, summary: dict, window: int) -> float:
    """A target's statistic of one run: a ``late_<rate>`` is the mean of the rate over the run's last
    ``window`` weeks (undefined weeks left out), any other as :func:`sim.targets.compute` has it."""
    rate = name.removeprefix("late_")
    if name.startswith("late_") and rate in RATES:
        late = table[rate].iloc[1:].iloc[-window:]  # step 0 is the initial state, not a week
        return float(late.mean()) if late.notna().any() else float("nan")
    return compute(name, table, summary)


def simulate(
    values: pd.DataFrame,
    seeds: Sequence[int],
    targets: Sequence[Target],
    overrides: Sequence[str],
    launcher: Sequence[str],
    window: int,
    directory: Path,
) -> np.ndarray:
    """Every point of ``values`` (columns: config keys) at every seed, with the model ``overrides``,
    through the ``launcher``; the targets' statistics as points x seeds x targets, NaN where a run
    failed (it is recorded in its batch's tables)."""
    rows = design_rows(values, seeds).drop(columns="point")
    scenarios = list(dict.fromkeys(t.scenario for t in targets))
    if _finished(directory, rows, scenarios):
        stats = pd.read_parquet(directory / STATISTICS_FILE).to_numpy(float)
    else:
        stats = np.full((len(rows), len(targets)), np.nan)
        for scenario in scenarios:
            batch = directory / scenario
            runs = evaluate(rows, batch, [*overrides, f"scenario={scenario}", *launcher])
            wanted = [(j, t.statistic) for j, t in enumerate(targets) if t.scenario == scenario]
            for i, run in enumerate(runs.itertuples()):
                if run.status != "completed":
                    continue
                run_dir = batch / SWEEP_DIR / run.run
                summary = json.loads((run_dir / "summary.json").read_text())
                table = pd.read_parquet(run_dir / "timeseries.parquet")
                for j, name in wanted:
                    stats[i, j] = statistic(name, table, summary, window)
        write_parquet(
            directory / STATISTICS_FILE, pd.DataFrame(stats, columns=[str(j) for j in range(len(targets))])
        )
        write_json(directory / CODE_FILE, code_version())
    return stats.reshape(len(values), len(seeds), len(targets))


def _finished(directory: Path, rows: pd.DataFrame, scenarios: list[str]) -> bool:
    """Whether this wave's statistics were computed from these very rows, in every scenario's batch,
    by this code (results of other code are left to the batches, which refuse them as any sweep does)."""
    try:
        code = json.loads((directory / CODE_FILE).read_text())
    except (OSError, ValueError):
        return False
    return (
        (directory / STATISTICS_FILE).exists()
        and same_code(code)
        and all(
            (directory / s / DESIGN_FILE).exists() and same_rows(directory / s / DESIGN_FILE, rows)
            for s in scenarios
        )
    )
