"""Steady-state diagnostic (稳态诊断) of a run's weekly outcomes.

A rate is *drifting* at week s when the least-squares trend of its last ``TREND_WINDOW`` weeks
(two years) up to s would move it by ``TOLERANCE`` or more in a year. A rate is *steady from week
t* when it is not drifting at any week from t + ``TREND_WINDOW`` to the end of the run (checked
every ``STRIDE`` weeks and at the last week). The run is steady when no rate drifts at its end,
from the latest week any rate is steady from; rates still drifting at the end are named, with
their trends. Cumulative reach only grows and is not diagnosed (a year's reach is). Weeks where a
rate is undefined (NaN) are left out of its trend.

A trend over two years, rather than the change between consecutive half-year means, is used
because several rates fluctuate from season to season around a level that no longer moves (the
equity index across a few dozen sites, service access under turnover): the difference of two
26-week means flags such noise as drift, a two-year trend does not, while a slow approach to a rest
point (members' attachment, firms' strategies, coverage under turnover) still counts as drift.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

WINDOW = 26  # weeks: the late mean, the steady-state estimate reported
TREND_WINDOW = 104  # weeks: the span of the trend
TOLERANCE = 0.01  # absolute change of a share in a year, by the trend
STRIDE = 13  # weeks between the checks that date the steady state (a quarter)
NOT_DIAGNOSED = ("cumulative_reach",)
# Periods a run reports beside its steady state, in weeks (1-based, inclusive): the first year's
# transient, and the third year, the last of the article's three-year action plan from 2018
# (三年行动计划), which its figures describe
PERIODS = {"year1": (1, 52), "year3": (105, 156)}
STATS = ("late_mean", *PERIODS, "final")  # a run's statistics of each outcome, as reports name them


def yearly_trends(series: np.ndarray, window: int = TREND_WINDOW, stride: int = STRIDE) -> tuple:
    """Least-squares trend (change per 52 weeks) of the ``window`` weeks ending at each checked
    week; returns (weeks, trends). Checked weeks run every ``stride`` weeks back from the last."""
    values = np.asarray(series, dtype=float)
    n = len(values)
    if n < window:
        return np.empty(0, dtype=int), np.empty(0)
    ends = np.unique(np.r_[window - 1, np.arange(n - 1, window - 2, -stride)])
    y = sliding_window_view(values, window)[ends - window + 1]
    defined = ~np.isnan(y)
    t = np.broadcast_to(np.arange(window, dtype=float), y.shape)
    count = defined.sum(axis=1)
    t_mean = np.where(defined, t, 0).sum(axis=1) / np.maximum(count, 1)
    y_mean = np.where(defined, y, 0).sum(axis=1) / np.maximum(count, 1)
    dt = np.where(defined, t - t_mean[:, None], 0)
    dy = np.where(defined, y - y_mean[:, None], 0)
    sxx = (dt * dt).sum(axis=1)
    slope = np.divide((dt * dy).sum(axis=1), sxx, out=np.full(len(ends), np.nan), where=sxx > 0)
    return ends, slope * 52


def steady_from(series: np.ndarray, window: int = TREND_WINDOW, tolerance: float = TOLERANCE) -> int | None:
    """The first week from which the series stays steady to the end, or None if it drifts at the
    end (or is shorter than one trend window)."""
    return _steady_from(*yearly_trends(series, window), window, tolerance)


def _steady_from(ends: np.ndarray, trends: np.ndarray, window: int, tolerance: float) -> int | None:
    if not len(ends):
        return None
    drifting = np.abs(trends) >= tolerance
    if drifting[-1]:
        return None
    if not drifting.any():
        return int(ends[0] - window + 1)
    return int(ends[np.flatnonzero(drifting)[-1]] + 1)


def diagnose(
    table: pd.DataFrame, rates: tuple[str, ...], window: int = TREND_WINDOW, tolerance: float = TOLERANCE
) -> dict:
    """Steady-state summary of a run's table (one row per week, step 0 first)."""
    return _diagnose(_weekly_trends(table, rates, window), window, tolerance)


def _weekly_trends(table: pd.DataFrame, rates: tuple[str, ...], window: int = TREND_WINDOW) -> dict:
    # step 0 is the initial state, not a week of the run
    return {name: yearly_trends(table[name].to_numpy()[1:], window) for name in rates}


def _diagnose(trends: dict, window: int, tolerance: float) -> dict:
    weeks = {}
    for name, (ends, per_year) in trends.items():
        if name in NOT_DIAGNOSED:
            continue
        start = _steady_from(ends, per_year, window, tolerance)
        weeks[name] = None if start is None else start + 1
    drifting = sorted(name for name, week in weeks.items() if week is None)
    return {
        "reached": not drifting,
        "week": None if drifting else max(weeks.values(), default=None),
        "drifting": drifting,
        "trend_per_year": {name: _last(trends[name][1]) for name in drifting},
        "trend_window": window,
        "tolerance_per_year": tolerance,
    }


def _last(per_year: np.ndarray) -> float | None:
    return _plain(per_year[-1]) if len(per_year) else None


def _plain(value: float) -> float | None:
    # JSON has no NaN: an undefined outcome is written as null
    return None if value is None or np.isnan(value) else float(value)


def summarise(
    table: pd.DataFrame, outcomes: tuple[str, ...], rates: tuple[str, ...], window: int = WINDOW
) -> dict:
    """What a run reports: each outcome's last week (``final``), its mean over the last ``window``
    weeks (``late_mean``, the steady-state estimate when the diagnostic says steady), over weeks
    1-52 (``year1``, the transient) and 105-156 (``year3``) when the run is that long, each rate's
    trend a year over the last ``TREND_WINDOW`` weeks (``trend``), and the steady-state
    diagnostic. NaN (undefined) weeks are left out of means; undefined is null."""
    weeks = table.iloc[1:]  # step 0 is the initial state, not a week of the run
    trends = _weekly_trends(table, rates)
    out = {
        "final": {k: _plain(table[k].iloc[-1]) for k in outcomes},
        "late_mean": {k: _plain(weeks[k].iloc[-window:].mean()) for k in outcomes},
        "steady_state": _diagnose(trends, TREND_WINDOW, TOLERANCE),
        # each rate's trend a year over the last two years: a sweep averages them over seeds to
        # tell whether a reported mean or paired difference still moves (sim.sweep.paired)
        "trend": {k: _last(per_year) for k, (_, per_year) in trends.items()},
    }
    for period, (first, last) in PERIODS.items():
        if len(weeks) >= last:
            out[period] = {k: _plain(weeks[k].iloc[first - 1 : last].mean()) for k in outcomes}
    return out
