"""Calibration targets (校准目标): observed patterns as data, and the named statistics they compare with.

A *target set* is a YAML file in ``configs/targets/`` (or any path): a list of rows
``{statistic, scenario, value, tolerance, source}``, optionally with ``discrepancy``. A *statistic*
is a name in :data:`STATISTICS`, a function ``f(table, summary) -> float`` of one run's weekly table
(``timeseries.parquet``, one row per week, step 0 first) and its ``summary.json`` dict (``final``,
``late_mean``, ``year1``, ``steady_state``). The registry is the one place calibration, history
matching, scenario discovery and policy search take statistics from; a researcher adds survey figures
as target rows, with no code.

Registered statistics:

- ``final_<rate>``, ``late_<rate>``, ``year1_<rate>``, ``year3_<rate>`` for every rate outcome of
  ``sim.metrics.RATES``: the last week, the mean of the last 26 weeks, the mean of weeks 1-52 and of
  weeks 105-156 (docs/ODD.md 7.16);
- ``late_range_<rate>`` for the participation rates: the 90th minus the 10th percentile of the weekly
  rate over the last 26 weeks (how much weekly participation swings);
- ``late_reach_ratio``: a year's reach over weekly participation in the last 26 weeks (how many more
  people take part over a year than in a week).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import MISSING

from sim.config import CONFIG_DIR, ConfigError, check_block, ensure, group_options
from sim.metrics import RATES
from sim.outcomes import PARTICIPATION
from sim.steady import PERIODS, WINDOW

Statistic = Callable[[pd.DataFrame, dict], float]
TARGETS_DIR = CONFIG_DIR / "targets"


def _number(value: object) -> float:
    return float("nan") if value is None else float(value)


def _summary_part(part: str, rate: str) -> Statistic:
    return lambda table, summary: _number((summary.get(part) or {}).get(rate))


def _late_range(rate: str) -> Statistic:
    def statistic(table: pd.DataFrame, summary: dict) -> float:
        late = table[rate].iloc[1:].iloc[-WINDOW:].dropna()
        if late.empty:
            return float("nan")
        return float(np.percentile(late, 90) - np.percentile(late, 10))

    return statistic


def _late_reach_ratio(table: pd.DataFrame, summary: dict) -> float:
    late = summary.get("late_mean") or {}
    weekly, reach = _number(late.get("participation_rate")), _number(late.get("reach_52w"))
    return reach / weekly if weekly > 0 else float("nan")


STATISTICS: dict[str, Statistic] = {
    **{f"final_{r}": _summary_part("final", r) for r in RATES},
    **{f"late_{r}": _summary_part("late_mean", r) for r in RATES},
    **{f"{period}_{r}": _summary_part(period, r) for period in PERIODS for r in RATES},
    **{f"late_range_{r}": _late_range(r) for r in PARTICIPATION},
    "late_reach_ratio": _late_reach_ratio,
}


def compute(name: str, table: pd.DataFrame, summary: dict) -> float:
    """The statistic ``name`` of one run; NaN where it is undefined."""
    return float(STATISTICS[name](table, summary))


@dataclass
class Target:
    """A row of a target set: an observed ``value`` of a ``statistic`` of runs of ``scenario``, to
    within ``tolerance``, with the ``source`` that reports it; ``discrepancy``, where a figure is read
    loosely, is how far the model may stand from the world even at its best parameters (a standard
    deviation, which history matching adds to the observation's; sim.history)."""

    statistic: str = MISSING
    scenario: str = MISSING
    value: float = MISSING
    tolerance: float = MISSING
    source: str = MISSING
    discrepancy: float = 0.0

    def check_at(self, where: str) -> None:
        ensure(
            self.statistic in STATISTICS,
            f"{where}.statistic",
            "a statistic of sim.targets.STATISTICS (final_/late_/year1_/year3_ + a rate of docs/ODD.md 7.16, "
            "late_range_ + a participation rate, late_reach_ratio)",
            self.statistic,
        )
        scenarios = group_options("scenario")
        ensure(self.scenario in scenarios, f"{where}.scenario", f"one of {scenarios}", self.scenario)
        ensure(self.tolerance > 0, f"{where}.tolerance", "a finite number > 0", self.tolerance)
        ensure(self.discrepancy >= 0, f"{where}.discrepancy", "a finite number >= 0", self.discrepancy)
        ensure(
            bool(self.source.strip()), f"{where}.source", "a non-empty text citing the source", self.source
        )


def target_options() -> list[str]:
    return group_options("targets")


def load_targets(ref: str, key: str = "targets") -> list[Target]:
    """The target set named ``ref`` (a file of ``configs/targets/``) or at the path ``ref``; every row
    checked, the first problem raised as one ConfigError line naming its key."""
    import yaml

    path = Path(ref) if str(ref).endswith((".yaml", ".yml")) else TARGETS_DIR / f"{ref}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"{key}: got {ref!r}, allowed: one of {target_options()} or the path of a target YAML file"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"{key}: {path} cannot be read as YAML ({type(err).__name__})") from None
    rows = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise ConfigError(f"{key}: {path}: targets: got {rows!r}, allowed: a list of at least one target row")
    return [check_block(Target, row, f"{key}: {path}: targets.{i}") for i, row in enumerate(rows)]
