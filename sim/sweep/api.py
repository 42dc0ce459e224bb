"""Sweeps from Python (Python 接口): run one with the command line's own machinery and load its
tables.

    from sim import load_sweep, run_sweep

    sweep = run_sweep(scenario="small", governance=["fragmented", "zone"], seed=range(3), steps=20)
    sweep.runs                      # one row per run (runs.parquet)
    sweep.timeseries                # every completed run x week (timeseries.parquet)
    sweep.paired("governance=fragmented")   # paired differences against the baseline, with CIs
    load_sweep("results/sweeps/2025-01-01_12-00-00")   # a sweep run earlier, from the shell or here

:func:`run_sweep` runs ``python -m sim -m ...`` in a child process rather than calling Hydra in
this one. That is the very command the shell runs, so it gets everything the command line does
(the checks before anything is written, the run-directory rules, resume, locks, the launcher of
your choice, the tables and the report, exit statuses) and records a command one can paste;
and it leaves this process as it was: Hydra's global state, logging set-up and ``sys.argv`` belong
to one application run per process, and a notebook kernel would keep them between cells.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim import outcomes
from sim.config import ConfigError
from sim.exits import CONFIG_ERROR, EXIT_CONFIG


@dataclass
class Sweep:
    """A sweep directory and its two tables."""

    directory: Path
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    exit_status: int | None = None  # of the command that ran it (None: loaded, not run here)

    @property
    def completed(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "completed"]

    def paired(
        self,
        against: str = "governance=fragmented",
        names: Iterable[str] = outcomes.HEADLINE,
        stat: str = "late_mean",
    ) -> pd.DataFrame:
        """Each condition's mean paired difference from the baseline ``KEY=VALUE`` over common seeds,
        with its 95% t interval, for the other swept keys separately (:mod:`sim.sweep.paired`)."""
        from sim.sweep.paired import paired_differences
        from sim.sweep.report import conditions

        factor, _, baseline = against.partition("=")
        if factor not in self.runs.columns or baseline not in set(self.runs[factor].astype(str)):
            raise ValueError(f"against: {against} is not a swept condition of {self.directory}")
        others = tuple(c for c in conditions(self.directory, self.completed) if c != factor)
        return paired_differences(self.runs, factor, baseline, tuple(names), stat, by=others)

    @property
    def report(self) -> Path:
        return self.directory / "report.md"


def load_sweep(directory: str | Path) -> Sweep:
    """The tables of a sweep directory; built from its run directories first if they are missing
    (an interrupted sweep, or one run on a cluster)."""
    from sim.sweep.aggregate import RUNS_FILE, TIMESERIES_FILE, aggregate, run_dirs

    directory = Path(directory)
    if not directory.is_dir() or not run_dirs(directory):
        raise FileNotFoundError(
            f"{directory} holds no run directories (subdirectories with .hydra/overrides.yaml)"
        )
    if not (directory / RUNS_FILE).exists():
        aggregate(directory)
    series = directory / TIMESERIES_FILE
    return Sweep(
        directory,
        pd.read_parquet(directory / RUNS_FILE),
        pd.read_parquet(series) if series.exists() else pd.DataFrame(),
    )


def sweep_overrides(*overrides: str, **params: Any) -> list[str]:
    """Command-line overrides from ``KEY=VALUE`` strings and keyword arguments: a list, tuple or range
    is swept (``seed=range(3)`` -> ``seed=0,1,2``), dotted keys are written with ``__``
    (``sinking__share=[0, 0.5]``)."""
    items = list(overrides)
    for key, value in params.items():
        name = key.replace("__", ".")
        if isinstance(value, (list, tuple, range)):
            items.append(f"{name}={','.join(map(_value, value))}")
        else:
            items.append(f"{name}={_value(value)}")
    return items


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def run_sweep(
    *overrides: str, directory: str | Path | None = None, verbose: bool = False, **params: Any
) -> Sweep:
    """Run a sweep with ``python -m sim -m`` and return it loaded (see the module's docstring).

    ``directory`` is ``hydra.sweep.dir`` (default: a new ``results/sweeps/<time>/``); the same
    directory again resumes the sweep. ``verbose`` shows the command's progress lines. A bad
    override raises :class:`sim.config.ConfigError` with the command's one-line message and writes
    nothing; a sweep whose runs failed returns with ``exit_status`` 1 and the failures in ``runs``.
    """
    items = sweep_overrides(*overrides, **params)
    # pinned here (as the config's default would name it) so that it is known without parsing output
    directory = Path(directory or f"results/sweeps/{datetime.now():%Y-%m-%d_%H-%M-%S}").resolve()
    items.append(f"hydra.sweep.dir={directory}")
    command = [sys.executable, "-m", "sim", "-m", *items]
    out = subprocess.run(command, capture_output=not verbose, text=True)
    err = out.stderr or ""
    if out.returncode == EXIT_CONFIG:
        line = next((x for x in reversed(err.splitlines()) if x.strip()), "exit status 2")
        raise ConfigError(line.removeprefix(f"{CONFIG_ERROR}: "))
    if out.returncode not in (0, 1):
        raise RuntimeError(f"the sweep stopped (exit status {out.returncode}): {err.strip()[-2000:]}")
    sweep = load_sweep(directory)
    sweep.exit_status = out.returncode
    return sweep
