"""Steady-state diagnostic (稳态诊断) of a run's weekly outcomes.

A rate is *steady from week t* when, for every week s >= t up to the end of the run, the means of
the two consecutive windows of ``window`` weeks ending at s differ by less than ``tolerance``. The
run is steady from the first week at which every diagnosed rate is; a rate still drifting at the
end of the run makes the run "not reached" and is named. Cumulative reach only grows and is not
diagnosed (a year's reach is). Weeks where a rate is undefined (NaN) are left out of its means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WINDOW = 26  # weeks: half a year on each side
TOLERANCE = 0.01  # absolute change of a share between consecutive windows
NOT_DIAGNOSED = ("cumulative_reach",)


def steady_from(series: np.ndarray, window: int = WINDOW, tolerance: float = TOLERANCE) -> int | None:
    """The first week from which the series stays steady to the end, or None if it never does."""
    values = np.asarray(series, dtype=float)
    n = len(values)
    if n < 2 * window + 1:
        return None
    defined = ~np.isnan(values)
    sums = np.concatenate([[0.0], np.cumsum(np.where(defined, values, 0.0))])
    counts = np.concatenate([[0], np.cumsum(defined)])

    def mean(end: np.ndarray) -> np.ndarray:  # mean over weeks end - window + 1 .. end
        c = counts[end + 1] - counts[end + 1 - window]
        return np.divide(
            sums[end + 1] - sums[end + 1 - window], c, out=np.full(len(end), np.nan), where=c > 0
        )

    ends = np.arange(2 * window, n)
    change = np.abs(mean(ends) - mean(ends - window))
    ok = np.where(np.isnan(change), True, change < tolerance)
    if not ok[-1]:
        return None
    unsteady = np.flatnonzero(~ok)
    return int(ends[unsteady[-1] + 1] if len(unsteady) else ends[0])


def diagnose(
    table: pd.DataFrame, rates: tuple[str, ...], window: int = WINDOW, tolerance: float = TOLERANCE
) -> dict:
    """Steady-state summary of a run's table (one row per week, step 0 first)."""
    weeks = {
        name: steady_from(table[name].to_numpy(), window, tolerance)
        for name in rates
        if name not in NOT_DIAGNOSED
    }
    drifting = sorted(name for name, week in weeks.items() if week is None)
    return {
        "reached": not drifting,
        "week": None if drifting else max(weeks.values(), default=None),
        "drifting": drifting,
        "window": window,
        "tolerance": tolerance,
    }


def _plain(value: float) -> float | None:
    # JSON has no NaN: an undefined outcome is written as null
    return None if value is None or np.isnan(value) else float(value)


def summarise(
    table: pd.DataFrame, outcomes: tuple[str, ...], rates: tuple[str, ...], window: int = WINDOW
) -> dict:
    """What a run reports: each outcome's last week (``final``), its mean over the last ``window``
    weeks (``late_mean``, the steady-state estimate when the diagnostic says steady) and over
    weeks 1-52 (``year1``, the transient, when the run is at least a year long), and the
    steady-state diagnostic. NaN (undefined) weeks are left out of means; undefined is null."""
    weeks = table.iloc[1:]  # step 0 is the initial state, not a week of the run
    out = {
        "final": {k: _plain(table[k].iloc[-1]) for k in outcomes},
        "late_mean": {k: _plain(weeks[k].iloc[-window:].mean()) for k in outcomes},
        "steady_state": diagnose(table, rates, window),
    }
    if len(weeks) >= 52:
        out["year1"] = {k: _plain(weeks[k].iloc[:52].mean()) for k in outcomes}
    return out
